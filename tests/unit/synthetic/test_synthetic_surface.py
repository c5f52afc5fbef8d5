"""The SSVI surface: put skew, term structure, no calendar or butterfly arbitrage; param checks."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from eots.greeks import black_scholes as bs
from eots.synthetic import SyntheticParams, atm_vol, implied_vol, total_variance

TENORS = np.array([0.5 / 365, 1 / 365, 7 / 365, 30 / 365, 0.25, 0.5, 1.0, 2.0, 5.0])
LOG_MONEYNESS = np.linspace(-0.6, 0.4, 41)
REGIMES = [
    SyntheticParams(),
    SyntheticParams(short_term_vol_shift=0.06, atm_vol=0.20),  # stressed: backwardation
    SyntheticParams(short_term_vol_shift=-0.05, skew=-0.9, smile_curvature=1.05),
    SyntheticParams(skew=-0.3, smile_curvature=1.5, skew_term_power=0.3),
]


@pytest.mark.parametrize("params", REGIMES)
def test_surface_put_wing_above_call_wing(params: SyntheticParams) -> None:
    for t in TENORS:
        put, call = implied_vol(params, np.log([0.9, 1.1]), t)
        assert put > call, t


@pytest.mark.parametrize("params", REGIMES)
def test_surface_total_variance_increasing_in_t_at_fixed_moneyness(params: SyntheticParams) -> None:
    grid = np.linspace(1 / 365 / 24, 5.0, 400)
    k, t = np.meshgrid(LOG_MONEYNESS, grid)
    w = total_variance(params, k, t)
    assert (np.diff(w, axis=0) > 0).all()


@pytest.mark.parametrize("params", REGIMES)
def test_surface_call_prices_convex_and_decreasing_in_strike(params: SyntheticParams) -> None:
    strikes = np.linspace(2000.0, 8000.0, 1201)
    for t in TENORS:
        forward = 5000.0
        sigma = implied_vol(params, np.log(strikes / forward), t)
        calls = bs.price(True, forward, strikes, t, sigma, 0.0, 0.0)
        assert (np.diff(calls) <= 1e-9).all(), t
        assert (np.diff(calls, 2) >= -1e-8).all(), t


def test_surface_short_dated_vol_follows_term_shift() -> None:
    calm = SyntheticParams(atm_vol=0.15, short_term_vol_shift=-0.03)
    stressed = SyntheticParams(atm_vol=0.15, short_term_vol_shift=0.10)
    assert atm_vol(calm, 1 / 365) < atm_vol(calm, 2.0) < 0.15 + 1e-3
    assert atm_vol(stressed, 1 / 365) > 0.24
    assert float(implied_vol(stressed, 0.0, 1 / 365)) > float(implied_vol(calm, 0.0, 1 / 365))


def test_surface_skew_steepens_for_short_expiries() -> None:
    params = SyntheticParams()
    slopes = [
        float(np.diff(implied_vol(params, [-0.01, 0.01], t))[0]) / 0.02 for t in (7 / 365, 1.0)
    ]
    assert slopes[0] < slopes[1] < 0


def test_params_butterfly_bound_violation_raises() -> None:
    with pytest.raises(pydantic.ValidationError, match="smile_curvature"):
        SyntheticParams(skew=-0.8, smile_curvature=1.2)


def test_params_calendar_violation_raises() -> None:
    with pytest.raises(pydantic.ValidationError, match="increasing in t"):
        SyntheticParams(atm_vol=0.1, short_term_vol_shift=0.5)


def test_params_unknown_field_and_mutation_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        SyntheticParams(vol=0.2)  # type: ignore[call-arg]
    params = SyntheticParams()
    with pytest.raises(pydantic.ValidationError):
        params.seed = 3  # type: ignore[misc]


def test_params_reference_spot_defaults_by_underlying() -> None:
    assert SyntheticParams().reference_spot == 5000.0
    assert SyntheticParams(underlying="spy").reference_spot == 500.0
    assert SyntheticParams(underlying="SPY", spot=512.5).reference_spot == 512.5
    assert SyntheticParams(underlying="AAPL").reference_spot == 100.0
