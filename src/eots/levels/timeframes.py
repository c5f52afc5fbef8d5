"""Support and resistance by timeframe: the current snapshot, prior sessions, prior weeks.

* **Intraday** (the current snapshot): strikes whose strike-level MSPI reaches the dynamic floor
  (``thresholds``): MSPI >= floor is support, MSPI <= -floor resistance (base_system.md 5.1, with
  the 5.2 threshold). At most ``max_per_side`` of each, the largest |MSPI| first, within
  ``band_pct`` of spot.
* **Daily** (``MarketContext.daily``: prior sessions' end-of-day snapshots) and **weekly**
  (``MarketContext.weekly``: prior weeks' last snapshots): a strike is a candidate in a summary
  when its |MSPI| reaches that timeframe's floor; it is a level when it is a candidate in at least
  ``min(min_count, n)`` of the ``n`` summaries. Its kind is the majority sign (ties: the sign of
  the mean MSPI). Evidence: ``mspi`` (mean over the candidate summaries), ``count``, ``n``,
  ``persistence = count / n``. The latest summary's walls, abs-gamma strike and zero gamma become
  the timeframe's ``call_wall``/``put_wall``/``abs_gamma``/``zero_gamma`` levels (SpotGamma
  publishes its levels from the prior close in the same way).

A prior snapshot is reduced once to a ``SessionSummary`` by the engine, from its foundation
(``eots.engine.summaries``, memoised beside the store): the levels never price a chain. The
summaries reach ``key_levels`` through ``LevelHistory.summaries`` and travel on
``KeyLevels.sessions`` so the next update reuses them by content hash.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from eots.core.diagnostics import Diagnostic
from eots.core.ordered import increasing_floats
from eots.core.time import session_of
from eots.levels.model import Evidence, Level, LevelKind, SessionSummary, Timeframe
from eots.levels.params import LevelParams
from eots.market import PriorSnapshot

NAN = math.nan


def strike_mspi(strike_metrics: pl.DataFrame, source: str = "base") -> pl.DataFrame:
    """Return ``strike, mspi`` (one row per strike, ascending) from a metrics strike frame.

    ``source``: ``base`` (the base system's MSPI), ``enhanced`` (``mspi_enhanced``, from the
    adaptive metrics) or ``both`` (their mean: each is in -1..1). A source whose column is absent
    falls back to the base MSPI. With the ``per_expiry`` scope (an ``expiry`` column) the row of
    largest |MSPI| of a strike is kept.
    """
    have = "mspi_enhanced" in strike_metrics.columns
    if source not in ("base", "enhanced", "both"):
        raise KeyError(source)
    strikes = strike_metrics.get_column("strike")
    if increasing_floats(strikes) is not None:
        # One row per strike, ascending already (the usual frame): the rows with a value, as
        # they are (NumPy, without a query: NaN and null alike are no value).
        base_v = strike_metrics.get_column("mspi").cast(pl.Float64).to_numpy()
        enh_v = (
            strike_metrics.get_column("mspi_enhanced").cast(pl.Float64).to_numpy()
            if have
            else base_v
        )
        v = {"base": base_v, "enhanced": enh_v}.get(source)
        v = (base_v + enh_v) / 2.0 if v is None else v
        keep = ~np.isnan(v)
        if keep.all():
            return pl.DataFrame([strikes, pl.Series("mspi", v)])
        rows = np.flatnonzero(keep)
        return pl.DataFrame([strikes.gather(rows), pl.Series("mspi", v[rows])])
    base = pl.col("mspi").cast(pl.Float64).fill_nan(None)
    enhanced = pl.col("mspi_enhanced").cast(pl.Float64).fill_nan(None) if have else base
    value = {"base": base, "enhanced": enhanced, "both": (base + enhanced) / 2.0}[source]
    f = strike_metrics.select("strike", value.alias("mspi"))
    f = f.drop_nulls("mspi")
    return (
        f.sort([pl.col("strike"), pl.col("mspi").abs()], descending=[False, True])
        .unique("strike", keep="first", maintain_order=True)
        .sort("strike")
    )


def intraday_levels(
    mspi: pl.DataFrame, spot: float, threshold: float, as_of: dt.datetime, params: LevelParams
) -> list[Level]:
    """Return the current snapshot's support and resistance levels (module docstring)."""
    p = params.multi_timeframe
    strike = mspi.get_column("strike").cast(pl.Float64).to_numpy()  # a null: NaN, never kept
    value = mspi.get_column("mspi").cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore"):
        near = np.abs(strike / spot - 1.0) <= p.band_pct
        support, resistance = value >= threshold, value <= -threshold
    sides = ((LevelKind.SUPPORT, support), (LevelKind.RESISTANCE, resistance))
    out: list[Level] = []
    for kind, keep in sides:
        rows = np.flatnonzero(near & keep)
        # the largest |MSPI| first (ties: the lower strike), at most max_per_side
        top = rows[np.argsort(-np.abs(value[rows]), kind="stable")][: p.max_per_side]
        for price, v in zip(strike[top].tolist(), value[top].tolist(), strict=True):
            out.append(
                Level(
                    price=price,
                    kind=kind,
                    timeframe=Timeframe.INTRADAY,
                    strength=0.0,
                    evidence=Evidence.of(mspi=v, threshold=threshold),
                    first_seen=as_of,
                    last_seen=as_of,
                )
            )
    return out


def summaries(
    priors: Sequence[PriorSnapshot], known: Sequence[SessionSummary], what: str
) -> tuple[tuple[SessionSummary, ...], tuple[Diagnostic, ...]]:
    """Return the summary of each prior snapshot found in ``known`` (by content hash), in order.

    A prior without a summary is left out (the levels never price a chain) and named in the
    returned notes (``what``: ``daily`` or ``weekly``). Of several summaries with one hash the
    first is used (the previous update's, so consecutive updates share them).
    """
    by_hash: dict[str, SessionSummary] = {}
    for s in known:
        by_hash.setdefault(s.content_hash, s)
    found = tuple(by_hash[p.content_hash] for p in priors if p.content_hash in by_hash)
    notes = tuple(
        Diagnostic(
            "levels",
            "levels.summary.missing",
            f"{what}: no summary of the {p.session} snapshot ({p.content_hash}): not used",
        )
        for p in priors
        if p.content_hash not in by_hash
    )
    return found, notes


def recurring_levels(
    sessions: Sequence[SessionSummary],
    timeframe: Timeframe,
    threshold: float,
    min_count: int,
    as_of: dt.datetime,
) -> list[Level]:
    """Return the strikes that are MSPI candidates in enough summaries (module docstring)."""
    n = len(sessions)
    if n == 0:
        return []
    stacked = _stacked_mspi(sessions).filter(
        pl.col("mspi").is_not_nan() & (pl.col("mspi").abs() >= threshold)
    )
    need = min(min_count, n)
    grouped = (
        stacked.group_by("strike")
        .agg(
            count=pl.len(),
            positive=(pl.col("mspi") > 0).sum(),
            mean=pl.col("mspi").mean(),
            first=pl.col("seen").min(),
        )
        .filter(pl.col("count") >= need)
        .sort("strike")
    )
    out = []
    for strike, count, positive, mean, first in grouped.iter_rows():
        negative = count - positive
        support = positive > negative or (positive == negative and mean > 0)
        out.append(
            Level(
                price=strike,
                kind=LevelKind.SUPPORT if support else LevelKind.RESISTANCE,
                timeframe=timeframe,
                strength=0.0,
                evidence=Evidence.of(
                    mspi=mean, count=count, n=n, persistence=count / n, threshold=threshold
                ),
                first_seen=min(first, as_of),
                last_seen=as_of,
            )
        )
    return out


def _stacked_mspi(sessions: Sequence[SessionSummary]) -> pl.DataFrame:
    """Return every summary's ``strike, mspi`` rows in order, with its ``ts_event`` as ``seen``.

    One query over the summaries, and ``seen`` from one Series of their times (a literal per
    summary costs a time-zone conversion each); a summary set whose times do not share one
    dtype takes a literal per summary, as the rows would then be cast to a common one.
    """
    times = [s.ts_event for s in sessions]
    seen = pl.Series("seen", times)
    if any(
        pl.select(pl.lit(t)).to_series().dtype != seen.dtype
        for t in {t.tzinfo: t for t in times}.values()
    ):
        return pl.concat(
            [
                s.strikes.select("strike", "mspi").with_columns(seen=pl.lit(s.ts_event))
                for s in sessions
            ],
            how="vertical_relaxed",
        )
    frames = [s.strikes for s in sessions]
    if all(f.schema == frames[0].schema for f in frames):
        rows = pl.concat(frames).select("strike", "mspi")  # one schema: append, then pick
    else:
        rows = pl.concat([f.select("strike", "mspi") for f in frames], how="vertical_relaxed")
    which = np.repeat(np.arange(len(sessions)), [s.strikes.height for s in sessions])
    return rows.with_columns(seen.gather(which))


def prior_structure_levels(
    latest: SessionSummary, timeframe: Timeframe, as_of: dt.datetime
) -> list[Level]:
    """Return the latest summary's walls, abs-gamma strike and zero gamma as ``timeframe`` levels.

    Their strength is 1 for walls and abs gamma (the rank-1 strike of that snapshot) and 0.5 for
    zero gamma (a regime marker); ``session_age`` days say how old the snapshot is.
    """
    age = float((session_of(as_of) - latest.session).days)
    out = []
    for kind, price, strength in (
        (LevelKind.CALL_WALL, latest.call_wall, 1.0),
        (LevelKind.PUT_WALL, latest.put_wall, 1.0),
        (LevelKind.ABS_GAMMA, latest.abs_gamma, 1.0),
        (LevelKind.ZERO_GAMMA, latest.zero_gamma, 0.5),
    ):
        if math.isnan(price):
            continue
        out.append(
            Level(
                price=price,
                kind=kind,
                timeframe=timeframe,
                strength=strength,
                evidence=Evidence.of(session_age_days=age, spot_then=latest.spot),
                first_seen=min(latest.ts_event, as_of),
                last_seen=as_of,
            )
        )
    return out


__all__ = [
    "intraday_levels",
    "prior_structure_levels",
    "recurring_levels",
    "strike_mspi",
    "summaries",
]
