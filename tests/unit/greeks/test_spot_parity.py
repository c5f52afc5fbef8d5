"""The quoted spot is checked against the spot implied by put-call parity on the nearest expiry."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from eots.greeks.frame import priced_chain
from eots.greeks.params import PricingParams
from eots.greeks.spot import spot_parity_check
from eots.pipeline import analyze
from eots.synthetic import SyntheticParams, synthetic_chain

AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 11:30 ET, a Friday session


def test_consistent_spot_passes_and_reports_the_implied_spot() -> None:
    snap = synthetic_chain(SyntheticParams(underlying="SPY", seed=3), as_of=AS_OF)
    params = PricingParams()
    check = spot_parity_check(priced_chain(snap, params), snap.spot, params)
    assert check is not None
    assert check.implied_spot == pytest.approx(snap.spot, rel=5e-4)
    assert check.consistent
    assert analyze(snap).warnings == ()


def test_stale_spot_is_flagged_with_the_parity_implied_spot() -> None:
    # A header "Last" that is an after-hours print: options still price the close (0.8 % away).
    snap = synthetic_chain(SyntheticParams(underlying="SPY", seed=3), as_of=AS_OF)
    stale = dataclasses.replace(snap, spot=snap.spot * 0.992)
    params = PricingParams()
    check = spot_parity_check(priced_chain(stale, params), stale.spot, params)
    assert check is not None
    assert not check.consistent
    assert check.implied_spot == pytest.approx(snap.spot, rel=5e-4)
    assert check.gap == pytest.approx(1 / 0.992 - 1, abs=5e-4)
    (warning,) = analyze(stale).warnings
    assert "put-call parity" in warning
    assert f"{check.implied_spot:,.2f}" in warning
