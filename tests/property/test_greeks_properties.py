"""Invariants of the pricing kernels and the implied-volatility solver (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eots.greeks import black_scholes as bs
from eots.greeks.implied_vol import IvStatus, implied_vol

spot = st.floats(10.0, 10_000.0)
moneyness = st.floats(0.5, 2.0)
years = st.floats(1.0 / 24.0 / 365.0, 5.0)
vol = st.floats(0.01, 3.0)
rate = st.floats(-0.01, 0.1)
carry = st.floats(0.0, 0.06)
rights = st.booleans()


@settings(max_examples=200, deadline=None)
@given(spot, moneyness, years, vol, rate, carry)
def test_price_put_call_parity_holds(
    s: float, m: float, t: float, sigma: float, r: float, q: float
) -> None:
    k = s * m
    c = bs.price(True, s, k, t, sigma, r, q)
    p = bs.price(False, s, k, t, sigma, r, q)
    parity = s * np.exp(-q * t) - k * np.exp(-r * t)
    assert abs(float(c - p) - parity) <= 1e-10 * max(s, k)


@settings(max_examples=200, deadline=None)
@given(rights, spot, moneyness, years, vol, rate, carry)
def test_gamma_any_input_non_negative(
    is_call: bool, s: float, m: float, t: float, sigma: float, r: float, q: float
) -> None:
    assert float(bs.gamma(is_call, s, s * m, t, sigma, r, q)) >= 0.0


@settings(max_examples=200, deadline=None)
@given(spot, moneyness, years, vol, rate, carry, st.floats(1e-3, 0.2))
def test_call_price_monotone_in_spot_and_strike(
    s: float, m: float, t: float, sigma: float, r: float, q: float, bump: float
) -> None:
    k = s * m
    base = float(bs.price(True, s, k, t, sigma, r, q))
    assert float(bs.price(True, s * (1 + bump), k, t, sigma, r, q)) >= base
    assert float(bs.price(True, s, k * (1 + bump), t, sigma, r, q)) <= base


@settings(max_examples=200, deadline=None)
@given(rights, spot, moneyness, years, vol, rate, carry)
def test_implied_vol_round_trip_recovers_sigma(
    is_call: bool, s: float, m: float, t: float, sigma: float, r: float, q: float
) -> None:
    k = s * m
    price = float(bs.price(is_call, s, k, t, sigma, r, q))
    vega = float(bs.vega(is_call, s, k, t, sigma, r, q))
    # Skip where the price carries no information about the vol (vega below rounding).
    assume(vega > 1e-8 * max(price, 1e-12) and price > 1e-12 * s)
    res = implied_vol(price, is_call, s, k, t, r, q)
    assert int(res.status) == IvStatus.OK
    assert abs(float(res.iv) - sigma) <= 1e-6 * max(sigma, 1.0)


@settings(max_examples=200, deadline=None)
@given(rights, spot, moneyness, years, rate, carry, st.floats(1e-4, 0.5))
def test_implied_vol_below_intrinsic_reports_status(
    is_call: bool, s: float, m: float, t: float, r: float, q: float, shortfall: float
) -> None:
    k = s * m
    w = 1.0 if is_call else -1.0
    intrinsic = max(w * (s * np.exp(-q * t) - k * np.exp(-r * t)), 0.0)
    assume(intrinsic > 1e-3 * s)
    res = implied_vol(intrinsic * (1 - shortfall), is_call, s, k, t, r, q)
    assert int(res.status) == IvStatus.BELOW_INTRINSIC
    assert np.isnan(res.iv)


@settings(max_examples=200, deadline=None)
@given(rights, spot, moneyness, years, rate, carry, st.floats(0.0, 0.5))
def test_implied_vol_above_bound_reports_status(
    is_call: bool, s: float, m: float, t: float, r: float, q: float, excess: float
) -> None:
    k = s * m
    bound = s * np.exp(-q * t) if is_call else k * np.exp(-r * t)
    res = implied_vol(bound * (1 + excess), is_call, s, k, t, r, q)
    assert int(res.status) == IvStatus.ABOVE_MAXIMUM
    assert np.isnan(res.iv)
