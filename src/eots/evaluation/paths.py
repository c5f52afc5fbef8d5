"""The price path after a decision: which bars score it and what price stood at a horizon.

A decision at ``t`` (a snapshot's ``ts_event``) is scored only on bars that start at or after
``t - grace`` (``EvaluationParams.bar_grace_seconds``): nothing before the decision counts.
Sessions are the US/Eastern dates of the bars' starts. The *scoring session* of ``t`` is the
session of the first bar starting at or after ``t - grace``: the rest of the current session for an
intraday decision, the next session for one taken after the close (or before the open: that day).
The price at a horizon end ``e`` is the close of the last scoring bar that ended at or before
``e``; horizon ends are capped at the scoring session's last bar, so 5- and 30-minute horizons never
run into the next session, and a decision with no bar after it is unscorable (null), never scored
on stale prices.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from eots.core.errors import SchemaError

ET_ZONE = "America/New_York"

#: Horizon -> fixed length (the session-anchored horizons are computed from the bars).
FIXED_HORIZONS = {"5m": dt.timedelta(minutes=5), "30m": dt.timedelta(minutes=30)}

#: Horizon -> the column of ``horizon_ends`` holding its end instant.
HORIZON_END_COLUMNS = {
    "5m": "end_5m",
    "30m": "end_30m",
    "close": "end_close",
    "next_session": "end_next",
}


def bar_table(bars: pl.DataFrame) -> pl.DataFrame:
    """Return the bars sorted by start with ``end`` and ``day`` (ET date), after checking them.

    ``rest_high``, ``rest_low``, ``rest_close_max``, ``rest_close_min``: the extremes of this bar
    and the rest of its session (a decision's window is the rest of the session from its first
    bar, so one as-of lookup gives the window's extremes).

    Raises
    ------
    SchemaError
        On a duplicated start, a non-positive or non-finite price, or a high/low that does not
        bound the open and close (the first offending bar is named).
    """
    b = bars.sort("ts")
    dup = b.filter(pl.col("ts").is_duplicated())
    if dup.height:
        raise SchemaError(f"duplicate bar start {dup['ts'][0]}", source="bars.parquet", field="ts")
    px = ("open", "high", "low", "close")
    bad = b.filter(
        pl.any_horizontal([~pl.col(c).is_finite() | (pl.col(c) <= 0) for c in px])
        | pl.any_horizontal([c.is_null() for c in map(pl.col, px)])
        | (pl.col("high") < pl.max_horizontal("open", "close"))
        | (pl.col("low") > pl.min_horizontal("open", "close"))
        | (pl.col("interval_minutes") <= 0)
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise SchemaError(
            f"bar at {r['ts']} is not a valid bar (open {r['open']}, high {r['high']}, "
            f"low {r['low']}, close {r['close']}, interval {r['interval_minutes']} min)",
            source="bars.parquet",
        )
    end = pl.col("ts") + pl.duration(minutes=pl.col("interval_minutes"))
    b = b.with_columns(end=end, day=pl.col("ts").dt.convert_time_zone(ET_ZONE).dt.date())

    def rest(col: str, how: str) -> pl.Expr:
        r = pl.col(col).reverse()
        return (r.cum_max() if how == "max" else r.cum_min()).reverse().over("day")

    return b.with_columns(
        day_close_end=pl.col("end").max().over("day"),
        day_close=pl.col("close").last().over("day"),
        rest_high=rest("high", "max"),
        rest_low=rest("low", "min"),
        rest_close_max=rest("close", "max"),
        rest_close_min=rest("close", "min"),
    )


def scoring_sessions(times: pl.DataFrame, bars: pl.DataFrame, grace_seconds: int) -> pl.DataFrame:
    """Add ``day`` and ``day_close_end`` to a frame with ``ts_event``.

    Add ``day`` (the scoring session, null when no bar follows) and ``day_close_end`` to a
    frame with a ``ts_event`` column (``bars`` from ``bar_table``).
    """
    days = bars.select(
        ts_first=pl.col("ts"), day=pl.col("day"), day_close_end=pl.col("day_close_end")
    )
    keyed = times.with_columns(_start=pl.col("ts_event") - pl.duration(seconds=grace_seconds)).sort(
        "_start"
    )
    out = keyed.join_asof(days, left_on="_start", right_on="ts_first", strategy="forward")
    return out.drop("_start", "ts_first")


def next_session_end(times: pl.DataFrame, bars: pl.DataFrame) -> pl.DataFrame:
    """Add ``end_next`` to a frame with ``ts_event``.

    Add ``end_next`` (the last bar end of the first session after ``ts_event``'s ET date;
    null when the bars stop before it) to a frame with ``ts_event``.
    """
    ends = bars.group_by("day").agg(end_next=pl.col("end").max()).sort("day").rename({"day": "_nd"})
    keyed = times.with_columns(
        _after=pl.col("ts_event").dt.convert_time_zone(ET_ZONE).dt.date() + pl.duration(days=1)
    ).sort("_after")
    out = keyed.join_asof(ends, left_on="_after", right_on="_nd", strategy="forward")
    return out.drop("_after", "_nd")


def price_at(
    decisions: pl.DataFrame, bars: pl.DataFrame, end_col: str, grace_seconds: int
) -> pl.Series:
    """Return the close at ``end_col`` covering the decision, or null.

    The close is the last bar's ending at or before ``end_col`` and starting at or after
    the decision (``ts_event - grace``) and covering the instant (its end within one bar of
    it: a gap in the bars or bars that stop early give null, never a stale price).

    ``decisions`` needs ``ts_event`` and ``end_col``; the result is aligned with its rows.
    """
    d = decisions.select("ts_event", end_col).with_row_index("_i")
    b = bars.select(
        _bar_end=pl.col("end"),
        _bar_start=pl.col("ts"),
        _close=pl.col("close"),
        _len=pl.duration(minutes=pl.col("interval_minutes")),
    )
    j = d.sort(end_col).join_asof(
        b.sort("_bar_end"), left_on=end_col, right_on="_bar_end", strategy="backward"
    )
    ok = (pl.col("_bar_start") >= pl.col("ts_event") - pl.duration(seconds=grace_seconds)) & (
        pl.col("_bar_end") > pl.col(end_col) - pl.col("_len")
    )
    j = j.with_columns(_px=pl.when(ok).then(pl.col("_close"))).sort("_i")
    return j.get_column("_px")


def window_realised_vol(
    decisions: pl.DataFrame, bars: pl.DataFrame, end_col: str, grace_seconds: int, per_year: float
) -> pl.Series:
    """Return the annualised realised vol (decimal) of the bars from each decision to ``end_col``.

    The bars starting at or after ``ts_event - grace`` and ending at or before the end count;
    ``rv = sqrt(mean(ln(close/open)^2 * per_year / interval_minutes))`` with ``per_year`` the
    minutes of trading in a year. Null where no bar falls in the window.
    """
    b = bars.sort("ts")
    starts = b.get_column("ts").dt.epoch("us").to_numpy()
    ends = b.get_column("end").dt.epoch("us").to_numpy()
    r2 = (
        b.select(
            (pl.col("close") / pl.col("open")).log() ** 2 * per_year / pl.col("interval_minutes")
        )
        .to_series()
        .to_numpy()
    )
    cs = np.concatenate([[0.0], np.cumsum(r2)])
    t0 = decisions.get_column("ts_event").dt.epoch("us").to_numpy() - grace_seconds * 1_000_000
    e = decisions.get_column(end_col).dt.epoch("us")
    lo = np.searchsorted(starts, t0, side="left")
    hi = np.searchsorted(np.maximum.accumulate(ends), e.fill_null(-1).to_numpy(), side="right")
    count = hi - lo
    ok = (count > 0) & e.is_not_null().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (cs[np.where(ok, hi, 0)] - cs[np.where(ok, lo, 0)]) / np.where(ok, count, 1)
    rv = np.where(ok, np.sqrt(np.maximum(var, 0.0)), np.nan)
    return pl.Series(rv, dtype=pl.Float64).fill_nan(None)


def horizon_ends(decisions: pl.DataFrame, bars: pl.DataFrame, grace_seconds: int) -> pl.DataFrame:
    """Add the end instant of each horizon to a frame with ``ts_event``.

    Columns ``end_5m``, ``end_30m`` (capped at the scoring session's last bar end), ``end_close``
    (the scoring session's last bar end) and ``end_next`` (see ``next_session_end``), plus
    ``day``.
    """
    s = scoring_sessions(decisions, bars, grace_seconds)
    cap = pl.col("day_close_end")
    fixed = [
        pl.min_horizontal(pl.col("ts_event") + length, cap).alias(f"end_{name}")
        for name, length in FIXED_HORIZONS.items()
    ]
    s = s.with_columns(*fixed, end_close=cap)
    return next_session_end(s, bars)


__all__ = [
    "ET_ZONE",
    "FIXED_HORIZONS",
    "HORIZON_END_COLUMNS",
    "bar_table",
    "horizon_ends",
    "next_session_end",
    "price_at",
    "scoring_sessions",
    "window_realised_vol",
]
