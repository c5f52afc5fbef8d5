"""tests/builders.py: hand-built chains keep the values they were given."""

from __future__ import annotations

import datetime as dt

import polars as pl

from builders import Row, et, tiny_chain
from eots.chain.schema import CHAIN_SCHEMA, check_schema

EXPIRY = dt.date(2024, 3, 15)


def test_tiny_chain_tuples_and_rows_keep_given_values() -> None:
    snap = tiny_chain(
        [
            ("SPXW", EXPIRY, 5000.0, "C", 10.0, 10.5, 1200),
            Row("SPXW", EXPIRY, 5000.0, "P", 9.0, 9.4, 800, volume=15, iv=0.14),
            ("SPX", EXPIRY, 4900.0, "P", 0.0, 0.05, 0),
        ],
        spot=5001.0,
        as_of=et(2024, 3, 13, 14, 0),
    )
    check_schema(snap.frame, CHAIN_SCHEMA, what="tiny chain")
    assert (snap.underlying, snap.spot, snap.n_contracts) == ("SPX", 5001.0, 3)
    assert snap.ts_event == dt.datetime(2024, 3, 13, 18, 0, tzinfo=dt.UTC)
    put = snap.frame.filter(pl.col("strike") == 5000.0, pl.col("right") == "P").row(0, named=True)
    assert (put["bid"], put["ask"], put["open_interest"], put["volume"], put["iv_src"]) == (
        9.0,
        9.4,
        800,
        15,
        0.14,
    )
    am = snap.frame.filter(pl.col("root") == "SPX").row(0, named=True)
    assert (am["settlement"], am["quote_valid"]) == ("AM", False)


def test_tiny_chain_expired_rows_dropped_and_counted() -> None:
    snap = tiny_chain(
        [("SPY", dt.date(2024, 3, 13), 510.0, "C", 1.0, 1.1, 5), ("SPY", EXPIRY, 510.0, "C")],
        spot=510.0,
        as_of=et(2024, 3, 13, 16, 30),
    )
    assert snap.n_contracts == 1
    assert snap.quality.rows_dropped == 1
