"""True range across gaps in daily history (bars on non-consecutive sessions)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.market.atr import true_range


def _daily(days: list[dt.date], closes: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [dt.datetime(d.year, d.month, d.day, 21, tzinfo=dt.UTC) for d in days],
            "high": [c + 1.0 for c in closes],
            "low": [c - 1.0 for c in closes],
            "close": closes,
            "interval": ["1d"] * len(days),
        }
    )


def test_true_range_uses_previous_close_on_consecutive_sessions() -> None:
    # Thu 2023-04-06 then Mon 2023-04-10 (Good Friday closed): consecutive sessions.
    bars = _daily([dt.date(2023, 4, 6), dt.date(2023, 4, 10)], [100.0, 110.0])
    assert true_range(bars).tolist() == [2.0, 11.0]


def test_true_range_ignores_a_close_from_before_a_gap() -> None:
    # 2023-05-26 then 2023-06-08: sessions missing in between, no overnight gap to measure.
    bars = _daily([dt.date(2023, 5, 26), dt.date(2023, 6, 8)], [4205.0, 4294.0])
    assert true_range(bars).tolist() == [2.0, 2.0]


def test_true_range_intraday_bars_are_taken_as_consecutive() -> None:
    bars = _daily([dt.date(2023, 5, 26), dt.date(2023, 6, 8)], [10.0, 20.0]).with_columns(
        interval=pl.lit("5m")
    )
    assert true_range(bars).tolist() == [2.0, 11.0]
