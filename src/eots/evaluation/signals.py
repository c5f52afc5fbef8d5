"""Were the signals right? Hit rate and mean forward move per family, claim, horizon and stars.

Every signal row states a claim (``claim_kind``, ``horizon``, ``claim_direction`` ...). It is
scored on the bars after its snapshot (``paths``: nothing before the decision, horizons capped at
the scoring session's close, unscorable when the bars do not reach):

* **direction**: forward return ``ret = P_end / spot - 1`` (``spot`` of the snapshot); hit when
  ``sign(ret) == claim_direction`` (a zero move is a miss); move = ``ret * claim_direction`` in bps
  (positive: the claimed way);
* **volatility**: realised vol ``rv`` over the window (``paths.window_realised_vol``); hit when
  ``(rv - reference) * claim_direction > 0``; move = ``(rv - reference) * claim_direction`` in vol
  points; a null or non-positive ``reference`` is unscorable;
* **pin**: the price at ``settles_at`` (else the horizon's end); hit when
  ``|P - claim_strike| <= distance``; move = ``|P - claim_strike|`` in $ (smaller is closer).

**Baseline** (the same claim made at random over the same snapshots): from the forward returns
and realised vols of *every* snapshot of the run over the same horizon, the share that would have
satisfied each signal's claim (direction: ``sign(ret) == d``; volatility: ``(rv - ref) * d > 0``;
pin: the snapshot's return moved spot into ``[K - dist, K + dist]``), averaged over the cell's
signals. p-value: exact two-sided binomial test of the cell's hits against that rate (the
baseline is treated as known; it pools all snapshots); q: Benjamini-Hochberg across every cell
with a p-value. Consecutive snapshots repeat a signal over overlapping windows, so the effective
n is lower than printed; ``docs/evaluation.md`` says so.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from eots.core.errors import SchemaError
from eots.evaluation.intervals import (
    benjamini_hochberg,
    binomial_p,
    mean_interval,
    proportion_columns,
)
from eots.evaluation.params import EvaluationParams
from eots.evaluation.paths import (
    HORIZON_END_COLUMNS,
    horizon_ends,
    price_at,
    window_realised_vol,
)

MOVE_UNITS = {"direction": "bps", "volatility": "vol_pts", "pin": "usd_from_strike"}

#: Output of ``signal_hit_rates``: one row per (family, claim_kind, horizon, stars) cell.
SIGNAL_EVALUATION_SCHEMA = pl.Schema(
    {
        "family": pl.String(),
        "claim_kind": pl.String(),
        "horizon": pl.String(),
        "stars": pl.Int8(),
        "n_signals": pl.Int64(),
        "n_unscored": pl.Int64(),
        "hit_n": pl.Int64(),  # scored signals
        "hits": pl.Int64(),
        "hit_rate": pl.Float64(),
        "hit_low": pl.Float64(),
        "hit_high": pl.Float64(),
        "move_unit": pl.String(),
        "mean_move": pl.Float64(),
        "move_low": pl.Float64(),
        "move_high": pl.Float64(),
        "baseline_rate": pl.Float64(),
        "p_value": pl.Float64(),
        "q_value": pl.Float64(),
        "small_sample": pl.Boolean(),
    }
)


def forward_table(
    snapshots: pl.DataFrame, bars: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return each snapshot's forward return and realised vol per horizon.

    Return per snapshot and horizon: ``ret_<h>`` (decimal return) and ``rv_<h>`` (annualised
    realised vol) over the scoring window (``paths``), with ``snapshot_id``, ``ts_event``, ``spot``.
    """
    grace = params.bar_grace_seconds
    per_year = params.trading_days_per_year * params.session_minutes
    s = horizon_ends(snapshots.select("snapshot_id", "ts_event", "spot"), bars, grace)
    s = s.sort("ts_event")
    cols = []
    for h, end in HORIZON_END_COLUMNS.items():
        px = price_at(s, bars, end, grace)
        cols.append((px / s.get_column("spot") - 1.0).alias(f"ret_{h}"))
        cols.append(window_realised_vol(s, bars, end, grace, per_year).alias(f"rv_{h}"))
    return s.with_columns(cols)


def _joined(signals: pl.DataFrame, fwd: pl.DataFrame) -> pl.DataFrame:
    j = signals.join(
        fwd.rename({"ts_event": "_snap_ts"}), on="snapshot_id", how="left"
    ).with_row_index("_i")
    orphan = j.filter(pl.col("_snap_ts").is_null() | (pl.col("_snap_ts") != pl.col("ts_event")))
    if orphan.height:
        r = orphan.row(0, named=True)
        raise SchemaError(
            f"signal {r['name']!r} of snapshot {r['snapshot_id']!r} at {r['ts_event']} has no "
            "snapshot with that id and time",
            source="signals.parquet",
            field="snapshot_id",
        )
    early = j.filter(pl.col("settles_at") < pl.col("ts_event"))
    if early.height:
        r = early.row(0, named=True)
        raise SchemaError(
            f"signal {r['name']!r} at {r['ts_event']} settles at {r['settles_at']}, before it "
            "was made",
            source="signals.parquet",
            field="settles_at",
        )
    bad = j.filter(
        ~pl.col("horizon").is_in(list(HORIZON_END_COLUMNS))
        | ~pl.col("claim_kind").is_in(list(MOVE_UNITS))
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise SchemaError(
            f"signal {r['name']!r}: unknown claim {r['claim_kind']!r} / horizon {r['horizon']!r}",
            source="signals.parquet",
            field="claim_kind",
        )
    return j


def _pick(prefix: str) -> pl.Expr:
    expr: pl.Expr = pl.lit(None, dtype=pl.Float64)
    for h in HORIZON_END_COLUMNS:
        expr = pl.when(pl.col("horizon") == h).then(pl.col(f"{prefix}_{h}")).otherwise(expr)
    return expr


def scored_signals(
    signals: pl.DataFrame,
    snapshots: pl.DataFrame,
    bars: pl.DataFrame,
    params: EvaluationParams,
) -> pl.DataFrame:
    """Return the signals with ``hit``, ``move`` and ``baseline_p``.

    ``hit`` is null when unscorable; ``baseline_p`` is the share of all snapshots that would
    have satisfied the same claim (see the module docstring).
    ``bars`` comes from ``paths.bar_table``.
    """
    fwd = forward_table(snapshots, bars, params)
    j = _joined(signals, fwd)
    pins = j.filter(pl.col("claim_kind") == "pin").with_columns(
        _settle=pl.coalesce(pl.col("settles_at"), _pick_end())
    )
    pin_px = price_at(pins.select("ts_event", "_settle"), bars, "_settle", params.bar_grace_seconds)
    pins = pins.select("_i", _pin_px=pin_px)
    j = j.join(pins, on="_i", how="left").with_columns(_ret=_pick("ret"), _rv=_pick("rv"))
    kind, d = pl.col("claim_kind"), pl.col("claim_direction").cast(pl.Float64)
    ref = pl.col("reference")
    dist_from_k = (pl.col("_pin_px") - pl.col("claim_strike")).abs()
    ok_dir = (kind == "direction") & pl.col("_ret").is_not_null() & (d.abs() == 1)
    ok_vol = (kind == "volatility") & pl.col("_rv").is_not_null() & (ref > 0) & (d.abs() == 1)
    ok_pin = (
        (kind == "pin")
        & pl.col("_pin_px").is_not_null()
        & pl.col("claim_strike").is_not_null()
        & (pl.col("distance") >= 0)
    )
    hit = (
        pl.when(ok_dir)
        .then(pl.col("_ret").sign() == d)
        .when(ok_vol)
        .then((pl.col("_rv") - ref) * d > 0)
        .when(ok_pin)
        .then(dist_from_k <= pl.col("distance"))
        .otherwise(None)
    )
    move = (
        pl.when(ok_dir)
        .then(pl.col("_ret") * d * 1e4)
        .when(ok_vol)
        .then((pl.col("_rv") - ref) * d * 100.0)
        .when(ok_pin)
        .then(dist_from_k)
        .otherwise(None)
    )
    j = j.with_columns(hit=hit, move=move)
    j = j.with_columns(baseline_p=_baseline(j, fwd))
    return j.sort("_i").drop("_i")


def _pick_end() -> pl.Expr:
    expr: pl.Expr = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    for h, col in HORIZON_END_COLUMNS.items():
        expr = pl.when(pl.col("horizon") == h).then(pl.col(col)).otherwise(expr)
    return expr


def _share_between(sorted_x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    n = sorted_x.size
    if n == 0:
        return np.full(lo.shape, np.nan)
    a = np.searchsorted(sorted_x, lo, side="left")
    b = np.searchsorted(sorted_x, hi, side="right")
    return np.asarray((b - a) / n, dtype=np.float64)


def _baseline(j: pl.DataFrame, fwd: pl.DataFrame) -> pl.Series:
    out = np.full(j.height, np.nan)
    kind = j.get_column("claim_kind").to_numpy()
    horizon = j.get_column("horizon").to_numpy()
    d = j.get_column("claim_direction").cast(pl.Float64).to_numpy()
    ref = j.get_column("reference").fill_null(np.nan).to_numpy()
    spot = j.get_column("spot").to_numpy()
    k = j.get_column("claim_strike").fill_null(np.nan).to_numpy()
    dist = j.get_column("distance").fill_null(np.nan).to_numpy()
    inf = np.inf
    for h in HORIZON_END_COLUMNS:
        rets = np.sort(fwd.get_column(f"ret_{h}").drop_nulls().to_numpy())
        rvs = np.sort(fwd.get_column(f"rv_{h}").drop_nulls().to_numpy())
        tiny = np.nextafter(0.0, 1.0)
        m = (horizon == h) & (kind == "direction")
        up = _share_between(rets, np.full(m.sum(), tiny), np.full(m.sum(), inf))
        down = _share_between(rets, np.full(m.sum(), -inf), np.full(m.sum(), -tiny))
        out[m] = np.where(d[m] > 0, up, np.where(d[m] < 0, down, np.nan))
        m = (horizon == h) & (kind == "volatility")
        r = ref[m]
        above = _share_between(rvs, np.nextafter(r, inf), np.full(r.shape, inf))
        below = _share_between(rvs, np.full(r.shape, -inf), np.nextafter(r, -inf))
        out[m] = np.where(d[m] > 0, above, np.where(d[m] < 0, below, np.nan))
        m = (horizon == h) & (kind == "pin")
        with np.errstate(invalid="ignore"):
            lo = (k[m] - dist[m]) / spot[m] - 1.0
            hi = (k[m] + dist[m]) / spot[m] - 1.0
        share = _share_between(rets, np.nan_to_num(lo, nan=inf), np.nan_to_num(hi, nan=-inf))
        out[m] = np.where(np.isfinite(lo) & np.isfinite(hi), share, np.nan)
    return pl.Series(out, dtype=pl.Float64).fill_nan(None)


CELL_KEYS = ("family", "claim_kind", "horizon", "stars")


def signal_hit_rates(
    signals: pl.DataFrame,
    snapshots: pl.DataFrame,
    bars: pl.DataFrame,
    params: EvaluationParams,
) -> pl.DataFrame:
    """Return ``SIGNAL_EVALUATION_SCHEMA``: one row per family, claim kind, horizon and stars.

    Parameters
    ----------
    signals, snapshots
        The run's ``signals.parquet`` and ``snapshots.parquet``.
    bars
        ``paths.bar_table`` of the run's bars.
    params
        Grace, annualisation, small-sample threshold.
    """
    s = scored_signals(signals, snapshots, bars, params)
    if s.height == 0:
        return pl.DataFrame(schema=SIGNAL_EVALUATION_SCHEMA)
    parts = s.partition_by(list(CELL_KEYS), as_dict=True, maintain_order=False)
    rows = []
    for key, part in sorted(parts.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        scored = part.filter(pl.col("hit").is_not_null())
        m = mean_interval(scored.get_column("move").to_numpy())
        base = scored.get_column("baseline_p").drop_nulls()
        rows.append(
            {
                **dict(zip(CELL_KEYS, key, strict=True)),
                "n_signals": part.height,
                "n_unscored": part.height - scored.height,
                "hits": int(scored.get_column("hit").sum()),
                "hit_n_": scored.height,
                "move_unit": MOVE_UNITS[str(key[1])],
                "mean_move": m.mean,
                "move_low": m.low,
                "move_high": m.high,
                "baseline_rate": float(base.mean()) if base.len() else math.nan,  # type: ignore[arg-type]
            }
        )
    t = pl.DataFrame(rows)
    ks, ns = t.get_column("hits").to_list(), t.get_column("hit_n_").to_list()
    prop = proportion_columns("hit", ks, ns)
    pv = [
        binomial_p(k, n, p0)
        for k, n, p0 in zip(ks, ns, t.get_column("baseline_rate").to_list(), strict=True)
    ]
    t = t.with_columns(
        hit_n=pl.Series(prop["hit_n"], dtype=pl.Int64),
        hit_rate=pl.Series(prop["hit_rate"], dtype=pl.Float64),
        hit_low=pl.Series(prop["hit_low"], dtype=pl.Float64),
        hit_high=pl.Series(prop["hit_high"], dtype=pl.Float64),
        p_value=pl.Series(pv, dtype=pl.Float64),
        q_value=pl.Series(benjamini_hochberg(pv), dtype=pl.Float64),
        small_sample=pl.col("hit_n_") < params.small_sample_n,
    )
    return t.select(list(SIGNAL_EVALUATION_SCHEMA)).cast(SIGNAL_EVALUATION_SCHEMA)


__all__ = [
    "CELL_KEYS",
    "MOVE_UNITS",
    "SIGNAL_EVALUATION_SCHEMA",
    "forward_table",
    "scored_signals",
    "signal_hit_rates",
]
