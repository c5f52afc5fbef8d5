"""Entry, target and stop (underlying and position), size, and conviction of an idea.

**Underlying plan** (``underlying_plan``; base_system.md 7.2, improved). Entry ``E`` = spot (the
original entered at the signal's strike, which is not a price one can fill at). Only levels with
strength >= ``min_level_strength`` count. For a bullish idea:

* target = the nearest level whose zone starts above ``E + m`` (``m = min_target_atr * ATR``)
  when it lies within ``E + target_atr * ATR``; otherwise ``E + target_atr * ATR``;
* stop = the nearest level whose zone ends below ``E - min_stop_atr * ATR``, within
  ``E - stop_atr * ATR``, minus ``stop_buffer_atr * ATR`` (beyond the level that invalidates
  the idea); otherwise ``E - stop_atr * ATR``.

Bearish is the mirror image. Neutral ideas get a band (the nearest qualifying level on each
side, else ``stop_atr`` ATR): ``target`` = the pin (or ``E``), ``stop`` = the nearer edge.
Volatile ideas get a band of targets (the levels, else ``target_atr`` ATR each way): ``target``
= the nearer one, ``stop`` = ``E`` (the idea fails if the underlying goes nowhere; its time stop
is ``horizon_end``).

**Time the target needs** (``needed_hours``): a move of ``D`` dollars is about one standard
deviation after ``(D / ATR)^2`` sessions (diffusion scaling of the daily range), so an idea needs
``max(min_hold_hours, (D / ATR)^2 * session_hours)`` trading hours; neutral ideas need
``min_hold_hours`` (they run to expiry). No idea is placed on a series that stops trading sooner.

**Position plan** (``position_plan``): the structure's model value (each leg by
Black-Scholes-Merton at its IV and carry, sticky strike; settled legs at intrinsic) with the
underlying at the target and at the stop, at ``horizon_end``, floored (whichever comes first)
at ``(1 - max_premium_loss) * net`` for a debit and ``credit_stop_multiple * net`` for a credit
(buying it back at twice the credit by default). Where the underlying's stop would not be a loss
(a two-sided structure), the floor alone is the stop.

**Size** (``size``): ``floor(account_usd * risk_per_idea / risk_per_unit)`` with the risk per
unit the max loss (``risk_basis = "max_loss"``, when finite) or ``net - position stop``.

**Conviction** (``conviction``; framework.md 4.1's performance-based mapping):
``w_perf * performance + w_signal * signal + w_level * level`` times the time-of-day, 0DTE and
sector factors, clipped to 0..1. ``performance = (wins + prior * n0) / (n + n0)`` (the prior win
rate counted as ``prior_trades`` pseudo-trades; the prior alone until a track record exists),
``signal`` the integrated score that called for the strategy, ``level`` the mean strength of the
levels the plan used (0 for ATR fallbacks).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from eots.ideas.model import Direction, Leg, PositionPlan, Strategy, UnderlyingPlan
from eots.ideas.params import ConvictionRules, IdeaParams, PlanRules
from eots.ideas.payoff import value_at
from eots.levels import KeyLevels, Level
from eots.signals.model import SignalIntegration


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanResult:
    """An underlying plan with the levels it used and the sentences that explain it."""

    plan: UnderlyingPlan
    level_strengths: tuple[float, ...]
    notes: tuple[str, ...]


def _usable(levels: KeyLevels, rules: PlanRules) -> tuple[Level, ...]:
    return tuple(lv for lv in levels.levels if lv.strength >= rules.min_level_strength)


def _describe(lv: Level) -> str:
    return f"{lv.kind.value} ({lv.timeframe.value}) {lv.price:,.2f} strength {lv.strength:.2f}"


def _beyond(
    usable: tuple[Level, ...], entry: float, near: float, far: float, up: bool
) -> Level | None:
    """Nearest level whose zone lies entirely beyond ``entry + near`` (up) and within ``far``."""
    if up:
        inside = [lv for lv in usable if entry + near < lv.low <= entry + far]
        return min(inside, key=lambda lv: lv.low, default=None)
    inside = [lv for lv in usable if entry - far <= lv.high < entry - near]
    return max(inside, key=lambda lv: lv.high, default=None)


def _target(
    usable: tuple[Level, ...], entry: float, atr: float, up: bool, rules: PlanRules
) -> tuple[float, Level | None]:
    sign = 1.0 if up else -1.0
    lv = _beyond(usable, entry, rules.min_target_atr * atr, rules.target_atr * atr, up)
    if lv is None:
        return entry + sign * rules.target_atr * atr, None
    return (lv.low if up else lv.high), lv


def _stop(
    usable: tuple[Level, ...], entry: float, atr: float, up: bool, rules: PlanRules
) -> tuple[float, Level | None]:
    # ``up`` is the trade's direction; the invalidating level lies the other way.
    sign = 1.0 if up else -1.0
    lv = _beyond(usable, entry, rules.min_stop_atr * atr, rules.stop_atr * atr, not up)
    if lv is None:
        return entry - sign * rules.stop_atr * atr, None
    edge = lv.low if up else lv.high
    return edge - sign * rules.stop_buffer_atr * atr, lv


def underlying_plan(
    direction: Direction,
    spot: float,
    levels: KeyLevels,
    atr: float,
    rules: PlanRules,
    pin: float | None = None,
) -> PlanResult:
    """Return entry, target and stop on the underlying (module docstring)."""
    usable = _usable(levels, rules)
    if direction in (Direction.BULLISH, Direction.BEARISH):
        up = direction is Direction.BULLISH
        target, t_lv = _target(usable, spot, atr, up, rules)
        stop, s_lv = _stop(usable, spot, atr, up, rules)
        notes = (
            f"target {target:,.2f}: "
            + (_describe(t_lv) if t_lv else f"no level within {rules.target_atr} ATR, ATR target"),
            f"stop {stop:,.2f}: "
            + (
                f"beyond {_describe(s_lv)} that invalidates the idea"
                if s_lv
                else f"no level within {rules.stop_atr} ATR, ATR stop"
            ),
        )
        strengths = tuple(lv.strength for lv in (t_lv, s_lv) if lv is not None)
        return PlanResult(
            plan=UnderlyingPlan(entry=spot, target=target, stop=stop),
            level_strengths=strengths,
            notes=notes,
        )
    if direction is Direction.NEUTRAL:
        hi, hi_lv = _stop(usable, spot, atr, False, rules)
        lo, lo_lv = _stop(usable, spot, atr, True, rules)
        centre = pin if pin is not None and lo < pin < hi else spot
        stop = hi if hi - spot <= spot - lo else lo
        notes = (
            f"range {lo:,.2f}..{hi:,.2f}: "
            + ", ".join(_describe(lv) if lv else "ATR edge" for lv in (lo_lv, hi_lv)),
            f"centre {centre:,.2f}" + (" (the pin)" if centre == pin else " (spot)"),
        )
        strengths = tuple(lv.strength for lv in (lo_lv, hi_lv) if lv is not None)
        return PlanResult(
            plan=UnderlyingPlan(entry=spot, target=centre, stop=stop, band=(lo, hi)),
            level_strengths=strengths,
            notes=notes,
        )
    up_t, up_lv = _target(usable, spot, atr, True, rules)
    dn_t, dn_lv = _target(usable, spot, atr, False, rules)
    target = up_t if up_t - spot <= spot - dn_t else dn_t
    notes = (
        f"move targets {dn_t:,.2f} / {up_t:,.2f}: "
        + ", ".join(_describe(lv) if lv else "ATR target" for lv in (dn_lv, up_lv)),
        "stop: the underlying going nowhere (time stop at the horizon)",
    )
    strengths = tuple(lv.strength for lv in (dn_lv, up_lv) if lv is not None)
    return PlanResult(
        plan=UnderlyingPlan(entry=spot, target=target, stop=spot, band=(dn_t, up_t)),
        level_strengths=strengths,
        notes=notes,
    )


def needed_hours(plan: UnderlyingPlan, direction: Direction, atr: float, rules: PlanRules) -> float:
    """Return the trading hours the idea's target needs (module docstring)."""
    if direction is Direction.NEUTRAL:
        return rules.min_hold_hours
    distance = abs(plan.target - plan.entry)
    return max(rules.min_hold_hours, (distance / atr) ** 2 * rules.session_hours)


def position_plan(
    legs: tuple[Leg, ...],
    plan: UnderlyingPlan,
    net: float,
    at: dt.datetime,
    rate: float,
    rules: PlanRules,
) -> PositionPlan:
    """Return the position's value ($, one unit) at the underlying target and stop at ``at``."""
    target_value, stop_value = value_at(legs, np.array([plan.target, plan.stop]), at, rate)
    floor = (1.0 - rules.max_premium_loss) * net if net > 0 else rules.credit_stop_multiple * net
    # The underlying's stop only counts where it is a loss (a two-sided structure can gain there).
    stop = max(float(stop_value), floor) if stop_value < net else floor
    return PositionPlan(target=float(target_value), stop=stop)


def risk_per_unit(net: float, max_loss: float, position: PositionPlan, basis: str) -> float:
    """Return $ at risk for one unit: the max loss, or entry minus the position stop."""
    if basis == "max_loss" and math.isfinite(max_loss):
        return max_loss
    return net - position.stop


def size(risk_usd: float, params: IdeaParams) -> int:
    """Return whole units for the configured account risk (0: one unit risks too much)."""
    if not (risk_usd > 0 and math.isfinite(risk_usd)):
        return 0
    return math.floor(params.account_usd * params.risk_per_idea / risk_usd)


def performance(
    strategy: Strategy, record: Mapping[str, tuple[int, int]] | None, rules: ConvictionRules
) -> tuple[float, str]:
    """Return the shrunk win rate of the strategy and a sentence saying where it came from."""
    wins, n = (record or {}).get(strategy.value, (0, 0))
    value = (wins + rules.prior_win_rate * rules.prior_trades) / (n + rules.prior_trades)
    if n == 0:
        return value, f"performance {value:.2f}: prior (no closed {strategy.value} ideas yet)"
    return value, (
        f"performance {value:.2f}: {wins}/{n} {strategy.value} ideas won, shrunk to the prior "
        f"{rules.prior_win_rate:.2f} with {rules.prior_trades:g} pseudo-trades"
    )


def signal_strength(direction: Direction, strategy: Strategy, integ: SignalIntegration) -> float:
    """Return the integrated score that called for the strategy, on 0..1."""
    if strategy in (Strategy.CALENDAR, Strategy.DIAGONAL):
        return min(1.0, integ.time_decay_score)
    if direction in (Direction.BULLISH, Direction.BEARISH):
        return min(1.0, abs(integ.direction_score))
    if direction is Direction.VOLATILE:
        return min(1.0, max(integ.volatility_score, 0.0))
    return min(1.0, max(integ.time_decay_score, -integ.volatility_score, 0.0))


def conviction(
    perf: float,
    signal: float,
    level_strengths: tuple[float, ...],
    factor: float,
    rules: ConvictionRules,
) -> float:
    """Return the 0..1 conviction (module docstring)."""
    level = float(np.mean(level_strengths)) if level_strengths else 0.0
    raw = (
        rules.weight_performance * perf + rules.weight_signal * signal + rules.weight_level * level
    )
    return min(1.0, max(0.0, raw * factor))
