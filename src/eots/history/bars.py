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

from eots.core.time import nyse_calendar
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
    spot = pl.col("spot")
    grouped = (
        spots.with_columns(session=sessions_of(spots.get_column("ts_event")))
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


def sessions_of(ts: pl.Series) -> pl.Series:
    """Return ``eots.core.time.session_of`` of every instant (the calendar asked once per day).

    Examples
    --------
    >>> t = [dt.datetime(2024, 3, 13, h, tzinfo=dt.UTC) for h in (12, 14, 23)]
    >>> sessions_of(pl.Series(t)).to_list()
    [datetime.date(2024, 3, 12), datetime.date(2024, 3, 13), datetime.date(2024, 3, 13)]
    """
    utc = ts.cast(pl.Datetime("us", "UTC"))
    days = utc.dt.convert_time_zone("America/New_York").dt.date()
    cal = nyse_calendar()
    table: dict[dt.date, tuple[dt.datetime | None, dt.date]] = {}
    for day in days.unique().drop_nulls().to_list():
        bounds = cal.session_bounds(day)
        table[day] = (bounds[0] if bounds else None, cal.previous_session(day))
    frame = pl.DataFrame({"ts": utc, "day": days})
    lookup = pl.DataFrame(
        {
            "day": list(table),
            "open": [v[0] for v in table.values()],
            "previous": [v[1] for v in table.values()],
        },
        schema={"day": pl.Date(), "open": pl.Datetime("us", "UTC"), "previous": pl.Date()},
    )
    joined = frame.join(lookup, on="day", how="left", maintain_order="left")
    opened = pl.col("open").is_not_null() & (pl.col("ts") >= pl.col("open"))
    return joined.select(
        pl.when(opened).then(pl.col("day")).otherwise(pl.col("previous")).alias("session")
    ).to_series()


__all__ = ["daily_bars_from_spots", "sessions_of"]
