"""``trade_ideas``: the ideas of one snapshot, each on real contracts at executable prices.

Steps (framework.md 4.1 and 4.4; rules in ``select``, ``structures``, ``risk``, ``density``,
``spx_spy``):

1. time of day: outside the session or inside the no-entry window before the close, no ideas;
2. the book: contracts with valid two-sided quotes (none: no ideas, and the report says why);
3. strategies from the integrated scores (``select.strategy_candidates``);
4. for each: the plan on the underlying from levels and ATR, the time its target needs, the
   series (expiry) that leaves that time, the legs, the executable price (buy at the ask, sell at
   the bid by default), the payoff (max profit/loss, breakevens), net greeks, the horizon, the
   plan on the position's value, the size for the account risk, PoP and EV from the chain's
   risk-neutral density at the first expiry, the conviction and the rationale;
5. ideas below ``min_conviction`` or sized 0 are dropped with the reason; the rest are ranked by
   conviction, then EV, and cut to ``max_ideas``.

Everything that was skipped is in ``IdeaReport.skipped`` as a sentence.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from eots.core.time import ET
from eots.core.types import Exercise, underlying_spec
from eots.ideas.density import Density, NoDensity, SmileQuotes, pop_ev, risk_neutral_density
from eots.ideas.inputs import IdeaInputs
from eots.ideas.model import Direction, Leg, Price, Strategy, TradeIdea, UnderlyingPlan
from eots.ideas.params import IdeaParams
from eots.ideas.payoff import first_expiry, net_greeks, payoff_summary, value_at
from eots.ideas.risk import (
    conviction,
    needed_hours,
    performance,
    position_plan,
    risk_per_unit,
    signal_strength,
    size,
    underlying_plan,
)
from eots.ideas.select import (
    Book,
    Candidate,
    Series,
    SeriesChoice,
    book,
    choose_series,
    strategy_candidates,
)
from eots.ideas.spx_spy import (
    TimeOfDay,
    after_trading_hours,
    companion_symbol,
    expiration_calendar,
    ratio_note,
    spx_per_spy,
    time_of_day,
    translate,
    vehicle_reasons,
)
from eots.ideas.structures import StructureRequest, structure_legs
from eots.levels import stars
from eots.signals.model import Signal, SignalFamily

#: Series tried, best first, before a structure is given up (far strikes of a 0DTE series often
#: have no bid; the next expiry may carry the structure).
_SERIES_TRIED = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaReport:
    """The ideas of one snapshot (best first) and every step or candidate that was skipped."""

    ideas: tuple[TradeIdea, ...]
    skipped: tuple[str, ...]


def trade_ideas(inputs: IdeaInputs, params: IdeaParams) -> IdeaReport:
    """Return the trade ideas of one snapshot.

    Parameters
    ----------
    inputs
        Snapshot, priced contracts, levels, ATR, integrated signals and optional context.
    params
        Account, rules and thresholds.

    Returns
    -------
    IdeaReport
        Ideas ranked by conviction then EV, and the reasons for everything skipped.
    """
    skipped: list[str] = []
    if inputs.sector is None:
        skipped.append("sector rotation: no sector data given, step skipped")
    if inputs.companion_spot is None and companion_symbol(inputs.underlying) is not None:
        skipped.append(
            f"SPX/SPY translation: no {companion_symbol(inputs.underlying)} spot given, skipped"
        )
    tod = time_of_day(inputs.ts_event, inputs.session, params.session)
    bk = book(inputs.contracts, params.contracts)
    quotes = (
        f"{bk.n_valid} of {bk.n_contracts} contracts have a valid two-sided quote"
        if bk.n_valid
        else f"none of {bk.n_contracts} contracts has a valid two-sided quote"
    )
    if tod.blocked:
        return IdeaReport(ideas=(), skipped=(*skipped, *(f"{n} ({quotes})" for n in tod.notes)))
    if bk.n_valid == 0:
        return IdeaReport(
            ideas=(),
            skipped=(
                *skipped,
                f"no executable quotes: none of {bk.n_contracts} contracts has a valid two-sided "
                "quote (bid > 0, ask >= bid); after-hours downloads usually carry none",
            ),
        )
    if not bk.tradable.any():
        return IdeaReport(
            ideas=(),
            skipped=(
                *skipped,
                f"no tradable contract: {bk.n_valid} two-sided quotes, none with a spread within "
                f"{params.contracts.max_relative_spread:.0%} of mid and finite IV and greeks",
            ),
        )
    candidates = strategy_candidates(inputs.integration, params.strategies)
    if not candidates:
        i = inputs.integration
        skipped.append(
            f"no strategy: no integrated score crosses a threshold (direction "
            f"{i.direction_score:+.2f}, volatility {i.volatility_score:+.2f}, time decay "
            f"{i.time_decay_score:.2f})"
        )
    densities: dict[int, Density | NoDensity] = {}
    ideas: list[TradeIdea] = []
    for cand in candidates:
        result = _idea(cand, inputs, params, bk, tod, densities)
        if isinstance(result, str):
            skipped.append(f"{cand.strategy.value}: {result}")
        elif result.conviction < params.min_conviction:
            skipped.append(
                f"{cand.strategy.value}: conviction {result.conviction:.2f} below "
                f"{params.min_conviction:.2f}"
            )
        else:
            ideas.append(result)
    ranked = sorted(
        ideas, key=lambda x: (-x.conviction, -(x.ev if x.ev is not None else -math.inf))
    )
    skipped.extend(
        f"{dropped.strategy.value}: beyond max_ideas ({params.max_ideas})"
        for dropped in ranked[params.max_ideas :]
    )
    return IdeaReport(ideas=tuple(ranked[: params.max_ideas]), skipped=tuple(skipped))


def _idea(
    cand: Candidate,
    inputs: IdeaInputs,
    params: IdeaParams,
    bk: Book,
    tod: TimeOfDay,
    densities: dict[int, Density | NoDensity],
) -> TradeIdea | str:
    pin = inputs.integration.pin_strike
    pr = underlying_plan(cand.direction, inputs.spot, inputs.levels, inputs.atr, params.plan, pin)
    hours = needed_hours(pr.plan, cand.direction, inputs.atr, params.plan)
    choice = choose_series(bk, inputs.ts_event, hours, params.contracts)
    if not choice.series:
        return choice.reason
    built = _build(cand, inputs, params, bk, choice, hours, pr.plan)
    if isinstance(built, str):
        return built
    legs, near, far, trading = built
    price = _price(legs, params.fill)
    summary = payoff_summary(legs, price.net, inputs.rate, inputs.spot)
    neutral = cand.direction is Direction.NEUTRAL or far is not None
    horizon = (
        near.last_trade
        if neutral
        else min(after_trading_hours(inputs.ts_event, hours), near.last_trade)
    )
    position = position_plan(legs, pr.plan, price.net, horizon, inputs.rate, params.plan)
    if position.target <= price.net:
        return (
            f"at its target by {horizon.astimezone(ET):%Y-%m-%d %H:%M ET} the position is worth "
            f"${position.target:,.2f}, not more than its price ${price.net:,.2f}"
        )
    risk_usd = risk_per_unit(price.net, summary.max_loss, position, params.risk_basis)
    units = size(risk_usd, params)
    if units == 0:
        smaller = ""
        if inputs.underlying.upper() == "SPX" and inputs.companion_spot is not None:
            ratio = spx_per_spy("SPX", inputs.spot, inputs.companion_spot)
            smaller = f"; SPY carries about 1/{ratio:.2f} of the notional per contract"
        return (
            f"one unit risks ${risk_usd:,.2f}, more than the budget "
            f"${params.account_usd * params.risk_per_idea:,.2f}{smaller}"
        )
    density = densities.get(near.index)
    if density is None:
        density = _density(bk, near, params)
        densities[near.index] = density
    at = first_expiry(legs)
    pe = None
    if isinstance(density, Density):
        pe = pop_ev(
            density,
            lambda x: value_at(legs, x, at, inputs.rate),
            price.net,
            summary.breakevens,
            math.exp(-inputs.rate * near.t_years),
        )
    perf, perf_note = performance(cand.strategy, inputs.track_record, params.conviction)
    sig = signal_strength(cand.direction, cand.strategy, inputs.integration)
    zero_dte = near.expiry == inputs.session
    factor, factor_notes = _factors(cand.direction, inputs, params, tod, zero_dte)
    conv = conviction(perf, sig, pr.level_strengths, factor, params.conviction)
    backers = _backers(cand, inputs.signals)
    rationale = (
        f"{cand.strategy.value} ({cand.direction.value}): {cand.rule}",
        *(f"signal {s.name}: score {s.score:+.2f}, {s.stars} stars" for s in backers),
        *pr.notes,
        _timing(near, far, inputs, trading, hours, zero_dte),
        *vehicle_reasons(inputs.underlying, near.root, inputs.spot, legs[0].multiplier),
        *_translation(inputs, pr.plan.entry, pr.plan.target, pr.plan.stop, params),
        _density_note(density, price),
        perf_note,
        f"conviction {conv:.2f} = (performance {perf:.2f} x {params.conviction.weight_performance}"
        f" + signal {sig:.2f} x {params.conviction.weight_signal} + level "
        f"{(float(np.mean(pr.level_strengths)) if pr.level_strengths else 0.0):.2f} x "
        f"{params.conviction.weight_level}) x {factor:.2f}",
        *factor_notes,
        f"size {units} for ${params.account_usd * params.risk_per_idea:,.0f} at risk "
        f"(${risk_usd:,.2f} per unit, {params.risk_basis})",
    )
    return TradeIdea(
        idea_id=_idea_id(inputs, cand.strategy, legs),
        ts_event=inputs.ts_event,
        underlying=inputs.underlying,
        strategy=cand.strategy,
        direction=cand.direction,
        legs=legs,
        price=price,
        max_profit=summary.max_profit,
        max_loss=summary.max_loss,
        breakevens=summary.breakevens,
        greeks=net_greeks(legs),
        underlying_plan=pr.plan,
        position=position,
        size=units,
        conviction=conv,
        stars=stars(conv),
        pop=pe.pop if pe else None,
        ev=pe.ev if pe else None,
        vehicle=_vehicle(inputs.underlying, near),
        rationale=rationale,
        horizon_end=horizon,
        signals=tuple(s.name for s in backers),
        spread_cost=price.net - price.mid_net,
        regime=inputs.integration.regime,
        conviction_components=(
            ("performance", perf),
            ("signal_strength", sig),
            ("level_strength", float(np.mean(pr.level_strengths)) if pr.level_strengths else 0.0),
        ),
    )


def _build(
    cand: Candidate,
    inputs: IdeaInputs,
    params: IdeaParams,
    bk: Book,
    choice: SeriesChoice,
    hours: float,
    plan: UnderlyingPlan,
) -> tuple[tuple[Leg, ...], Series, Series | None, float] | str:
    """Legs on the first qualifying series that can carry the structure (at most
    ``_SERIES_TRIED`` series are tried), or the first series' reason."""
    reasons: list[str] = []
    for near, trading in list(zip(choice.series, choice.trading_hours, strict=True))[
        :_SERIES_TRIED
    ]:
        far: Series | None = None
        if cand.strategy in (Strategy.CALENDAR, Strategy.DIAGONAL):
            far_choice = choose_series(bk, inputs.ts_event, hours, params.contracts, after=near)
            if not far_choice.series:
                reasons.append(
                    f"no far series {params.contracts.calendar_far_min_days}+ days after "
                    f"{near.expiry}"
                )
                continue
            far = far_choice.series[0]
        req = StructureRequest(
            strategy=cand.strategy,
            direction=cand.direction,
            plan=plan,
            near=near,
            far=far,
            atr=inputs.atr,
            pin=inputs.integration.pin_strike,
        )
        legs = structure_legs(bk, req, params.contracts)
        if not isinstance(legs, str):
            return legs, near, far, trading
        reasons.append(legs)
    return reasons[0]


def _price(legs: tuple[Leg, ...], fill: str) -> Price:
    mid = sum(g.quantity * g.multiplier * g.mid for g in legs)
    if fill == "mid":
        return Price(net=mid, fill=fill, mid_net=mid)
    net = sum(g.quantity * g.multiplier * (g.ask if g.quantity > 0 else g.bid) for g in legs)
    return Price(net=net, fill=fill, mid_net=mid)


def _density(bk: Book, series: Series, params: IdeaParams) -> Density | NoDensity:
    rows = bk.series == series.index
    quotes = SmileQuotes(
        strike=bk.strike[rows],
        is_call=bk.is_call[rows],
        iv=bk.iv[rows],
        delta=bk.delta[rows],
        vega=bk.vega[rows],
        half_spread=(bk.ask[rows] - bk.bid[rows]) / 2.0,
    )
    return risk_neutral_density(quotes, series.forward, series.t_years, params.density)


def _density_note(density: Density | NoDensity, price: Price) -> str:
    spread = price.net - price.mid_net
    if isinstance(density, NoDensity):
        return f"PoP/EV: not estimated ({density.reason})"
    return (
        f"PoP/EV from the risk-neutral density of the first expiry (smile fitted to "
        f"{density.n_quotes} quotes, Breeden-Litzenberger); EV net of ${spread:,.2f} spread paid"
    )


def _factors(
    direction: Direction, inputs: IdeaInputs, params: IdeaParams, tod: TimeOfDay, zero_dte: bool
) -> tuple[float, tuple[str, ...]]:
    factor = tod.factor
    notes = list(tod.notes)
    if zero_dte and params.session.zero_dte_factor != 1.0:
        factor *= params.session.zero_dte_factor
        notes.append(f"0DTE: conviction x{params.session.zero_dte_factor:.2f}")
    if inputs.sector is not None:
        if direction in (Direction.BULLISH, Direction.BEARISH):
            sign = 1.0 if direction is Direction.BULLISH else -1.0
            f = 1.0 + params.session.sector_weight * sign * inputs.sector.score
            factor *= f
            notes.append(
                f"sector rotation {inputs.sector.score:+.2f} ({inputs.sector.description}): "
                f"conviction x{f:.2f}"
            )
        else:
            notes.append(
                f"sector rotation {inputs.sector.score:+.2f}: no adjustment for a "
                f"{direction.value} idea"
            )
    return factor, tuple(notes)


def _backers(cand: Candidate, signals: tuple[Signal, ...]) -> tuple[Signal, ...]:
    if cand.direction in (Direction.BULLISH, Direction.BEARISH):
        want = 1 if cand.direction is Direction.BULLISH else -1
        fams = {SignalFamily.DIRECTIONAL, SignalFamily.COMPLEX}
        keep = [s for s in signals if s.family in fams and s.direction == want]
    elif cand.direction is Direction.VOLATILE:
        keep = [s for s in signals if s.family is SignalFamily.VOLATILITY and s.direction > 0]
    else:
        keep = [
            s
            for s in signals
            if s.family is SignalFamily.TIME_DECAY
            or (s.family is SignalFamily.VOLATILITY and s.direction < 0)
        ]
    return tuple(sorted(keep, key=lambda s: (-s.strength, s.name))[:3])


def _timing(
    near: Series,
    far: Series | None,
    inputs: IdeaInputs,
    trading: float,
    needed: float,
    zero_dte: bool,
) -> str:
    kinds = [
        e
        for e in expiration_calendar(inputs.underlying, near.expiry, near.expiry)
        if e.root == near.root
    ]
    cycle = "/".join(k.value for k in kinds[0].kinds) if kinds else "not in the standard calendar"
    to_settle = (near.expiry_ts - inputs.ts_event).total_seconds() / 3600.0
    head = (
        f"0DTE: {to_settle:.1f} h to settlement"
        if zero_dte
        else f"{(near.expiry - inputs.session).days} DTE, {to_settle:.1f} h to settlement"
    )
    far_text = (
        f"; far leg {far.root} {far.expiry}: payoff, breakevens and PoP at the first expiry "
        "with the far leg valued by Black-Scholes-Merton at its own IV"
        if far is not None
        else ""
    )
    return (
        f"{head} ({near.root} {near.expiry} {near.settlement.value}, {cycle}); "
        f"{trading:.1f} trading hours before its last trade, the target needs {needed:.1f}"
        f"{far_text}"
    )


def _translation(
    inputs: IdeaInputs, entry: float, target: float, stop: float, params: IdeaParams
) -> tuple[str, ...]:
    comp = companion_symbol(inputs.underlying)
    if comp is None or inputs.companion_spot is None:
        return ()
    ratio = spx_per_spy(inputs.underlying, inputs.spot, inputs.companion_spot)
    tr = [translate(x, inputs.underlying, ratio) for x in (entry, target, stop)]
    out = [
        f"{comp} equivalents at the live ratio {ratio:.4f}: entry {tr[0]:,.2f}, target "
        f"{tr[1]:,.2f}, stop {tr[2]:,.2f}"
    ]
    drift = ratio_note(ratio, inputs.companion_ratio_ref, params.session)
    if drift is not None:
        out.append(drift)
    return tuple(out)


def _vehicle(underlying: str, near: Series) -> str:
    spec = underlying_spec(underlying)
    kind = "cash, European" if spec.exercise is Exercise.EUROPEAN else "physical, American"
    return f"{near.root} ({near.settlement.value}-settled, {kind})"


def _idea_id(inputs: IdeaInputs, strategy: Strategy, legs: tuple[Leg, ...]) -> str:
    key = "|".join(
        [inputs.underlying, inputs.ts_event.isoformat(), strategy.value]
        + [f"{g.root}:{g.expiry}:{g.strike:g}:{g.right.value}:{g.quantity}" for g in legs]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]
