"""ATR (Wilder) and realised volatility on hand-built bars with answers worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from eots.market import atr, realized_vol, true_range


def _bars(rows: list[tuple[float, float, float]]) -> pl.DataFrame:
    ts = [
        dt.datetime(2024, 1, 2, 21, tzinfo=dt.UTC) + dt.timedelta(days=i) for i in range(len(rows))
    ]
    return pl.DataFrame(
        {
            "ts": ts,
            "high": [float(r[0]) for r in rows],
            "low": [float(r[1]) for r in rows],
            "close": [float(r[2]) for r in rows],
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC")},
    )


# (high, low, close); true ranges by hand: 2; max(2, 2, 0) = 2; 2; max(1, 3, 2) = 3 (a gap up);
# max(1.5, 0, 1.5) = 1.5.
BARS = _bars([(10, 8, 9), (11, 9, 10), (12, 10, 11), (14, 13, 13.5), (13.5, 12, 12)])


def test_true_range_gap_uses_previous_close() -> None:
    assert true_range(BARS).tolist() == [2.0, 2.0, 2.0, 3.0, 1.5]


def test_atr_wilder_seed_then_smoothing_matches_hand_values() -> None:
    out = atr(BARS, n=3).get_column("atr").to_list()
    assert out[:2] == [None, None]
    assert out[2] == pytest.approx(2.0)  # mean of the first three true ranges
    assert out[3] == pytest.approx((2.0 * 2 + 3.0) / 3)
    assert out[4] == pytest.approx(((7 / 3) * 2 + 1.5) / 3)


def test_atr_fewer_bars_than_n_is_all_null() -> None:
    assert atr(BARS, n=14).get_column("atr").null_count() == BARS.height


def test_atr_n_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="n >= 1"):
        atr(BARS, n=0)


def test_realized_vol_alternating_returns_known_stdev() -> None:
    a = 0.01
    closes = [100 * math.exp(a * (i % 2)) for i in range(6)]  # returns +a, -a, +a, ...
    bars = _bars([(c, c, c) for c in closes])
    rv = realized_vol(bars, 2).get_column("realized_vol").to_list()
    # Two returns (+a, -a): mean 0, sample variance 2 a^2 / 1, stdev a * sqrt(2).
    assert rv[:2] == [None, None]
    assert rv[2] == pytest.approx(a * math.sqrt(2) * math.sqrt(252))
    assert rv[-1] == pytest.approx(a * math.sqrt(2) * math.sqrt(252))


def test_realized_vol_constant_growth_is_zero() -> None:
    closes = [100 * math.exp(0.002 * i) for i in range(12)]
    rv = realized_vol(_bars([(c, c, c) for c in closes]), 10).get_column("realized_vol")
    assert rv[-1] == pytest.approx(0.0, abs=1e-12)


def test_realized_vol_window_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        realized_vol(BARS, 1)
