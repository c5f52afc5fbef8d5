"""The legs of each strategy on real contracts of the book (rules in ``select``'s docstring).

``structure_legs`` returns the legs of one strategy on the chosen series (and, for calendars and
diagonals, the far series), or a sentence saying why the chain cannot carry it. Quantities are
one unit (a butterfly's body is two); strikes come from the plan's levels where it names them,
otherwise from delta targets, and wings are ``wing_atr`` ATR wide (nearest listed strike).
"""

from __future__ import annotations

from dataclasses import dataclass

from eots.ideas.model import Direction, Leg, Strategy, UnderlyingPlan
from eots.ideas.params import ContractRules
from eots.ideas.select import (
    Book,
    Series,
    by_delta,
    by_strike,
    straddle_strike,
    symmetric_wings,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StructureRequest:
    """What a structure is built from: the strategy, its plan, the series and the ATR."""

    strategy: Strategy
    direction: Direction
    plan: UnderlyingPlan
    near: Series
    far: Series | None
    atr: float
    pin: float | None


def structure_legs(bk: Book, req: StructureRequest, rules: ContractRules) -> tuple[Leg, ...] | str:
    """Return the legs of ``req.strategy`` from the book, or why they cannot be built."""
    builder = _BUILDERS[req.strategy]
    rows = builder(bk, req, rules)
    if isinstance(rows, str):
        return rows
    if len({r for r, _ in rows}) != len(rows):
        return f"{req.strategy.value}: the chain has no distinct strikes for its legs"
    return tuple(bk.leg(r, q) for r, q in rows)


Rows = list[tuple[int, int]] | str


def _missing(what: str, s: Series) -> str:
    return f"no tradable {what} on {s.root} {s.expiry}"


def _long_single(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    call = req.strategy is Strategy.LONG_CALL
    row = by_delta(bk, req.near, call, rules.long_delta)
    return _missing("option near the delta target", req.near) if row is None else [(row, 1)]


def _debit_spread(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    call = req.strategy is Strategy.CALL_DEBIT_SPREAD
    long_row = by_delta(bk, req.near, call, rules.long_delta)
    if long_row is None:
        return _missing("long leg", req.near)
    k_long = bk.strike[long_row]
    side = "at_or_above" if call else "at_or_below"
    beyond = req.plan.target > k_long if call else req.plan.target < k_long
    short_row = by_strike(bk, req.near, call, req.plan.target, side) if beyond else None
    if short_row is None or short_row == long_row:
        short_row = by_delta(bk, req.near, call, rules.spread_short_delta)
    if short_row is None or (
        bk.strike[short_row] <= k_long if call else bk.strike[short_row] >= k_long
    ):
        return _missing("short leg beyond the long strike", req.near)
    return [(long_row, 1), (short_row, -1)]


def _credit_spread(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    call = req.strategy is Strategy.CALL_CREDIT_SPREAD
    short_row = by_delta(bk, req.near, call, rules.credit_short_delta)
    if short_row is None:
        return _missing("short leg", req.near)
    k_short = float(bk.strike[short_row])
    wing = rules.wing_atr * req.atr
    side = "at_or_above" if call else "at_or_below"
    long_row = by_strike(bk, req.near, call, k_short + wing if call else k_short - wing, side)
    if long_row is None or long_row == short_row:
        return _missing("protective wing", req.near)
    return [(short_row, -1), (long_row, 1)]


def _straddle(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    k = straddle_strike(bk, req.near)
    if k is None:
        return _missing("call and put at one strike", req.near)
    c = by_strike(bk, req.near, True, k)
    p = by_strike(bk, req.near, False, k)
    if c is None or p is None:
        return _missing(f"call and put at {k:g}", req.near)
    return [(c, 1), (p, 1)]


def _strangle(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    c = by_delta(bk, req.near, True, rules.strangle_delta)
    p = by_delta(bk, req.near, False, rules.strangle_delta)
    if c is None or p is None or bk.strike[c] <= bk.strike[p]:
        return _missing("OTM call and put at the strangle delta", req.near)
    return [(c, 1), (p, 1)]


def _condor(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    lo, hi = req.plan.band or (req.plan.entry, req.plan.entry)
    sc = by_strike(bk, req.near, True, hi, "at_or_above")
    sp = by_strike(bk, req.near, False, lo, "at_or_below")
    dc = by_delta(bk, req.near, True, rules.condor_short_delta)
    dp = by_delta(bk, req.near, False, rules.condor_short_delta)
    # Shorts beyond the range's edges, and never closer to spot than the delta target.
    if sc is None or (dc is not None and bk.strike[dc] > bk.strike[sc]):
        sc = dc
    if sp is None or (dp is not None and bk.strike[dp] < bk.strike[sp]):
        sp = dp
    if sc is None or sp is None or bk.strike[sc] <= bk.strike[sp]:
        return _missing("short call and put outside the range", req.near)
    wing = rules.wing_atr * req.atr
    lc = by_strike(bk, req.near, True, float(bk.strike[sc]) + wing, "at_or_above")
    lp = by_strike(bk, req.near, False, float(bk.strike[sp]) - wing, "at_or_below")
    if lc is None or lp is None or lc == sc or lp == sp:
        return _missing("condor wings", req.near)
    return [(lp, 1), (sp, -1), (sc, -1), (lc, 1)]


def _butterfly(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    centre = req.pin if req.pin is not None else req.plan.target
    call = centre >= req.near.forward
    body = by_strike(bk, req.near, call, centre)
    if body is None:
        return _missing("body strike", req.near)
    rows = symmetric_wings(bk, req.near, call, float(bk.strike[body]), rules.wing_atr * req.atr)
    if rows is None:
        return _missing("symmetric wings around the body", req.near)
    lo, mid, hi = rows
    return [(lo, 1), (mid, -2), (hi, 1)]


def _calendar(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    if req.far is None:
        return "calendar: no far series"
    directional = req.direction in (Direction.BULLISH, Direction.BEARISH)
    centre = req.plan.target if directional else (req.pin or req.plan.entry)
    call = req.direction is not Direction.BEARISH
    near = by_strike(bk, req.near, call, centre)
    if near is None:
        return _missing("near leg", req.near)
    far = by_strike(bk, req.far, call, float(bk.strike[near]))
    if far is None or bk.strike[far] != bk.strike[near]:
        return _missing(f"far leg at {bk.strike[near]:g}", req.far)
    return [(near, -1), (far, 1)]


def _diagonal(bk: Book, req: StructureRequest, rules: ContractRules) -> Rows:
    if req.far is None:
        return "diagonal: no far series"
    call = req.direction is not Direction.BEARISH
    far = by_delta(bk, req.far, call, rules.long_delta)
    if far is None:
        return _missing("diagonal far leg", req.far)
    side = "at_or_above" if call else "at_or_below"
    beyond = req.plan.target > bk.strike[far] if call else req.plan.target < bk.strike[far]
    near = by_strike(bk, req.near, call, req.plan.target, side) if beyond else None
    if near is None:
        near = by_delta(bk, req.near, call, rules.diagonal_short_delta)
    if near is None:
        return _missing("diagonal legs", req.near)
    k_far, k_near = bk.strike[far], bk.strike[near]
    if (k_near <= k_far) if call else (k_near >= k_far):
        return _missing("short strike beyond the long one", req.near)
    return [(near, -1), (far, 1)]


_BUILDERS = {
    Strategy.LONG_CALL: _long_single,
    Strategy.LONG_PUT: _long_single,
    Strategy.CALL_DEBIT_SPREAD: _debit_spread,
    Strategy.PUT_DEBIT_SPREAD: _debit_spread,
    Strategy.CALL_CREDIT_SPREAD: _credit_spread,
    Strategy.PUT_CREDIT_SPREAD: _credit_spread,
    Strategy.LONG_STRADDLE: _straddle,
    Strategy.LONG_STRANGLE: _strangle,
    Strategy.IRON_CONDOR: _condor,
    Strategy.BUTTERFLY: _butterfly,
    Strategy.CALENDAR: _calendar,
    Strategy.DIAGONAL: _diagonal,
}
