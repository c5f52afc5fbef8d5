"""Daily bars for the context: the price store's when it has enough, else derived from spots.

The derived bars follow ``eots.storage.bars_from_snapshots`` (a coarse proxy: the high and low are
the extremes of the sampled spots, the open is the first sample, volume is null) but are built from
the as-of reader's spot series, and a bar is kept only if it closed at or before ``as_of``: a
session's bar is stamped at the later of its close and its last sample, so the session in progress
never yields a (still forming) bar.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.core.time import session_of
from eots.storage.bars import OHLC, PRICE_SCHEMA, session_close


def daily_bars_from_spots(spots: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """Return ``PRICE_SCHEMA`` daily bars from ``(ts_event, spot)`` rows, closed by ``as_of``.

    Examples
    --------
    >>> t = [dt.datetime(2024, 3, 13, h, tzinfo=dt.UTC) for h in (14, 16, 19)]
    >>> spots = pl.DataFrame({"ts_event": t, "spot": [100.0, 102.0, 101.0]})
    >>> bars = daily_bars_from_spots(spots, dt.datetime(2024, 3, 13, 21, tzinfo=dt.UTC))
    >>> bars.select(*OHLC).row(0)
    (100.0, 102.0, 100.0, 101.0)
    >>> daily_bars_from_spots(spots, dt.datetime(2024, 3, 13, 19, tzinfo=dt.UTC)).height
    0
    """
    if spots.height == 0:
        return pl.DataFrame(schema=PRICE_SCHEMA)
    sessions = [session_of(ts) for ts in spots.get_column("ts_event").to_list()]
    spot = pl.col("spot")
    grouped = (
        spots.with_columns(session=pl.Series(sessions, dtype=pl.Date))
        .sort("ts_event")
        .group_by("session", maintain_order=True)
        .agg(
            spot.first().alias("open"),
            spot.max().alias("high"),
            spot.min().alias("low"),
            spot.last().alias("close"),
            last_ts=pl.col("ts_event").max(),
        )
    )
    closes = [session_close(d) for d in grouped.get_column("session").to_list()]
    bars = grouped.with_columns(
        ts=pl.max_horizontal(pl.Series(closes, dtype=pl.Datetime("us", "UTC")), "last_ts")
    )
    return (
        bars.select(
            pl.col("ts").cast(pl.Datetime("us", "UTC")),
            *OHLC,
            volume=pl.lit(None, dtype=pl.Int64),
            interval=pl.lit("1d"),
        )
        .filter(pl.col("ts") <= as_of)
        .sort("ts")
    )


__all__ = ["daily_bars_from_spots"]
