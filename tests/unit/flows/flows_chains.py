"""Hand-built snapshots and greeks for the flow tests (answers are worked out by hand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from eots.chain import ChainSnapshot, build_snapshot
from eots.core.time import ET, QuoteTime, TimeBasis, session_of

EXPIRY = dt.date(2024, 3, 15)
KEY = ["root", "expiry", "strike", "right"]

# (strike, right, bid, ask, last, volume); the greeks below are per share.
Quote = tuple[float, str, float | None, float | None, float | None, int | None]

GREEKS = {  # strike, right -> delta, gamma, vega, theta
    (5000.0, "C"): (0.5, 0.002, 3.0, -4.0),
    (5000.0, "P"): (-0.5, 0.002, 3.0, -3.5),
    (5050.0, "C"): (0.25, 0.001, 2.0, -2.0),
    (5050.0, "P"): (-0.75, 0.001, 2.0, -1.5),
}


def et(hour: int, minute: int = 0, day: int = 13) -> dt.datetime:
    """Return an instant on March ``day`` 2024 in US/Eastern (the 13th is a Wednesday session)."""
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=ET)


def snapshot(quotes: Sequence[Quote], ts: dt.datetime) -> ChainSnapshot:
    """Return a validated SPXW snapshot of ``quotes`` quoted at ``ts``."""
    raw = pl.DataFrame(
        {
            "root": ["SPXW"] * len(quotes),
            "expiry": [EXPIRY] * len(quotes),
            "strike": [q[0] for q in quotes],
            "right": [q[1] for q in quotes],
            "bid": [q[2] for q in quotes],
            "ask": [q[3] for q in quotes],
            "last": [q[4] for q in quotes],
            "volume": [None if q[5] is None else float(q[5]) for q in quotes],
            "open_interest": [1000.0] * len(quotes),
        },
        schema_overrides=dict.fromkeys(("bid", "ask", "last", "volume"), pl.Float64),
    )
    stamp = ts.astimezone(dt.UTC)
    return build_snapshot(
        raw,
        spot=5010.0,
        quote_time=QuoteTime(stamp, session_of(stamp), TimeBasis.SOURCE),
        ts_recv=stamp,
        source="tests.flows",
        source_format="builder",
    )


def greeks(snap: ChainSnapshot) -> pl.DataFrame:
    """Return the chain key with the hand-chosen greeks of ``GREEKS`` (NaN for other contracts)."""
    nan = float("nan")
    rows = [
        GREEKS.get((k[2], k[3]), (nan, nan, nan, nan)) for k in snap.frame.select(KEY).iter_rows()
    ]
    return snap.frame.select(KEY).with_columns(
        delta=pl.Series([r[0] for r in rows]),
        gamma=pl.Series([r[1] for r in rows]),
        vega=pl.Series([r[2] for r in rows]),
        theta=pl.Series([r[3] for r in rows]),
    )


def row(frame: pl.DataFrame, strike: float, right: str) -> dict[str, Any]:
    """Return the one row of ``frame`` for a contract, as a dict."""
    hit = frame.filter((pl.col("strike") == strike) & (pl.col("right") == right))
    assert hit.height == 1, hit
    return hit.row(0, named=True)
