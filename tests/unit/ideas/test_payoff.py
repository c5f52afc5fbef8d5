"""Payoff values, exact extremes and breakevens, net greeks (hand values and properties)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eots.core.types import OptionRight
from eots.ideas.model import Leg
from eots.ideas.payoff import expiry_value, net_greeks, payoff_summary, value_at

T0 = dt.datetime(2024, 4, 1, 15, tzinfo=dt.UTC)
NEAR = dt.datetime(2024, 4, 5, 20, tzinfo=dt.UTC)
FAR = dt.datetime(2024, 4, 19, 20, tzinfo=dt.UTC)


def leg(
    strike: float,
    right: str,
    qty: int,
    *,
    when: dt.datetime = NEAR,
    iv: float = 0.2,
    delta: float = 0.0,
    gamma: float = 0.0,
    theta: float = 0.0,
    vega: float = 0.0,
) -> Leg:
    return Leg(
        root="SPXW",
        expiry=when.date(),
        expiry_ts=when,
        strike=strike,
        right=OptionRight(right),
        quantity=qty,
        bid=1.0,
        ask=1.1,
        mid=1.05,
        iv=iv,
        delta=delta,
        gamma=gamma,
        theta=theta,
        vega=vega,
    )


def test_long_call_debit_breakeven_and_unbounded_profit() -> None:
    s = payoff_summary((leg(100, "C", 1),), net=500.0, rate=0.0, spot=100.0)
    assert s.exact
    assert s.breakevens == (105.0,)
    assert s.max_loss == 500.0
    assert s.max_profit == math.inf


def test_short_call_loss_unbounded() -> None:
    s = payoff_summary((leg(100, "C", -1),), net=-300.0, rate=0.0, spot=100.0)
    assert s.max_loss == math.inf
    assert s.max_profit == 300.0
    assert s.breakevens == (103.0,)


def test_long_put_max_profit_at_zero() -> None:
    s = payoff_summary((leg(100, "P", 1),), net=400.0, rate=0.0, spot=100.0)
    assert s.max_profit == pytest.approx(100 * 100 - 400)
    assert s.breakevens == (96.0,)


def test_bull_call_spread_by_hand() -> None:
    # Long 100 C, short 110 C for $3.50 debit: max profit 650, max loss 350, breakeven 103.5.
    legs = (leg(100, "C", 1), leg(110, "C", -1))
    s = payoff_summary(legs, net=350.0, rate=0.0, spot=100.0)
    assert (s.max_profit, s.max_loss, s.breakevens) == (650.0, 350.0, (103.5,))


def test_iron_condor_by_hand() -> None:
    # 90/95 put spread + 105/110 call spread for a $1.20 credit.
    legs = (leg(90, "P", 1), leg(95, "P", -1), leg(105, "C", -1), leg(110, "C", 1))
    s = payoff_summary(legs, net=-120.0, rate=0.0, spot=100.0)
    assert s.max_profit == pytest.approx(120.0)
    assert s.max_loss == pytest.approx(380.0)
    assert s.breakevens == pytest.approx((93.8, 106.2))


def test_butterfly_by_hand() -> None:
    legs = (leg(95, "C", 1), leg(100, "C", -2), leg(105, "C", 1))
    s = payoff_summary(legs, net=150.0, rate=0.0, spot=100.0)
    assert s.max_profit == pytest.approx(350.0)
    assert s.max_loss == pytest.approx(150.0)
    assert s.breakevens == pytest.approx((96.5, 103.5))


def test_straddle_two_breakevens() -> None:
    s = payoff_summary((leg(100, "C", 1), leg(100, "P", 1)), net=600.0, rate=0.0, spot=100.0)
    assert s.breakevens == (94.0, 106.0)
    assert s.max_loss == 600.0


def test_calendar_values_far_leg_by_model_at_first_expiry() -> None:
    legs = (leg(100, "C", -1), leg(100, "C", 1, when=FAR, iv=0.2))
    v = value_at(legs, np.array([100.0]), NEAR, 0.0)[0]
    t = (FAR - NEAR).total_seconds() / (365 * 86400)
    # ATM call with r = q = 0: S (2 N(sigma sqrt(t) / 2) - 1).
    from scipy.stats import norm

    assert v == pytest.approx(100 * 100 * (2 * norm.cdf(0.2 * math.sqrt(t) / 2) - 1), rel=1e-9)
    s = payoff_summary(legs, net=100.0, rate=0.0, spot=100.0)
    assert not s.exact
    assert len(s.breakevens) == 2
    at_be = value_at(legs, np.array(s.breakevens), NEAR, 0.0) - 100.0
    assert np.abs(at_be).max() < 1e-3
    assert s.max_loss == pytest.approx(100.0, abs=1.0)  # the debit, far from the strike


def test_net_greeks_are_quantity_weighted() -> None:
    legs = (
        leg(100, "C", 1, delta=0.5, gamma=0.02, theta=-0.1, vega=0.3),
        leg(110, "C", -2, delta=0.2, gamma=0.01, theta=-0.05, vega=0.2),
    )
    g = net_greeks(legs)
    assert g.delta == pytest.approx(100 * (0.5 - 0.4))
    assert g.gamma == pytest.approx(100 * (0.02 - 0.02))
    assert g.theta == pytest.approx(100 * (-0.1 + 0.1))
    assert g.vega == pytest.approx(100 * (0.3 - 0.4))


legs_st = st.lists(
    st.tuples(
        st.sampled_from([80.0, 90.0, 95.0, 100.0, 105.0, 110.0, 120.0]),
        st.sampled_from(["C", "P"]),
        st.integers(-3, 3).filter(lambda q: q != 0),
    ),
    min_size=1,
    max_size=4,
)


@given(legs_st, st.floats(-500, 500), st.floats(1.0, 300.0))
def test_payoff_at_expiry_is_the_sum_of_leg_payoffs(spec, net, price) -> None:  # type: ignore[no-untyped-def]
    legs = tuple(leg(k, r, q) for k, r, q in spec)
    value = expiry_value(legs, np.array([price]), 0.0)[0]
    by_hand = sum(
        q * 100 * (max(price - k, 0.0) if r == "C" else max(k - price, 0.0)) for k, r, q in spec
    )
    assert value == pytest.approx(by_hand, abs=1e-9)


@given(legs_st, st.floats(-500, 500))
def test_breakevens_are_zeros_and_extremes_bound_the_pnl(spec, net) -> None:  # type: ignore[no-untyped-def]
    legs = tuple(leg(k, r, q) for k, r, q in spec)
    s = payoff_summary(legs, net, 0.0, 100.0)
    if s.breakevens:
        at = expiry_value(legs, np.array(s.breakevens), 0.0) - net
        assert np.abs(at).max() < 1e-6
    grid = np.linspace(0.0, 400.0, 4001)
    pnl = expiry_value(legs, grid, 0.0) - net
    assert pnl.min() >= -s.max_loss - 1e-6
    assert pnl.max() <= s.max_profit + 1e-6
    # The extremes are attained on the grid (every kink is a grid point) unless unbounded.
    if math.isfinite(s.max_loss):
        assert pnl.min() == pytest.approx(-s.max_loss, abs=1e-6)


@given(
    st.lists(
        st.tuples(st.sampled_from([90.0, 100.0, 110.0]), st.sampled_from(["C", "P"])),
        min_size=1,
        max_size=3,
    ),
    st.floats(0.0, 2000.0),
)
def test_max_loss_never_exceeds_the_debit_of_long_premium(spec, debit) -> None:  # type: ignore[no-untyped-def]
    legs = tuple(leg(k, r, 1) for k, r in spec)
    s = payoff_summary(legs, debit, 0.0, 100.0)
    assert s.max_loss <= debit + 1e-9


@given(
    st.sampled_from(["C", "P"]),
    st.floats(50.0, 150.0),
    st.floats(1.0, 30.0),
    st.floats(0.0, 3000.0),
)
def test_max_loss_of_debit_verticals_and_butterflies_is_the_debit(right, k, width, debit) -> None:  # type: ignore[no-untyped-def]
    # Long the strike nearer the money side that pays first, short the farther one: a debit
    # vertical (calls: long low / short high; puts: long high / short low), and a long butterfly.
    low, high = k, k + width
    vertical = (
        (leg(low, "C", 1), leg(high, "C", -1))
        if right == "C"
        else (leg(high, "P", 1), leg(low, "P", -1))
    )
    fly = (leg(low, right, 1), leg(k + width / 2, right, -2), leg(high, right, 1))
    for legs in (vertical, fly):
        s = payoff_summary(legs, debit, 0.0, 100.0)
        assert s.max_loss == pytest.approx(debit, abs=1e-9)
        full = 100 * width * (1 if legs is vertical else 0.5)
        assert s.max_profit == pytest.approx(full - debit, abs=1e-9)
