"""Whether the levels held.

Hold and breach rates per level kind against random levels, and
realised volatility above versus below zero gamma.

**Hold test** (every level row of a snapshot; ``docs/evaluation.md``). With ``spot`` and the ATR
``a`` of the level's snapshot (the ATR when known, else the implied daily move
``spot * atm_iv / sqrt(252)``; neither: unscored), a level ``L`` at or above spot is tested as
resistance, below spot as support, over the scoring window (``paths``: the rest of the session,
or the next session for an after-close snapshot):

* *tested* when price came within ``touch_atr * a``: ``max(high) >= L - touch_atr * a``
  (support: ``min(low) <= L + touch_atr * a``); otherwise *untested*;
* *breached* when a bar closed beyond it by more than ``breach_atr * a``:
  ``max(close) > L + breach_atr * a`` (support: ``min(close) < L - breach_atr * a``);
* *held* = tested and not breached. hold rate = held / tested, breach rate = 1 - hold rate.

With ``one_level_per_session`` each (scoring session, kind, timeframe, price) is scored once, at
its first snapshot: the same wall re-published every few minutes is one observation, not fifty.

**Baseline**: for every scored level, ``baseline_draws`` random levels at the same distance from
spot (times a factor uniform in ``1 +- baseline_jitter``) on a random side, scored by the same
test on the same window; seeded. The baseline's interval uses counts divided by the number of
draws (one random level's worth of evidence per real level). p-value: exact binomial test of the
held count against the baseline rate; q: Benjamini-Hochberg across the kinds.

**Volatility above/below zero gamma**: each bar is classed by its open against the zero gamma of
the latest snapshot at or before its start (same scoring session; snapshots without a crossing
leave their bars unclassed); realised vol = ``sqrt(mean(r^2 * bars_per_year))`` with
``r = ln(close / open)`` of the bar, annualised with ``trading_days_per_year * session_minutes /
interval_minutes``; its interval is the t interval of the mean annualised squared return, rooted.
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
from eots.evaluation.paths import scoring_sessions

#: Output of ``level_hold_rates``: one row per level kind.
LEVEL_EVALUATION_SCHEMA = pl.Schema(
    {
        "kind": pl.String(),
        "n_levels": pl.Int64(),  # level rows scored (after one-per-session)
        "n_unscored": pl.Int64(),  # no bar after the decision, or no ATR / IV
        "n_untested": pl.Int64(),
        "hold_n": pl.Int64(),  # tested levels
        "n_held": pl.Int64(),
        "hold_rate": pl.Float64(),
        "hold_low": pl.Float64(),
        "hold_high": pl.Float64(),
        "breach_rate": pl.Float64(),
        "breach_low": pl.Float64(),
        "breach_high": pl.Float64(),
        "mean_distance_atr": pl.Float64(),  # mean |L - spot| / ATR of the scored levels
        "baseline_n": pl.Int64(),  # tested random levels / draws (rounded)
        "baseline_rate": pl.Float64(),
        "baseline_low": pl.Float64(),
        "baseline_high": pl.Float64(),
        "p_value": pl.Float64(),
        "q_value": pl.Float64(),
        "small_sample": pl.Boolean(),
    }
)

#: Output of ``volatility_by_gamma_side``: rows ``above`` and ``below``.
GAMMA_VOL_SCHEMA = pl.Schema(
    {
        "side": pl.String(),  # above | below zero gamma
        "n_bars": pl.Int64(),
        "n_sessions": pl.Int64(),
        "rv_annual": pl.Float64(),  # decimal
        "rv_low": pl.Float64(),
        "rv_high": pl.Float64(),
        "small_sample": pl.Boolean(),
    }
)


def _with_scale(levels: pl.DataFrame, snapshots: pl.DataFrame, days: float) -> pl.DataFrame:
    snap = snapshots.select(
        "snapshot_id", _snap_ts="ts_event", spot="spot", atr="atr", atm_iv="atm_iv"
    )
    j = levels.join(snap, on="snapshot_id", how="left")
    orphan = j.filter(pl.col("_snap_ts").is_null() | (pl.col("_snap_ts") != pl.col("ts_event")))
    if orphan.height:
        r = orphan.row(0, named=True)
        raise SchemaError(
            f"level of snapshot {r['snapshot_id']!r} at {r['ts_event']} has no snapshot with "
            "that id and time",
            source="levels.parquet",
            field="snapshot_id",
        )
    implied = pl.col("spot") * pl.col("atm_iv") / math.sqrt(days)
    scale = (
        pl.when(pl.col("atr") > 0)
        .then(pl.col("atr"))
        .when(pl.col("atm_iv") > 0)
        .then(implied)
        .otherwise(None)
    )
    return j.drop("_snap_ts").with_columns(scale=scale)


def level_outcomes(
    cand: pl.DataFrame, bars: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return ``cand`` with each level's ``outcome``.

    Return ``cand`` (``_id, ts_event, price, spot, scale``) with ``outcome``: held |
    breached | untested | unscored (no scale or no bar in its window).
    """
    side = pl.when(pl.col("price") >= pl.col("spot")).then(1).otherwise(-1)
    c = cand.with_columns(
        _side=side, _start=pl.col("ts_event") - pl.duration(seconds=params.bar_grace_seconds)
    ).sort("_start")
    # the window is the rest of the session from the first bar at or after the decision: that
    # bar's session extremes (``paths.bar_table``) by one as-of lookup
    window = bars.select(
        _bar_ts="ts",
        _hi="rest_high",
        _lo="rest_low",
        _cmax="rest_close_max",
        _cmin="rest_close_min",
    )
    c = c.join_asof(window, left_on="_start", right_on="_bar_ts", strategy="forward")
    up = pl.col("_side") > 0
    touch = pl.col("scale") * params.touch_atr
    brk = pl.col("scale") * params.breach_atr
    tested = (
        pl.when(up)
        .then(pl.col("_hi") >= pl.col("price") - touch)
        .otherwise(pl.col("_lo") <= pl.col("price") + touch)
    )
    breached = (
        pl.when(up)
        .then(pl.col("_cmax") > pl.col("price") + brk)
        .otherwise(pl.col("_cmin") < pl.col("price") - brk)
    )
    outcome = (
        pl.when(pl.col("scale").is_null() | pl.col("_hi").is_null())
        .then(pl.lit("unscored"))
        .when(breached)
        .then(pl.lit("breached"))
        .when(tested)
        .then(pl.lit("held"))
        .otherwise(pl.lit("untested"))
    )
    drop = ("_side", "_start", "_bar_ts", "_hi", "_lo", "_cmax", "_cmin")
    return c.with_columns(outcome=outcome).drop(*drop).sort("_id")


def _random_levels(scored: pl.DataFrame, params: EvaluationParams) -> pl.DataFrame:
    rng = np.random.default_rng(params.seed)
    d = params.baseline_draws
    n = scored.height
    dist = np.abs(scored.get_column("price").to_numpy() - scored.get_column("spot").to_numpy())
    side = rng.choice(np.array([-1.0, 1.0]), size=(n, d))
    factor = rng.uniform(1.0 - params.baseline_jitter, 1.0 + params.baseline_jitter, (n, d))
    spot = scored.get_column("spot").to_numpy()
    price = spot[:, None] + side * dist[:, None] * factor
    rep = scored.select("kind", "ts_event", "day", "spot", "scale").select(
        pl.all().repeat_by(d).explode()
    )
    return rep.with_columns(
        price=pl.Series(price.reshape(-1)), _id=pl.int_range(pl.len(), dtype=pl.UInt32)
    )


def scored_levels(
    levels: pl.DataFrame, snapshots: pl.DataFrame, bars: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return one row per scored level with its ``outcome`` and ``distance_atr`` (module doc).

    ``bars`` comes from ``paths.bar_table``.
    """
    j = _with_scale(levels, snapshots, params.trading_days_per_year)
    j = scoring_sessions(j, bars, params.bar_grace_seconds)
    if params.one_level_per_session:
        j = j.sort("ts_event").unique(
            subset=["day", "kind", "timeframe", "price"], keep="first", maintain_order=True
        )
    j = j.with_row_index("_id")
    out = level_outcomes(j, bars, params)
    return out.with_columns(
        distance_atr=(pl.col("price") - pl.col("spot")).abs() / pl.col("scale")
    ).drop("_id")


def level_hold_rates(
    levels: pl.DataFrame, snapshots: pl.DataFrame, bars: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return ``LEVEL_EVALUATION_SCHEMA``: hold and breach rates per kind vs the random baseline.

    Parameters
    ----------
    levels, snapshots
        The run's ``levels.parquet`` and ``snapshots.parquet``.
    bars
        ``paths.bar_table`` of the run's bars.
    params
        Thresholds (ATR multiples), the baseline's draws and seed.
    """
    scored = scored_levels(levels, snapshots, bars, params)
    ok = scored.filter(pl.col("outcome") != "unscored")
    if ok.height:
        rand = level_outcomes(_random_levels(ok, params), bars, params)
    else:
        rand = pl.DataFrame(schema={"kind": pl.String(), "outcome": pl.String()})
    counts = _counts(scored)
    base = rand.group_by("kind").agg(
        _bh=(pl.col("outcome") == "held").sum(),
        _bt=pl.col("outcome").is_in(["held", "breached"]).sum(),
    )
    t = (
        counts.join(base, on="kind", how="left")
        .with_columns(pl.col("_bh", "_bt").fill_null(0))
        .sort("kind")
    )
    d = params.baseline_draws
    hold = proportion_columns("hold", t["n_held"].to_list(), t["hold_n"].to_list())
    n_breach = (t["hold_n"] - t["n_held"]).to_list()
    breach = proportion_columns("breach", n_breach, t["hold_n"].to_list())
    bk = [round(x / d) for x in t["_bh"].to_list()]
    bn = [round(x / d) for x in t["_bt"].to_list()]
    base_cols = proportion_columns("baseline", [min(k, n) for k, n in zip(bk, bn, strict=True)], bn)
    b_rate = [h / n if n else math.nan for h, n in zip(t["_bh"], t["_bt"], strict=True)]
    pv = [
        binomial_p(k, n, p0)
        for k, n, p0 in zip(t["n_held"].to_list(), t["hold_n"].to_list(), b_rate, strict=True)
    ]
    out = t.with_columns(
        hold_rate=pl.Series(hold["hold_rate"], dtype=pl.Float64),
        hold_low=pl.Series(hold["hold_low"], dtype=pl.Float64),
        hold_high=pl.Series(hold["hold_high"], dtype=pl.Float64),
        breach_rate=pl.Series(breach["breach_rate"], dtype=pl.Float64),
        breach_low=pl.Series(breach["breach_low"], dtype=pl.Float64),
        breach_high=pl.Series(breach["breach_high"], dtype=pl.Float64),
        baseline_n=pl.Series(bn, dtype=pl.Int64),
        baseline_rate=pl.Series(b_rate, dtype=pl.Float64),
        baseline_low=pl.Series(base_cols["baseline_low"], dtype=pl.Float64),
        baseline_high=pl.Series(base_cols["baseline_high"], dtype=pl.Float64),
        p_value=pl.Series(pv, dtype=pl.Float64),
        q_value=pl.Series(benjamini_hochberg(pv), dtype=pl.Float64),
        small_sample=pl.col("hold_n") < params.small_sample_n,
    )
    return out.select(list(LEVEL_EVALUATION_SCHEMA)).cast(LEVEL_EVALUATION_SCHEMA)


def _counts(scored: pl.DataFrame) -> pl.DataFrame:
    o = pl.col("outcome")
    return scored.group_by("kind").agg(
        n_levels=pl.len().cast(pl.Int64),
        n_unscored=(o == "unscored").sum().cast(pl.Int64),
        n_untested=(o == "untested").sum().cast(pl.Int64),
        hold_n=o.is_in(["held", "breached"]).sum().cast(pl.Int64),
        n_held=(o == "held").sum().cast(pl.Int64),
        mean_distance_atr=pl.col("distance_atr").filter(o != "unscored").mean(),
    )


def volatility_by_gamma_side(
    snapshots: pl.DataFrame, bars: pl.DataFrame, params: EvaluationParams
) -> pl.DataFrame:
    """Return ``GAMMA_VOL_SCHEMA``: realised vol of bars opening above vs below zero gamma.

    ``bars`` comes from ``paths.bar_table``; classification is as of each bar's start (module
    docstring), so no bar is classed with a level published after it began.
    """
    snap = scoring_sessions(
        snapshots.select("ts_event", "zero_gamma").sort("ts_event"), bars, 0
    ).select(_snap_ts="ts_event", _zg="zero_gamma", _snap_day="day")
    j = (
        bars.sort("ts")
        .join_asof(snap, left_on="ts", right_on="_snap_ts", strategy="backward")
        .filter((pl.col("_snap_day") == pl.col("day")) & pl.col("_zg").is_not_null())
    )
    per_year = params.trading_days_per_year * params.session_minutes
    j = j.with_columns(
        side=pl.when(pl.col("open") >= pl.col("_zg"))
        .then(pl.lit("above"))
        .otherwise(pl.lit("below")),
        var_annual=(pl.col("close") / pl.col("open")).log() ** 2
        * per_year
        / pl.col("interval_minutes"),
    )
    rows = []
    for side in ("above", "below"):
        part = j.filter(pl.col("side") == side)
        m = mean_interval(part.get_column("var_annual").to_numpy())
        rows.append(
            {
                "side": side,
                "n_bars": m.n,
                "n_sessions": part.get_column("day").n_unique(),
                "rv_annual": math.sqrt(m.mean) if m.n else math.nan,
                "rv_low": math.sqrt(max(m.low, 0.0)) if math.isfinite(m.low) else math.nan,
                "rv_high": math.sqrt(m.high) if math.isfinite(m.high) else math.nan,
                "small_sample": m.n < params.small_sample_n,
            }
        )
    return pl.DataFrame(rows, schema=GAMMA_VOL_SCHEMA)


__all__ = [
    "GAMMA_VOL_SCHEMA",
    "LEVEL_EVALUATION_SCHEMA",
    "level_hold_rates",
    "level_outcomes",
    "scored_levels",
    "volatility_by_gamma_side",
]
