"""A quoted spot that disagrees with put-call parity: warned about, or replaced on request."""

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


def test_stale_spot_is_warned_about_and_kept_by_default() -> None:
    a = analyze(tiny_chain(ROWS, spot=5000.0, as_of=AS_OF))
    assert a.snapshot.spot == 5000.0
    assert len(a.warnings) == 1
    assert "disagrees with put-call parity" in a.warnings[0]


def test_stale_spot_is_replaced_by_the_parity_spot_on_request() -> None:
    params = AnalysisParams(pricing=PricingParams(spot_source=SpotSource.PARITY))
    a = analyze(tiny_chain(ROWS, spot=5000.0, as_of=AS_OF), params)
    assert a.snapshot.spot == pytest.approx(_implied_spot(params.pricing), rel=1e-9)
    assert any("spot replaced" in w for w in a.warnings)


def test_consistent_spot_gives_no_warning_and_is_never_replaced() -> None:
    spot = _implied_spot(PricingParams())
    params = AnalysisParams(pricing=PricingParams(spot_source=SpotSource.PARITY))
    a = analyze(tiny_chain(ROWS, spot=spot, as_of=AS_OF), params)
    assert a.warnings == ()
    assert a.snapshot.spot == spot
