"""The lifecycle step: one snapshot's marks move every live recommendation (framework.md 4.3).

``advance(book, marks, new_ideas, params)`` is pure: it returns the new book and the events that
produced it, in this order:

1. **De-duplication.** A snapshot at or before the last processed ``ts_event`` is ignored.
2. **Proposals.** Each new idea not seen before gets ``IdeaProposed``.
3. **Marks.** All legs of the live ideas are joined once against the snapshot's quotes (one polars
   join, no per-leg loop) and summed per idea: the entry cost (buy at the ask, sell at the bid),
   the exit value (sell at the bid, buy back at the ask), the mid and the fraction-of-spread
   value. A leg whose quote is missing or crossed (bid > ask) makes the idea unmarkable: no fill,
   no exit on quotes this snapshot.
4. **Entries.** A proposed idea fills at the entry cost when every leg is quoted
   (``EntryFilled``); one not filled by its ``horizon_end`` is ``Expired``.
5. **Exits** of ideas open before this snapshot, first trigger wins: settlement once the first
   leg's settlement instant has passed and the print is known (SPXW/SPY: the close, SPX AM: the
   special opening quotation of expiry day; expiring legs at intrinsic value, the rest at
   quotes); the underlying's plan stop/target touched by a bar since the previous snapshot
   (exit at this snapshot's quotes, the first quotes after the touch; stop first when one bar
   touches both); then on this snapshot the stop (position value <= stop, or spot beyond the
   plan's stop), the target (value >= target or spot beyond the plan's target), and the time exit
   at ``horizon_end``. The first target closes ``partial_fraction`` (``PartialExit``), moves the
   stop to breakeven and the target to the extended one (``StopAdjusted``); the remainder's stop
   then trails the value by ``atr_multiple * ATR * |delta|`` (``trail_fraction`` of the target
   distance without an ATR; ``TrailAdvanced``).
6. ``Marked``: the open ideas' marks and running excursions (always emitted: it records the
   processed snapshot).
7. ``IdeaClosed`` and ``OutcomeScored`` for every idea that exited, then the snapshot's external
   evidence (``OutcomeScored`` without an idea), then the learning rule (``WeightChanged``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import polars as pl

from eots.core.errors import ReplayError
from eots.core.types import Settlement, underlying_for_root
from eots.ideas.model import Direction, TradeIdea
from eots.tracking.book import Book, Position, apply
from eots.tracking.events import (
    EntryFilled,
    Event,
    Expired,
    IdeaClosed,
    IdeaProposed,
    Marked,
    OutcomeScored,
    PartialExit,
    Settled,
    StopAdjusted,
    StopHit,
    TargetHit,
    TimeExit,
    TrailAdvanced,
    WeightChanged,
)
from eots.tracking.learning import learn
from eots.tracking.marking import Values, fill_prices, leg_values, model_value
from eots.tracking.model import QUOTES_SCHEMA, FillPrices, MarkRow, Marks, Status, WeightGroup
from eots.tracking.outcomes import evidence, idea_outcome, partner
from eots.tracking.params import TrackingParams


class _Header(TypedDict):
    ts_event: dt.datetime
    ts_init: int
    snapshot_id: str
    fingerprint: str


class _Emitter:
    """Collects events and applies each to the book as it is made."""

    def __init__(self, book: Book, marks: Marks) -> None:
        self.book = book
        self.events: list[Event] = []
        self.header: _Header = {
            "ts_event": marks.ts_event,
            "ts_init": marks.ts_init,
            "snapshot_id": marks.snapshot_id,
            "fingerprint": marks.fingerprint,
        }

    def __call__(self, event: Event) -> None:
        self.book = apply(self.book, event)
        self.events.append(event)


def _check_idea(idea: TradeIdea, underlying: str) -> str | None:
    if idea.underlying != underlying:
        return f"underlying {idea.underlying}, the snapshot's is {underlying}"
    if not idea.legs:
        return "no legs"
    if not idea.position.target > idea.position.stop:
        return f"position target {idea.position.target} not above its stop {idea.position.stop}"
    if idea.underlying_plan.target == idea.underlying_plan.stop:
        return f"underlying plan target = stop = {idea.underlying_plan.stop}"
    if idea.horizon_end <= idea.ts_event:
        return f"horizon_end {idea.horizon_end.isoformat()} not after ts_event"
    return None


def _check(marks: Marks, new_ideas: Sequence[TradeIdea]) -> None:
    bad = [
        (i.idea_id, why) for i in new_ideas if (why := _check_idea(i, marks.underlying)) is not None
    ]
    if bad:
        raise ReplayError(f"snapshot {marks.snapshot_id}: ideas that cannot be tracked: {bad}")
    missing = [c for c in QUOTES_SCHEMA.names() if c not in marks.quotes.columns]
    if missing:
        raise ReplayError(f"snapshot {marks.snapshot_id}: quotes lack columns {missing}")
    late = [i.idea_id for i in new_ideas if i.ts_event > marks.ts_event]
    late += [
        f"evidence {e.group}/{e.name}" for e in marks.evidence if e.observed_at > marks.ts_event
    ]
    if late:
        raise ReplayError(
            f"snapshot {marks.snapshot_id} at {marks.ts_event.isoformat()}: given data from after "
            f"it: {late}"
        )
    if marks.bars is not None and marks.bars.height:
        last_bar = marks.bars.get_column("ts").max()
        if isinstance(last_bar, dt.datetime) and last_bar > marks.ts_event:
            raise ReplayError(
                f"snapshot {marks.snapshot_id}: bar at {last_bar.isoformat()} is after "
                f"{marks.ts_event.isoformat()}"
            )


def _settlement(idea: TradeIdea, marks: Marks) -> tuple[dt.datetime, Settlement, float | None]:
    first = min(idea.legs, key=lambda leg: leg.expiry_ts)
    style = underlying_for_root(first.root).settlement(first.root)
    price = next(
        (
            s.price
            for s in marks.settlements
            if s.underlying == idea.underlying and s.session == first.expiry and s.style == style
        ),
        None,
    )
    return first.expiry_ts, style, price


def _plan_sign(idea: TradeIdea) -> float:
    plan = idea.underlying_plan
    return 1.0 if plan.target > plan.stop else -1.0


@dataclass(frozen=True, slots=True)
class _Bars:
    """The underlying's bars since the previous snapshot, as arrays (read once per snapshot)."""

    ts: list[dt.datetime]
    ts_us: np.ndarray
    high: np.ndarray
    low: np.ndarray


def _bars(marks: Marks, since: dt.datetime | None) -> _Bars | None:
    if marks.bars is None or marks.bars.height == 0:
        return None
    bars = marks.bars.sort("ts")
    if since is not None:
        bars = bars.filter(pl.col("ts") > since)
    if bars.height == 0:
        return None
    ts = bars.get_column("ts")
    return _Bars(
        ts=ts.to_list(),
        ts_us=ts.dt.epoch("us").to_numpy(),
        high=bars.get_column("high").to_numpy(),
        low=bars.get_column("low").to_numpy(),
    )


def _bar_trigger(p: Position, bars: _Bars | None) -> tuple[str, dt.datetime] | None:
    """Return the first bar after the entry touching the plan's stop or target (stop if both)."""
    if bars is None or p.ts_entry is None:
        return None
    after = bars.ts_us > int(p.ts_entry.timestamp() * 1_000_000)
    plan, sign = p.idea.underlying_plan, _plan_sign(p.idea)
    if sign > 0:
        stop, target = bars.low <= plan.stop, bars.high >= plan.target
    else:
        stop, target = bars.high >= plan.stop, bars.low <= plan.target
    touched = np.flatnonzero(after & (stop | target))
    if touched.size == 0:
        return None
    j = int(touched[0])
    return ("stop" if stop[j] else "target"), bars.ts[j]


def _spot_trigger(p: Position, spot: float) -> str | None:
    plan, sign = p.idea.underlying_plan, _plan_sign(p.idea)
    if sign * (spot - plan.stop) <= 0:
        return "stop"
    if sign * (spot - plan.target) >= 0:
        return "target"
    return None


def _target(
    emit: _Emitter,
    p: Position,
    price: FillPrices,
    trigger: str,
    ts: dt.datetime,
    params: TrackingParams,
) -> None:
    idea_id, h = p.idea.idea_id, emit.header
    frac = params.partial_fraction
    if p.partial_done or not 0.0 < frac < 1.0:
        emit(
            TargetHit(
                **h,
                idea_id=idea_id,
                fraction=p.open_fraction,
                price=price,
                ts_trigger=ts,
                trigger=trigger,
            )
        )
        return
    assert p.entry is not None
    emit(
        PartialExit(
            **h, idea_id=idea_id, fraction=frac * p.open_fraction, price=price, ts_trigger=ts
        )
    )
    entry = model_value(p.entry, params)
    new_target = entry + params.extended_target_multiple * (p.target - entry)
    if math.isfinite(p.idea.max_profit) and p.idea.max_profit > 0:
        new_target = min(new_target, entry + p.idea.max_profit)  # never beyond the best value
    emit(
        StopAdjusted(
            **h,
            idea_id=idea_id,
            old_stop=p.stop,
            new_stop=max(p.stop, entry),
            new_target=max(new_target, p.target),
            reason="breakeven after the partial exit at the target",
        )
    )


def _trail(emit: _Emitter, p: Position, value: float, marks: Marks, params: TrackingParams) -> None:
    assert p.entry is not None
    delta = abs(p.idea.greeks.delta)
    if marks.atr is not None and marks.atr > 0 and delta > 0:
        distance = params.atr_multiple * marks.atr * delta
    else:
        distance = params.trail_fraction * abs(
            p.idea.position.target - model_value(p.entry, params)
        )
    new_stop = value - distance
    if new_stop > p.stop + 1e-9:
        emit(
            TrailAdvanced(
                **emit.header,
                idea_id=p.idea.idea_id,
                old_stop=p.stop,
                new_stop=new_stop,
                value=value,
                distance=distance,
            )
        )


def _settle(emit: _Emitter, p: Position, i: int, v: Values, marks: Marks) -> bool:
    if not v.settling[i]:
        return False
    instant, style, price = _settlement(p.idea, marks)
    if price is None or not v.valid_alive[i]:
        return True  # waiting for the print (or quotes of the later legs): nothing else applies
    intrinsic = sum(
        leg.quantity
        * leg.multiplier
        * max(0.0, (price - leg.strike) if leg.right.value == "C" else (leg.strike - price))
        for leg in p.idea.legs
        if leg.expiry_ts <= marks.ts_event
    )
    alive = v.exit_alive[:, i]
    value = FillPrices(
        bid_ask=intrinsic + float(alive[0]),
        mid=intrinsic + float(alive[1]),
        spread_fraction=intrinsic + float(alive[2]),
    )
    emit(
        Settled(
            **emit.header,
            idea_id=p.idea.idea_id,
            fraction=p.open_fraction,
            price=value,
            ts_trigger=instant,
            settlement_price=price,
            style=style,
        )
    )
    return True


def _exits(  # noqa: PLR0913  (one position at one snapshot, private)
    emit: _Emitter,
    p: Position,
    i: int,
    v: Values,
    marks: Marks,
    params: TrackingParams,
    bars: _Bars | None,
) -> None:
    if _settle(emit, p, i, v, marks) or not v.valid[i]:
        return
    price = fill_prices(v.exit[:, i])
    idea_id, h, ts = p.idea.idea_id, emit.header, marks.ts_event
    plan_live = (
        params.use_underlying_plan
        and not p.partial_done
        and p.idea.direction in (Direction.BULLISH, Direction.BEARISH)
    )
    touched = _bar_trigger(p, bars) if plan_live else None
    spot = _spot_trigger(p, marks.spot) if plan_live else None
    if touched is None and spot is not None:
        touched = (spot, ts)
    value = model_value(price, params)
    value_stop = value <= p.stop
    if value_stop and (touched is None or touched[1] == ts):
        touched = ("stop", ts)
        trigger = "position"
    elif touched is not None:
        trigger = "underlying"
    if touched is None and value >= p.target:
        touched, trigger = ("target", ts), "position"
    if touched is not None and touched[0] == "stop":
        emit(
            StopHit(
                **h,
                idea_id=idea_id,
                fraction=p.open_fraction,
                price=price,
                ts_trigger=touched[1],
                trigger=trigger,
                trailing=p.trailing,
            )
        )
    elif touched is not None:
        _target(emit, p, price, trigger, touched[1], params)
    elif ts >= p.idea.horizon_end:
        emit(
            TimeExit(
                **h,
                idea_id=idea_id,
                fraction=p.open_fraction,
                price=price,
                ts_trigger=p.idea.horizon_end,
            )
        )
    elif p.trailing:
        _trail(emit, p, value, marks, params)


def _mark_rows(emit: _Emitter, live: Sequence[Position], v: Values) -> tuple[MarkRow, ...]:
    rows = []
    for i, old in enumerate(live):
        p = emit.book.positions.get(old.idea.idea_id)
        if p is None or p.status != Status.OPEN or not v.valid[i] or p.entry is None:
            continue
        value = fill_prices(v.exit[:, i])
        pnl = p.realised.bid_ask + p.open_fraction * value.bid_ask - p.entry.bid_ask
        last = emit.book.marks.get(p.idea.idea_id)
        mfe = pnl if last is None else max(last.mfe, pnl)
        mae = pnl if last is None else min(last.mae, pnl)
        rows.append(MarkRow(idea_id=p.idea.idea_id, value=value, mfe=mfe, mae=mae))
    return tuple(rows)


def _close(emit: _Emitter, live: Sequence[Position]) -> None:
    for old in live:
        p = emit.book.positions.get(old.idea.idea_id)
        if p is None or p.status != Status.EXITED or p.exit_reason is None:
            continue
        emit(IdeaClosed(**emit.header, idea_id=p.idea.idea_id, exit_reason=p.exit_reason))
        outcome = idea_outcome(p, emit.book.marks.get(p.idea.idea_id))
        items = evidence(p.idea, outcome, partner(emit.book.outcomes))
        emit(OutcomeScored(**emit.header, idea_id=p.idea.idea_id, outcome=outcome, evidence=items))


def _learn(emit: _Emitter, marks: Marks, params: TrackingParams) -> None:
    if marks.evidence:
        emit(OutcomeScored(**emit.header, idea_id=None, outcome=None, evidence=marks.evidence))
    new: dict[tuple[WeightGroup, str], int] = {}
    for e in emit.events:
        if isinstance(e, OutcomeScored):
            for item in e.evidence:
                new[item.group, item.name] = new.get((item.group, item.name), 0) + 1
    if not new or not params.learning.enabled:
        return
    for u in learn(emit.book.weights, emit.book.evidence, new, params.learning):
        emit(
            WeightChanged(
                **emit.header,
                group=u.group,
                name=u.name,
                old=u.old,
                new=u.new,
                target=u.target,
                n=u.n,
                hits=u.hits,
                hit_rate=u.hit_rate,
                ci_low=u.ci_low,
                ci_high=u.ci_high,
                baseline=u.baseline,
            )
        )


def _can_enter(p: Position, i: int, v: Values, marks: Marks, params: TrackingParams) -> bool:
    if not v.valid[i] or not (params.entry_on_proposal or marks.ts_event > p.proposed_at):
        return False
    if params.entry_tolerance is None:
        return True
    limit = p.idea.price.net + params.entry_tolerance * abs(p.idea.max_loss)
    return bool(v.entry[0, i] <= limit + 1e-9)


def advance(
    book: Book, marks: Marks, new_ideas: Sequence[TradeIdea], params: TrackingParams
) -> tuple[Book, tuple[Event, ...]]:
    """Return the book after one snapshot and the events that made it (module docstring).

    One book (and one event log) per underlying: ``marks`` are that underlying's snapshot.

    Raises
    ------
    ReplayError
        The quotes lack a key column; an idea, evidence or bar is from after ``ts_event``; or a
        new idea cannot be tracked (another underlying, no legs, position target not above its
        stop, underlying target equal to its stop, horizon not after the idea's time).
    """
    if book.last_ts is not None and marks.ts_event <= book.last_ts:
        return book, ()
    _check(marks, new_ideas)
    bars = _bars(marks, book.last_ts)
    emit = _Emitter(book, marks)
    for idea in new_ideas:
        if not emit.book.knows(idea.idea_id):
            emit(IdeaProposed(**emit.header, idea_id=idea.idea_id, idea=idea))
    live = [p for p in emit.book.positions.values() if p.status in (Status.PROPOSED, Status.OPEN)]
    values = leg_values(live, marks, params)
    for i, p in enumerate(live):
        if p.status == Status.OPEN:
            _exits(emit, p, i, values, marks, params, bars)
        elif marks.ts_event >= p.idea.horizon_end:
            emit(
                Expired(
                    **emit.header, idea_id=p.idea.idea_id, reason="not filled before horizon_end"
                )
            )
        elif _can_enter(p, i, values, marks, params):
            emit(
                EntryFilled(
                    **emit.header,
                    idea_id=p.idea.idea_id,
                    price=fill_prices(values.entry[:, i]),
                    target=p.idea.position.target,
                    stop=p.idea.position.stop,
                    spot=marks.spot,
                )
            )
    emit(Marked(**emit.header, marks=_mark_rows(emit, live, values)))
    _close(emit, live)
    _learn(emit, marks, params)
    return emit.book, tuple(emit.events)


__all__ = ["advance"]
