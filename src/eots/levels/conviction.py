"""Conviction of a level (framework.md section 2.3): alignment, track record and persistence.

**Track record** (optional ``TRACK_RECORD_SCHEMA`` frame, e.g. from ``levels.evaluate``): rows
``scope`` (``metric`` or ``kind``), ``name``, ``n`` (observations) and ``hits`` (how many went
the predicted way). Every rate is shrunk to a neutral 0.5 prior with ``k = prior_observations``
pseudo-observations: ``rate = (hits + k / 2) / (n + k)``. Without outcomes every rate is 0.5.

* **Metric weights**: ``w_m`` proportional to metric m's rate, over the configured metrics present
  in the strike metrics (equal weights under the neutral prior), summing to 1.
* **Alignment** ``A = sum_m w_m a_m`` in -1..1 at the strike nearest the level: for signed metrics
  (MSPI and its components, ``a_dag``, ``e_sdag`` ...) ``a_m = d * n(x)`` with ``n`` max-abs
  scaling over the snapshot's strikes and ``d`` the level's direction (+1 support: ``support``,
  put walls; -1 resistance: ``resistance``, call walls; other kinds by side of spot: at or below
  +1, above -1); for ``sai`` ``a = 2 |n(sai)| - 1`` (components agreeing, either way) and for
  ``ssi`` ``a = 2 n(ssi) - 1`` (stable structure). Metrics missing at that strike are left out and
  the weights renormalised. A metric with one value at every strike (SAI is -1/3 wherever DAG,
  TDPI and VRI are non-zero under [ITS241]) carries no information and is left out too.
* **Historical performance** ``H = (rate_kind + interaction) / 2``: the level kind's **paired win
  rate** and the level's own price interaction factor (``interaction``; 0.5 untested). The kind's
  rate is the one the learning rule estimates (``eots.engine.evidence``): of the level/control
  pairs decided, the share in which the level stood while a control at the same distance on the
  other side of spot broke. 0.5 is "no better than a random level at that distance", and
  ``2 rate - 1`` is the level's hold rate minus its control's per decided pair (the excess hold
  over control), so ``2 H - 1`` below averages that excess with the interaction's
  ``(holds - breaches) / tests``. A raw held rate (held / tested, as ``levels.evaluate`` reports
  beside its distance-matched baseline) is not this quantity: a far level holds almost always,
  so it must not be fed in as a kind rate; ``levels.evaluate.track_record`` maps it to one
  against its baseline.
* **Persistence**: ``min(1, updates / persistence_updates)``, or for daily and weekly
  support/resistance the fraction of prior summaries it recurred in, whichever is larger.

**Calibration** (so that the 0..1 scale discriminates and 0.5 does not mean "nothing known"). Each
component becomes evidence *for* the level on 0..1, zero when it is neutral or against:
alignment ``max(0, A)``, history ``max(0, 2 H - 1)`` (a hit rate at chance, 0.5, is no evidence),
persistence as is. A component counts only when it carries information: alignment when some metric
has a value at the strike; history when the track record has outcomes for the level's kind or the
level has been tested by price; persistence when the level was seen before (``updates > 1`` or it
recurred in prior sessions). **Conviction** is the weighted mean of the informative components
(weights 0.4 / 0.3 / 0.3 renormalised over them), 0 when none is informative. The old form
(``0.4 (1 + A) / 2 + 0.3 H + 0.3 persistence``) put every level of a snapshot without history
between 0.35 and 0.58: the neutral halves of alignment and history filled the scale, every level
got two or three stars and none reached the 0.7 threshold. ``evidence_weight`` (in the evidence)
is the share of the weights that was informative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.ordered import increasing_floats
from eots.levels.model import Evidence, Level, LevelKind
from eots.levels.params import ConvictionParams

#: Outcomes that weight the metrics and the level kinds.
TRACK_RECORD_SCHEMA = pl.Schema(
    {"scope": pl.String(), "name": pl.String(), "n": pl.Int64(), "hits": pl.Float64()}
)

_SUPPORTING = {LevelKind.SUPPORT, LevelKind.PUT_WALL, LevelKind.SECONDARY_PUT_WALL}
_RESISTING = {LevelKind.RESISTANCE, LevelKind.CALL_WALL, LevelKind.SECONDARY_CALL_WALL}
_MAGNITUDE = {"sai", "ssi"}


def rates(track_record: pl.DataFrame | None, scope: str, prior: float) -> dict[str, float]:
    """Return the shrunk hit rate of every ``name`` of ``scope`` in the track record."""
    if track_record is None or track_record.height == 0:
        return {}
    # the four columns as lists (a select and row iteration cost ~0.5 ms on a 20-row record)
    columns = (track_record.get_column(c).to_list() for c in ("scope", "name", "n", "hits"))
    mine = [(name, n, hits) for kind, name, n, hits in zip(*columns, strict=True) if kind == scope]
    if len({name for name, _, _ in mine}) == len(mine):
        # one row per name (a learned record): its sums are its values, no group-by needed
        return {
            name: ((hits if hits is not None else 0) + prior / 2.0)
            / ((n if n is not None else 0) + prior)
            for name, n, hits in mine
        }
    rows = (
        track_record.filter(pl.col("scope") == scope)
        .group_by("name")
        .agg(pl.col("n").sum(), pl.col("hits").sum())
    )
    return {name: (hits + prior / 2.0) / (n + prior) for name, n, hits in rows.iter_rows()}


def metric_weights(
    available: Sequence[str], track_record: pl.DataFrame | None, params: ConvictionParams
) -> tuple[tuple[str, float], ...]:
    """Return ``(metric, weight)`` over the configured metrics in ``available`` (sum 1).

    Examples
    --------
    >>> metric_weights(["mspi", "sai", "other"], None, ConvictionParams())
    (('mspi', 0.5), ('sai', 0.5))
    """
    names = [m for m in params.metrics if m in available]
    if not names:
        return ()
    r = rates(track_record, "metric", params.prior_observations)
    raw = [r.get(m, 0.5) for m in names]
    total = sum(raw)
    return tuple((m, v / total) for m, v in zip(names, raw, strict=True))


def direction(level: Level, spot: float) -> float:
    """Return +1 for a level expected to support price, -1 for one expected to resist it."""
    if level.kind in _SUPPORTING:
        return 1.0
    if level.kind in _RESISTING:
        return -1.0
    return 1.0 if level.price <= spot else -1.0


class MetricGrid:
    """Normalised metric columns by strike, looked up at the strike nearest a price."""

    def __init__(self, strike_metrics: pl.DataFrame | None, metrics: Sequence[str]) -> None:
        """Normalise each metric column of ``strike_metrics`` (max-abs over its strikes)."""
        self.strikes = np.empty(0)
        self.values: dict[str, np.ndarray] = {}
        if strike_metrics is None or strike_metrics.height == 0:
            return
        self.strikes, columns = _metric_columns(strike_metrics, metrics)
        for m, x in zip(metrics, columns, strict=True):
            ok = np.isfinite(x)
            finite = x[ok]
            if finite.size > 1 and (finite == finite[0]).all():
                # One value at every strike (SAI's -1/3 under [ITS241]): no information.
                self.values[m] = np.full(x.shape, np.nan)
                continue
            # the largest |x| over the non-NaN values (np.nanmax without its wrapper)
            top = np.fmax.reduce(np.abs(x)) if finite.size else 0.0
            self.values[m] = x / top if top > 0 else np.where(ok, 0.0, np.nan)

    def rows(self, prices: Sequence[float]) -> NDArray[np.intp]:
        """Return the row of the strike nearest each price (ties: the lower strike), as ``at``."""
        p = np.asarray(prices, dtype=np.float64)
        n = self.strikes.size
        i = np.minimum(np.searchsorted(self.strikes, p), n - 1)
        lower = np.maximum(i - 1, 0)
        back = (i > 0) & (np.abs(self.strikes[lower] - p) <= np.abs(self.strikes[i] - p))
        out: NDArray[np.intp] = np.where(back, lower, i)
        return out

    def at(self, price: float) -> dict[str, float]:
        """Return every metric's normalised value at the strike nearest ``price``."""
        if self.strikes.size == 0:
            return {}
        i = int(np.searchsorted(self.strikes, price))
        i = min(max(i, 0), self.strikes.size - 1)
        if i > 0 and abs(self.strikes[i - 1] - price) <= abs(self.strikes[i] - price):
            i -= 1
        return {m: float(v[i]) for m, v in self.values.items()}


def _metric_columns(
    strike_metrics: pl.DataFrame, metrics: Sequence[str]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Return the ascending strikes and each metric column on them (null: NaN).

    Strikes strictly increasing (one expiry scope, the usual frame): the columns as they are,
    without a query. Else sorted, and with an ``expiry`` column summed over expiries per strike.
    """
    strikes = strike_metrics.get_column("strike")
    k = None if "expiry" in strike_metrics.columns else increasing_floats(strikes)
    if k is not None:
        return k, [_float_column(strike_metrics.get_column(m)) for m in metrics]
    keys = [c for c in ("expiry", "strike") if c in strike_metrics.columns]
    # The columns read, then sorted (not the whole strike frame).
    read = dict.fromkeys([*keys, *metrics])
    f = strike_metrics.select(list(read)).sort("strike")
    if "expiry" in f.columns:
        f = f.group_by("strike", maintain_order=True).agg(
            pl.col(m).cast(pl.Float64).fill_nan(None).sum() for m in metrics
        )
    columns = f.select(pl.col(m).cast(pl.Float64).fill_null(np.nan) for m in metrics)
    return f.get_column("strike").to_numpy(), [columns.get_column(m).to_numpy() for m in metrics]


def _float_column(s: pl.Series) -> NDArray[np.float64]:
    """Return a column as float64 with NaN for null (polars' cast, then ``fill_null(nan)``)."""
    x: NDArray[np.float64] = s.cast(pl.Float64).to_numpy()  # a null becomes NaN
    return x


def alignments(
    levels: Sequence[Level],
    spot: float,
    grid: MetricGrid,
    weights: Sequence[tuple[str, float]],
    saturation: float = 1.0,
) -> NDArray[np.float64]:
    """Return ``alignment`` of every level at once (the same floats, one pass per metric)."""
    n = len(levels)
    num = np.zeros(n)
    den = np.zeros(n)
    if grid.strikes.size == 0 or n == 0:
        return np.full(n, math.nan)
    rows = grid.rows([lv.price for lv in levels])
    d = np.array([direction(lv, spot) for lv in levels])
    for m, w in weights:
        col = grid.values.get(m)
        if col is None:
            continue
        v = col[rows]
        ok = np.isfinite(v)
        a = 2.0 * np.abs(v) - 1.0 if m in _MAGNITUDE else d * np.clip(v / saturation, -1.0, 1.0)
        num = np.where(ok, num + w * a, num)
        den = np.where(ok, den + w, den)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: NDArray[np.float64] = np.where(den > 0, num / den, math.nan)
    return out


def alignment(
    level: Level,
    spot: float,
    grid: MetricGrid,
    weights: Sequence[tuple[str, float]],
    saturation: float = 1.0,
) -> float:
    """Return the weighted alignment A in -1..1 (NaN without any metric value).

    A signed metric votes ``d * clip(n(x) / saturation, -1, 1)``: with ``saturation`` 0.25 a
    strike holding a quarter of the snapshot's largest |value| is a full vote.
    """
    values = grid.at(level.price)
    d = direction(level, spot)
    num = den = 0.0
    for m, w in weights:
        v = values.get(m, math.nan)
        if not math.isfinite(v):
            continue
        a = 2.0 * abs(v) - 1.0 if m in _MAGNITUDE else d * max(-1.0, min(1.0, v / saturation))
        num += w * a
        den += w
    return num / den if den > 0 else math.nan


def conviction(
    level: Level,
    align: float,
    kind_rates: Mapping[str, float],
    persistence_updates: int,
    params: ConvictionParams,
) -> tuple[float, Evidence]:
    """Return the calibrated conviction of ``level`` and its factors as evidence (module doc)."""
    align_factor = 0.0 if math.isnan(align) else max(0.0, align)
    interaction = level.value("interaction")
    own = 0.5 if interaction is None else interaction
    # kind_rates: paired win rates against the mirrored control (module docstring), 0.5 neutral
    history = 0.5 * (kind_rates.get(level.kind.value, 0.5) + own)
    history_factor = max(0.0, 2.0 * history - 1.0)
    recurred = level.value("persistence") or 0.0
    persistence = max(min(1.0, level.updates / persistence_updates), recurred)
    parts = (
        (params.alignment_weight, align_factor, not math.isnan(align)),
        (
            params.historical_performance_weight,
            history_factor,
            level.kind.value in kind_rates or interaction is not None,
        ),
        (params.persistence_weight, persistence, level.updates > 1 or recurred > 0),
    )
    weight = float(sum(w for w, _, informative in parts if informative))
    score = sum(w * f for w, f, informative in parts if informative) / weight if weight else 0.0
    factors = Evidence.of(
        alignment=align_factor,
        historical_performance=history_factor,
        persistence_factor=persistence,
        evidence_weight=weight,
    )
    return min(1.0, max(0.0, score)), factors


__all__ = [
    "TRACK_RECORD_SCHEMA",
    "MetricGrid",
    "alignment",
    "alignments",
    "conviction",
    "direction",
    "metric_weights",
    "rates",
]
