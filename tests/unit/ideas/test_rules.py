"""The strategy table, the underlying plan, the time a target needs, sizing and conviction."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from eots.core.types import OptionRight
from eots.ideas import Direction, IdeaParams, Leg, Strategy, UnderlyingPlan
from eots.ideas.params import ConvictionRules, PlanRules, StrategyRules
from eots.ideas.risk import (
    conviction,
    needed_hours,
    performance,
    position_plan,
    size,
    underlying_plan,
)
from eots.ideas.select import strategy_candidates
from eots.levels import LevelKind
from unit.ideas.world import et, integration, key_levels, level

AT = et(2024, 4, 1, 11, 0)
RULES = StrategyRules()


@pytest.mark.parametrize(
    ("d", "v", "p", "pin", "expected"),
    [
        (0.7, 0.0, 0.0, None, (Strategy.LONG_CALL, Strategy.CALL_DEBIT_SPREAD)),
        (0.3, 0.4, 0.0, None, (Strategy.LONG_CALL, Strategy.CALL_DEBIT_SPREAD)),
        (-0.3, -0.4, 0.0, None, (Strategy.CALL_CREDIT_SPREAD, Strategy.PUT_DEBIT_SPREAD)),
        (0.3, -0.4, 0.0, None, (Strategy.PUT_CREDIT_SPREAD, Strategy.CALL_DEBIT_SPREAD)),
        (-0.3, 0.0, 0.0, None, (Strategy.PUT_DEBIT_SPREAD, Strategy.LONG_PUT)),
        (0.0, 0.7, 0.0, None, (Strategy.LONG_STRADDLE, Strategy.LONG_STRANGLE)),
        (0.1, 0.4, 0.0, None, (Strategy.LONG_STRANGLE, Strategy.LONG_STRADDLE)),
        (0.0, 0.0, 0.6, 5000.0, (Strategy.BUTTERFLY, Strategy.IRON_CONDOR)),
        (0.0, 0.0, 0.6, None, (Strategy.CALENDAR,)),
        (0.0, -0.5, 0.0, None, (Strategy.IRON_CONDOR, Strategy.BUTTERFLY)),
        (0.15, 0.0, 0.4, None, (Strategy.DIAGONAL, Strategy.CALENDAR)),
        (0.0, 0.0, 0.4, None, (Strategy.CALENDAR,)),
        (0.05, 0.1, 0.1, None, ()),
    ],
)
def test_strategy_table(
    d: float, v: float, p: float, pin: float | None, expected: tuple[Strategy, ...]
) -> None:
    got = strategy_candidates(integration(AT, d, v, p, pin), RULES)
    assert tuple(c.strategy for c in got) == expected
    assert all("direction" in c.rule for c in got)


def test_strategy_table_directions() -> None:
    bear = strategy_candidates(integration(AT, -0.7), RULES)
    assert {c.direction for c in bear} == {Direction.BEARISH}
    lean = strategy_candidates(integration(AT, -0.15, 0.0, 0.4), RULES)
    assert lean[0].direction is Direction.BEARISH
    vol = strategy_candidates(integration(AT, 0.0, 0.7), RULES)
    assert {c.direction for c in vol} == {Direction.VOLATILE}


def test_strategy_rules_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="direction_mild"):
        StrategyRules(direction_mild=0.5, direction_min=0.25)


LEVELS = key_levels(
    5000.0,
    AT,
    (
        level(5020.0, LevelKind.RESISTANCE, 0.9, AT),  # inside m = 0.75 ATR: never a target
        level(5060.0, LevelKind.CALL_WALL, 0.6, AT),
        level(5090.0, LevelKind.RESISTANCE, 0.8, AT),
        level(4990.0, LevelKind.SUPPORT, 0.9, AT),  # inside min_stop: not the invalidation
        level(4960.0, LevelKind.PUT_WALL, 0.5, AT),
        level(4950.0, LevelKind.SUPPORT, 0.2, AT),  # weaker than min_level_strength
    ),
)


def test_bullish_plan_targets_the_next_level_and_stops_beyond_the_support() -> None:
    r = underlying_plan(Direction.BULLISH, 5000.0, LEVELS, 50.0, PlanRules())
    assert r.plan.entry == 5000.0
    assert r.plan.target == 5060.0
    assert r.plan.stop == pytest.approx(4960.0 - 0.1 * 50.0)
    assert r.level_strengths == (0.6, 0.5)


def test_bearish_plan_is_the_mirror() -> None:
    r = underlying_plan(Direction.BEARISH, 5000.0, LEVELS, 50.0, PlanRules())
    assert r.plan.target == 4960.0
    # 5020 is inside m for a target but beyond min_stop: the first level that invalidates.
    assert r.plan.stop == pytest.approx(5020.0 + 5.0)


def test_plan_falls_back_to_atr_without_levels() -> None:
    empty = key_levels(5000.0, AT)
    rules = PlanRules()
    r = underlying_plan(Direction.BULLISH, 5000.0, empty, 40.0, rules)
    assert r.plan.target == 5000.0 + rules.target_atr * 40.0
    assert r.plan.stop == 5000.0 - rules.stop_atr * 40.0
    assert r.level_strengths == ()
    assert "ATR target" in r.notes[0]


def test_level_beyond_the_atr_window_is_not_a_target() -> None:
    far = key_levels(5000.0, AT, (level(5200.0, LevelKind.RESISTANCE, 0.9, AT),))
    r = underlying_plan(Direction.BULLISH, 5000.0, far, 50.0, PlanRules())
    assert r.plan.target == 5100.0


def test_neutral_plan_band_and_pin() -> None:
    r = underlying_plan(Direction.NEUTRAL, 5000.0, LEVELS, 50.0, PlanRules(), pin=5010.0)
    assert r.plan.band == pytest.approx((4955.0, 5025.0))
    assert r.plan.target == 5010.0
    assert r.plan.stop == pytest.approx(5025.0)  # the nearer edge


def test_volatile_plan_targets_both_ways() -> None:
    r = underlying_plan(Direction.VOLATILE, 5000.0, LEVELS, 50.0, PlanRules())
    assert r.plan.band == (4960.0, 5060.0)
    assert r.plan.target == 4960.0
    assert r.plan.stop == 5000.0


def test_needed_hours_scale_with_the_squared_distance_in_atr() -> None:
    rules = PlanRules()
    r = underlying_plan(Direction.BULLISH, 5000.0, LEVELS, 50.0, rules)
    assert needed_hours(r.plan, Direction.BULLISH, 50.0, rules) == pytest.approx(
        (60 / 50) ** 2 * 6.5
    )
    assert needed_hours(r.plan, Direction.BULLISH, 100.0, rules) == pytest.approx(
        (60 / 100) ** 2 * 6.5
    )
    n = underlying_plan(Direction.NEUTRAL, 5000.0, LEVELS, 50.0, rules)
    assert needed_hours(n.plan, Direction.NEUTRAL, 50.0, rules) == rules.min_hold_hours


def test_performance_shrinks_the_record_to_the_prior() -> None:
    rules = ConvictionRules()
    prior, note = performance(Strategy.LONG_CALL, None, rules)
    assert prior == 0.5
    assert "prior" in note
    value, _ = performance(Strategy.LONG_CALL, {"long_call": (8, 10)}, rules)
    assert value == pytest.approx((8 + 0.5 * 20) / 30)
    other, _ = performance(Strategy.LONG_PUT, {"long_call": (8, 10)}, rules)
    assert other == 0.5


def test_conviction_weights_each_factor_and_applies_the_time_factor() -> None:
    rules = ConvictionRules()
    base = conviction(0.5, 0.4, (0.6, 0.4), 1.0, rules)
    assert base == pytest.approx(0.2 * 0.5 + 0.5 * 0.4 + 0.3 * 0.5)
    assert conviction(0.6, 0.4, (0.6, 0.4), 1.0, rules) == pytest.approx(base + 0.02)
    assert conviction(0.5, 0.5, (0.6, 0.4), 1.0, rules) == pytest.approx(base + 0.05)
    assert conviction(0.5, 0.4, (), 1.0, rules) == pytest.approx(base - 0.15)
    assert conviction(0.5, 0.4, (0.6, 0.4), 0.9, rules) == pytest.approx(base * 0.9)


def test_conviction_weights_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="summing to 1"):
        ConvictionRules(weight_performance=0.5)


def test_size_is_whole_units_of_the_budget() -> None:
    params = IdeaParams(account_usd=100_000, risk_per_idea=0.01)
    assert size(300.0, params) == 3
    assert size(1001.0, params) == 0
    assert size(math.inf, params) == 0
    assert size(0.0, params) == 0


def _leg(strike: float, right: str, qty: int) -> Leg:
    return Leg(
        root="SPXW",
        expiry=dt.date(2024, 4, 5),
        expiry_ts=dt.datetime(2024, 4, 5, 20, tzinfo=dt.UTC),
        strike=strike,
        right=OptionRight(right),
        quantity=qty,
        bid=1.0,
        ask=1.1,
        mid=1.05,
        iv=0.2,
        delta=0.5,
    )


AT_EXPIRY = dt.datetime(2024, 4, 5, 20, tzinfo=dt.UTC)


def test_position_plan_values_the_legs_at_the_target_and_stop() -> None:
    plan = UnderlyingPlan(entry=5000.0, target=5060.0, stop=4990.0)
    legs = (_leg(5000.0, "C", 1), _leg(5050.0, "C", -1))
    p = position_plan(legs, plan, 2000.0, AT_EXPIRY, 0.0, PlanRules())
    assert p.target == pytest.approx(5000.0)  # the spread's full width at expiry
    assert p.stop == pytest.approx(1000.0)  # worth 0 at 4990: the 50 % premium floor first


def test_position_stop_of_a_credit_is_twice_the_credit_at_most() -> None:
    plan = UnderlyingPlan(entry=5000.0, target=4950.0, stop=5040.0)
    legs = (_leg(5020.0, "C", -1), _leg(5045.0, "C", 1))
    p = position_plan(legs, plan, -500.0, AT_EXPIRY, 0.0, PlanRules())
    assert p.target == 0.0
    assert p.stop == pytest.approx(-1000.0)  # -2000 at 5040 is worse: the 2x credit floor first
    loose = position_plan(legs, plan, -500.0, AT_EXPIRY, 0.0, PlanRules(credit_stop_multiple=5))
    assert loose.stop == pytest.approx(-2000.0)


def test_position_stop_that_would_be_a_gain_uses_the_floor() -> None:
    # A straddle is worth more at a far "stop" than it cost: only the premium floor applies.
    plan = UnderlyingPlan(entry=5000.0, target=5100.0, stop=4800.0)
    legs = (_leg(5000.0, "C", 1), _leg(5000.0, "P", 1))
    p = position_plan(legs, plan, 3000.0, AT_EXPIRY, 0.0, PlanRules())
    assert p.stop == pytest.approx(1500.0)
