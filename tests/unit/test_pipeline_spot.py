"""A quoted spot that fails put-call parity: replaced by default (said, naming --spot quote), kept
on request; a dividend-sized gap on an ETF is not called stale; known dividends are added back."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from builders import Row, et, tiny_chain
from eots.greeks.params import PricingParams, SpotSource
from eots.pipeline import AnalysisParams, analyze

EXPIRY = dt.date(2024, 3, 15)
AS_OF = et(2024, 3, 13, 14, 0)
# Calls and puts at 5000 priced off a spot near 5040; the quoted spot (5000) is stale.
ROWS = [
    Row("SPXW", EXPIRY, 5000.0, "C", bid=59.5, ask=60.5, open_interest=100),
    Row("SPXW", EXPIRY, 5000.0, "P", bid=19.5, ask=20.5, open_interest=100),
    Row("SPXW", EXPIRY, 5050.0, "C", bid=24.5, ask=25.5, open_interest=100),
    Row("SPXW", EXPIRY, 5050.0, "P", bid=34.5, ask=35.5, open_interest=100),
]


def _implied_spot(params: PricingParams) -> float:
    t = 50.0 / (365.0 * 24.0)
    discount = math.exp(-params.rate * t)
    forward = ((5000.0 + 40.0 / discount) + (5050.0 - 10.0 / discount)) / 2  # median of two
    return forward * math.exp(-(params.rate - params.dividend_yield) * t)


def test_stale_spot_is_kept_on_request_and_the_warning_names_the_option() -> None:
    params = AnalysisParams(pricing=PricingParams(spot_source=SpotSource.QUOTE))
    a = analyze(tiny_chain(ROWS, spot=5000.0, as_of=AS_OF), params)
    assert a.snapshot.spot == 5000.0
    (warning,) = a.warnings
    assert "put-call parity" in warning
    assert "--spot parity" in warning


def test_stale_spot_is_replaced_by_the_parity_spot_by_default() -> None:
    params = AnalysisParams()
    assert params.pricing.spot_source is SpotSource.PARITY
    a = analyze(tiny_chain(ROWS, spot=5000.0, as_of=AS_OF), params)
    assert a.snapshot.spot == pytest.approx(_implied_spot(params.pricing), rel=1e-9)
    (warning,) = a.warnings
    assert f"uses the parity-implied spot {a.snapshot.spot:,.2f}" in warning
    assert "--spot quote" in warning


def test_consistent_spot_gives_no_warning_and_is_never_replaced() -> None:
    spot = _implied_spot(PricingParams())
    params = AnalysisParams(pricing=PricingParams(spot_source=SpotSource.PARITY))
    a = analyze(tiny_chain(ROWS, spot=spot, as_of=AS_OF), params)
    assert a.warnings == ()
    assert a.snapshot.spot == spot


# SPY quoted the evening before an ex-date: every forward is a dividend below the quote.
SPY_EXPIRY = dt.date(2023, 9, 15)
SPY_AS_OF = et(2023, 9, 14, 16, 0)
DIVIDEND = 1.58
SPY_SPOT = 450.81


def _spy_rows(ex_spot: float) -> list[Row]:
    t = (et(2023, 9, 15, 16, 0) - SPY_AS_OF).total_seconds() / (365.0 * 86400.0)
    forward = ex_spot * math.exp((0.045 - 0.013) * t)
    rows = []
    for k in (445.0, 448.0, 450.0, 452.0, 455.0):
        c = max(forward - k, 0.0) + 1.0
        p = c - (forward - k) * math.exp(-0.045 * t)
        rows.append(Row("SPY", SPY_EXPIRY, k, "C", bid=c - 0.01, ask=c + 0.01, open_interest=100))
        rows.append(Row("SPY", SPY_EXPIRY, k, "P", bid=p - 0.01, ask=p + 0.01, open_interest=100))
    return rows


def test_dividend_sized_gap_on_an_etf_is_not_called_stale() -> None:
    snap = tiny_chain(_spy_rows(SPY_SPOT - DIVIDEND), spot=SPY_SPOT, as_of=SPY_AS_OF)
    a = analyze(snap)
    assert a.snapshot.spot == SPY_SPOT  # kept: a dividend, not a stale print
    (warning,) = a.warnings
    assert "the size of a dividend going ex before 2023-09-15" in warning
    assert "pricing.dividends" in warning


def test_known_dividend_is_added_back_and_the_spot_passes() -> None:
    snap = tiny_chain(_spy_rows(SPY_SPOT - DIVIDEND), spot=SPY_SPOT, as_of=SPY_AS_OF)
    params = AnalysisParams.model_validate(
        {"pricing": {"dividends": [{"ex_date": "2023-09-15", "amount": DIVIDEND}]}}
    )
    a = analyze(snap, params)
    assert a.warnings == ()
    assert a.snapshot.spot == SPY_SPOT


def test_gap_beyond_a_dividend_or_upward_is_stale_on_an_etf() -> None:
    for ex_spot in (SPY_SPOT * 0.99, SPY_SPOT * 1.004):
        snap = tiny_chain(_spy_rows(ex_spot), spot=SPY_SPOT, as_of=SPY_AS_OF)
        a = analyze(snap)
        assert a.snapshot.spot == pytest.approx(ex_spot, rel=2e-4)
        assert "stale" in a.warnings[0]


def test_dividend_sized_gap_on_an_index_is_stale() -> None:
    # An index has no discrete dividends: the same -0.35 % gap is a stale print there.
    rows = [
        Row(
            "SPXW",
            SPY_EXPIRY,
            r.strike * 10,
            r.right,
            bid=r.bid * 10,  # type: ignore[operator]
            ask=r.ask * 10,  # type: ignore[operator]
            open_interest=100,
        )
        for r in _spy_rows(SPY_SPOT - DIVIDEND)
    ]
    snap = tiny_chain(rows, spot=SPY_SPOT * 10, as_of=SPY_AS_OF)
    a = analyze(snap)
    assert a.snapshot.spot == pytest.approx((SPY_SPOT - DIVIDEND) * 10, rel=2e-4)
    assert "stale" in a.warnings[0]
