"""OHLC bars of an underlying as stored: interval names and the rules every bar obeys.

``PRICE_SCHEMA`` is defined, column by column, in ``eots.market.bars``.

Rules (``bar_problems``): prices present, finite and > 0; ``high >= max(open, close)``;
``low <= min(open, close)``; ``volume`` null or >= 0; one bar per ``ts``.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from eots.core.time import ET, UTC, nyse_calendar
from eots.market.bars import OHLC, PRICE_SCHEMA

_INTERVAL = re.compile(r"^([1-9]\d*)([mh])$|^1d$")


def interval_length(interval: str) -> dt.timedelta | None:
    """Return an intraday interval's length, or None for ``1d``; refuse anything else.

    Examples
    --------
    >>> interval_length("5m"), interval_length("1d")
    (datetime.timedelta(seconds=300), None)
    """
    match = _INTERVAL.match(interval)
    if match is None:
        raise ValueError(f"expected an interval like 1d, 1m, 5m or 1h, was {interval!r}")
    if match.group(1) is None:
        return None
    n = int(match.group(1))
    return dt.timedelta(minutes=n) if match.group(2) == "m" else dt.timedelta(hours=n)


def session_close(day: dt.date) -> dt.datetime:
    """Return the XNYS close of ``day`` in UTC (16:00 ET when ``day`` is not a known session)."""
    cal = nyse_calendar()
    bounds = cal.session_bounds(day) if cal.covers(day) else None
    if bounds is not None:
        return bounds[1]
    return dt.datetime.combine(day, dt.time(16, 0), tzinfo=ET).astimezone(UTC)


def bar_problems(bars: pl.DataFrame) -> pl.DataFrame:
    """Return ``(row, reason)`` for every bar that breaks an OHLC rule (``row`` is 0-based).

    Rules: prices present, finite and > 0; ``high >= max(open, close)``;
    ``low <= min(open, close)``; ``volume`` null or >= 0.
    """
    checks: list[tuple[str, pl.Expr]] = [
        (
            f"expected a finite {c} > 0",
            (pl.col(c).is_finite() & (pl.col(c) > 0)).not_().fill_null(True),
        )
        for c in OHLC
    ]
    checks += [
        (
            "expected high >= max(open, close)",
            pl.col("high") < pl.max_horizontal("open", "close"),
        ),
        ("expected low <= min(open, close)", pl.col("low") > pl.min_horizontal("open", "close")),
        ("expected volume >= 0", pl.col("volume") < 0),
    ]
    indexed = bars.with_row_index("row")
    found = [
        indexed.filter(mask.fill_null(False)).select(
            pl.col("row").cast(pl.Int64), reason=pl.lit(reason)
        )
        for reason, mask in checks
    ]
    return pl.concat(found).sort("row", maintain_order=True)


__all__ = ["OHLC", "PRICE_SCHEMA", "bar_problems", "interval_length", "session_close"]
