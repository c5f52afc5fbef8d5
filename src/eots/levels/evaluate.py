"""Evaluate levels the way the field does (field.md 5.3, SpotGamma's key-level statistics).

Input: the levels that applied to each session (``SESSION_LEVELS_SCHEMA``: computed before that
session, e.g. from the prior close) and the underlying's daily bars (``session, open, high, low,
close``), optionally an intraday path (``session, spot``) whose extremes widen each bar's range.
Each level is tested against its own session's bar:

* **resistance test** (``call_wall``, ``secondary_call_wall``, ``resistance``; other point kinds
  when the level is at or above the session's open): *held* when ``high <= L``; *closed inside*
  when ``close <= L``;
* **support test** (``put_wall``, ``secondary_put_wall``, ``support``; other point kinds below the
  open): *held* when ``low >= L``; *closed inside* when ``close >= L``;
* a session that did not hold *breached*; after a breach the forward returns from that session's
  close to the close 1 and 5 sessions later (bps; only where those bars exist);
* **regime test** (``zero_gamma``, ``vol_trigger``): sessions opening above vs below L and their
  realised volatility over the next 5 sessions (the annualised stdev of the daily log returns of
  sessions d..d+4, %), and sessions closing above vs below L with the stdev of the next day's
  return (%). SpotGamma reports 13 % vs 18 % (5-day RV, open above vs below its Vol Trigger).

Every rate comes with its n (``n_sessions``), a 95 % Wilson score interval (``*_ci_low``,
``*_ci_high``; ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``) and a
**distance-matched baseline**: a wall 350 points below spot "holds" almost every day, so the rate
alone says nothing. For each level-session the distance from the decision-time price (the prior
session's close, ``r``) is ``d = L / r - 1``; the baseline asks how often a level at the same
relative distance, tested the same way (resistance or support), would have held (closed inside)
on the *other* sessions of the bar table, ``L_t = r_t (1 + d)``. ``baseline_held_rate`` and
``baseline_closed_inside_rate`` average that over the group's level-sessions (those with a prior
close; ``n_baseline`` counts the level-session x session pairs). A level is informative only
where its rate clears the baseline by more than the interval's width. The baseline uses every
session of the bar table (a descriptive yardstick of the span evaluated, not a decision input).

Output: one row per (kind, timeframe) (``EVALUATION_SCHEMA``), NaN where a statistic does not
apply or has no observations.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from eots.core.stats import wilson_interval

#: One level applying to one session.
SESSION_LEVELS_SCHEMA = pl.Schema(
    {"session": pl.Date(), "kind": pl.String(), "timeframe": pl.String(), "price": pl.Float64()}
)

#: Output of ``evaluate_levels``.
EVALUATION_SCHEMA = pl.Schema(
    {
        "kind": pl.String(),
        "timeframe": pl.String(),
        "test": pl.String(),  # resistance | support | mixed | regime
        "n_sessions": pl.Int64(),  # level-sessions with a bar
        "n_held": pl.Int64(),
        "held_rate": pl.Float64(),
        "held_ci_low": pl.Float64(),  # 95 % Wilson interval of held_rate
        "held_ci_high": pl.Float64(),
        "baseline_held_rate": pl.Float64(),  # distance-matched (module docstring)
        "n_closed_inside": pl.Int64(),
        "closed_inside_rate": pl.Float64(),
        "closed_inside_ci_low": pl.Float64(),
        "closed_inside_ci_high": pl.Float64(),
        "baseline_closed_inside_rate": pl.Float64(),
        "n_baseline": pl.Int64(),  # level-session x other-session pairs behind the baselines
        "n_breached": pl.Int64(),
        "fwd_1d_bps_after_breach": pl.Float64(),  # mean
        "fwd_5d_bps_after_breach": pl.Float64(),  # mean
        "n_open_above": pl.Int64(),
        "n_open_below": pl.Int64(),
        "rv_5d_open_above_pct": pl.Float64(),  # mean annualised 5-session RV, %
        "rv_5d_open_below_pct": pl.Float64(),
        "sd_1d_close_above_pct": pl.Float64(),  # stdev of next-day return, %
        "sd_1d_close_below_pct": pl.Float64(),
    }
)

RESISTANCE_KINDS = frozenset({"call_wall", "secondary_call_wall", "resistance"})
SUPPORT_KINDS = frozenset({"put_wall", "secondary_put_wall", "support"})
REGIME_KINDS = frozenset({"zero_gamma", "vol_trigger"})


def _session_table(bars: pl.DataFrame, path: pl.DataFrame | None) -> pl.DataFrame:
    b = bars.select("session", "open", "high", "low", "close").sort("session")
    if path is not None and path.height:
        ext = path.group_by("session").agg(p_hi=pl.col("spot").max(), p_lo=pl.col("spot").min())
        b = b.join(ext, on="session", how="left").with_columns(
            high=pl.max_horizontal("high", "p_hi"), low=pl.min_horizontal("low", "p_lo")
        )
        b = b.drop("p_hi", "p_lo")
    ret = (pl.col("close") / pl.col("close").shift(1)).log()
    fwd = [(pl.col("close").shift(-h) / pl.col("close") - 1.0) * 1e4 for h in (1, 5)]
    rv = pl.concat_list([ret.shift(-k) for k in range(5)])
    return b.with_columns(
        prev_close=pl.col("close").shift(1),
        fwd_1d_bps=fwd[0],
        fwd_5d_bps=fwd[1],
        next_1d_pct=(pl.col("close").shift(-1) / pl.col("close") - 1.0) * 100.0,
        rv_5d_pct=rv.list.eval(pl.element().std()).list.first()
        * math.sqrt(252.0)
        * 100.0
        * pl.when(rv.list.drop_nulls().list.len() == 5).then(1.0).otherwise(None),
    )


def evaluate_levels(
    levels: pl.DataFrame, bars: pl.DataFrame, path: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Return the field's statistics per level kind and timeframe (module docstring).

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 3, 4), dt.date(2024, 3, 5)]
    >>> bars = pl.DataFrame({"session": d, "open": [100.0, 101.0], "high": [102.0, 106.0],
    ...                      "low": [99.0, 100.0], "close": [101.0, 105.0]})
    >>> lv = pl.DataFrame({"session": d, "kind": ["call_wall"] * 2,
    ...                    "timeframe": ["daily"] * 2, "price": [103.0, 104.0]})
    >>> evaluate_levels(lv, bars).select("n_sessions", "n_held", "n_closed_inside").row(0)
    (2, 1, 1)
    """
    table = _session_table(bars, path)
    j = levels.select(list(SESSION_LEVELS_SCHEMA)).join(table, on="session", how="inner")
    kind, price = pl.col("kind"), pl.col("price")
    resist = kind.is_in(list(RESISTANCE_KINDS)) | (
        ~kind.is_in(list(SUPPORT_KINDS | REGIME_KINDS)) & (price >= pl.col("open"))
    )
    j = j.with_columns(
        regime=kind.is_in(list(REGIME_KINDS)),
        resist=resist,
        held=pl.when(resist).then(pl.col("high") <= price).otherwise(pl.col("low") >= price),
        inside=pl.when(resist).then(pl.col("close") <= price).otherwise(pl.col("close") >= price),
        open_above=pl.col("open") >= price,
        close_above=pl.col("close") >= price,
    )
    baseline = _baseline(j, table)
    point = ~pl.col("regime")
    breached = point & ~pl.col("held")
    out = (
        j.group_by("kind", "timeframe")
        .agg(
            test=pl.when(pl.col("regime").all())
            .then(pl.lit("regime"))
            .when(pl.col("resist").all())
            .then(pl.lit("resistance"))
            .when((~pl.col("resist")).all())
            .then(pl.lit("support"))
            .otherwise(pl.lit("mixed")),
            n_sessions=pl.len().cast(pl.Int64),
            n_held=(point & pl.col("held")).sum().cast(pl.Int64),
            n_closed_inside=(point & pl.col("inside")).sum().cast(pl.Int64),
            n_breached=breached.sum().cast(pl.Int64),
            fwd_1d_bps_after_breach=pl.col("fwd_1d_bps").filter(breached).mean(),
            fwd_5d_bps_after_breach=pl.col("fwd_5d_bps").filter(breached).mean(),
            n_open_above=(pl.col("regime") & pl.col("open_above")).sum().cast(pl.Int64),
            n_open_below=(pl.col("regime") & ~pl.col("open_above")).sum().cast(pl.Int64),
            rv_5d_open_above_pct=pl.col("rv_5d_pct").filter(pl.col("open_above")).mean(),
            rv_5d_open_below_pct=pl.col("rv_5d_pct").filter(~pl.col("open_above")).mean(),
            sd_1d_close_above_pct=pl.col("next_1d_pct").filter(pl.col("close_above")).std(),
            sd_1d_close_below_pct=pl.col("next_1d_pct").filter(~pl.col("close_above")).std(),
        )
        .with_columns(
            held_rate=pl.col("n_held") / pl.col("n_sessions"),
            closed_inside_rate=pl.col("n_closed_inside") / pl.col("n_sessions"),
        )
        .join(baseline, on=["kind", "timeframe"], how="left")
    )
    out = _with_intervals(out, "n_held", "held")
    out = _with_intervals(out, "n_closed_inside", "closed_inside")
    regime = pl.col("test") == "regime"
    nan = pl.lit(float("nan"))
    out = out.with_columns(
        *(
            pl.when(regime).then(nan).otherwise(pl.col(c)).alias(c)
            for c in (
                "held_rate",
                "closed_inside_rate",
                "held_ci_low",
                "held_ci_high",
                "closed_inside_ci_low",
                "closed_inside_ci_high",
                "baseline_held_rate",
                "baseline_closed_inside_rate",
            )
        ),
        pl.when(regime).then(0).otherwise(pl.col("n_baseline").fill_null(0)).alias("n_baseline"),
        *(
            pl.when(regime).then(pl.col(c)).otherwise(nan).alias(c)
            for c in (
                "rv_5d_open_above_pct",
                "rv_5d_open_below_pct",
                "sd_1d_close_above_pct",
                "sd_1d_close_below_pct",
            )
        ),
    )
    return (
        out.select(list(EVALUATION_SCHEMA))
        .cast(EVALUATION_SCHEMA)
        .with_columns(pl.col(pl.Float64).fill_null(float("nan")))
        .sort("kind", "timeframe")
    )


def _with_intervals(out: pl.DataFrame, hits: str, name: str) -> pl.DataFrame:
    # One interval per (kind, timeframe) row: a handful of rows, not a hot path.
    bounds = [
        wilson_interval(k, n)
        for k, n in zip(out.get_column(hits), out.get_column("n_sessions"), strict=True)
    ]
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    return out.with_columns(
        pl.Series(f"{name}_ci_low", low, pl.Float64),
        pl.Series(f"{name}_ci_high", high, pl.Float64),
    )


def _baseline(observed: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """Distance-matched baseline rates per (kind, timeframe) (module docstring)."""
    levels = observed.filter(~pl.col("regime") & pl.col("prev_close").is_not_null()).select(
        pl.int_range(pl.len()).alias("obs"),
        "kind",
        "timeframe",
        pl.col("session").alias("own_session"),
        "resist",
        (pl.col("price") / pl.col("prev_close") - 1.0).alias("distance"),
    )
    others = table.filter(pl.col("prev_close").is_not_null()).select(
        "session", "high", "low", "close", "prev_close"
    )
    pairs = levels.join(others, how="cross").filter(pl.col("session") != pl.col("own_session"))
    level = pl.col("prev_close") * (1.0 + pl.col("distance"))
    pairs = pairs.with_columns(
        held=pl.when("resist").then(pl.col("high") <= level).otherwise(pl.col("low") >= level),
        inside=pl.when("resist").then(pl.col("close") <= level).otherwise(pl.col("close") >= level),
    )
    # Per level-session first (each observation weighs the same), then per group.
    per_level = pairs.group_by("kind", "timeframe", "obs").agg(
        p_held=pl.col("held").mean(), p_inside=pl.col("inside").mean(), n=pl.len()
    )
    return per_level.group_by("kind", "timeframe").agg(
        baseline_held_rate=pl.col("p_held").mean(),
        baseline_closed_inside_rate=pl.col("p_inside").mean(),
        n_baseline=pl.col("n").sum().cast(pl.Int64),
    )


def track_record(evaluation: pl.DataFrame) -> pl.DataFrame:
    """Return ``TRACK_RECORD_SCHEMA`` rows (scope ``kind``) from an evaluation: n and paired hits.

    Conviction reads a kind's rate ``w`` as a paired win rate against a random level at the same
    distance (``2 w - 1`` is the excess hold, ``eots.levels.conviction``), so a raw held rate
    cannot be passed as is: a kind that held 70 % where distance-matched levels held 70 % has no
    excess. Each row's held rate ``h`` is mapped to ``w = 1/2 + (h - b) / 2`` against its
    baseline ``b`` (``2 w - 1 = h - b``) and given as ``hits = n w`` (fractional), summed per
    kind. Rows without a baseline, and regime rows (no held count), are left out.
    """
    excess = (pl.col("held_rate") - pl.col("baseline_held_rate")) / 2.0
    rows = (
        evaluation.filter(
            (pl.col("test") != "regime")
            & pl.col("held_rate").is_not_null()
            & pl.col("baseline_held_rate").is_not_null()
            & pl.col("baseline_held_rate").is_not_nan()
        )
        .group_by("kind")
        .agg(
            pl.col("n_sessions").sum().alias("n"),
            (pl.col("n_sessions").cast(pl.Float64) * (0.5 + excess)).sum().alias("hits"),
        )
    )
    return rows.select(
        scope=pl.lit("kind"), name=pl.col("kind"), n=pl.col("n").cast(pl.Int64), hits="hits"
    ).sort("name")


__all__ = [
    "EVALUATION_SCHEMA",
    "REGIME_KINDS",
    "RESISTANCE_KINDS",
    "SESSION_LEVELS_SCHEMA",
    "SUPPORT_KINDS",
    "evaluate_levels",
    "track_record",
    "wilson_interval",
]
