"""The book of recommendations: the fold of the event log.

``apply(book, event)`` is the one place an event changes state (checked against the transition
table); ``fold(events)`` replays a log from the empty book. ``advance`` builds its result with the
same ``apply``, so ``fold(all events) == the book advance returned`` holds by construction and is
tested. Ideas leave ``positions`` when they reach a terminal status; their ids stay in
``closed_ids`` (a re-proposed id is ignored) and scored outcomes in ``outcomes``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from eots.ideas.model import TradeIdea
from eots.tracking.learning import MAX_EVIDENCE, LearnedWeights
from eots.tracking.model import (
    EvidenceItem,
    ExitReason,
    FillPrices,
    IdeaOutcome,
    MarkRow,
    Status,
    WeightGroup,
)
from eots.tracking.transitions import TransitionError, next_status

if TYPE_CHECKING:
    from eots.tracking.events import Event, ExitBase, Marked, OutcomeScored

# The event classes are imported where an event is applied: a one-off analysis (eots analyze)
# holds an empty book and never applies one, and tracking.events (16 dataclasses) is ~20 ms of
# its start-up.

_ZERO = FillPrices(bid_ask=0.0, mid=0.0, spread_fraction=0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """One recommendation's state.

    ``entry`` is the cost of one unit per fill model ($); ``open_fraction`` the share of the
    original position still open; ``realised`` the sum over exits of fraction x exit value;
    ``target``/``stop`` on the position's bid/ask value ($ per unit); ``mfe``/``mae`` the best
    and worst unrealised P&L at bid/ask marks so far.
    """

    idea: TradeIdea
    status: Status
    proposed_at: dt.datetime
    entry: FillPrices | None = None
    ts_entry: dt.datetime | None = None
    open_fraction: float = 0.0
    target: float = math.nan
    stop: float = math.nan
    trailing: bool = False
    partial_done: bool = False
    realised: FillPrices = _ZERO
    ts_first_target: dt.datetime | None = None
    ts_first_stop: dt.datetime | None = None
    ts_exit: dt.datetime | None = None
    exit_reason: ExitReason | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """Every live recommendation, the scored outcomes, the evidence and the learned weights.

    ``marks`` holds each open idea's latest mark and running excursions (from ``Marked``).
    """

    weights: LearnedWeights = field(default_factory=LearnedWeights.neutral)
    positions: Mapping[str, Position] = field(default_factory=dict)
    closed_ids: frozenset[str] = frozenset()
    outcomes: tuple[IdeaOutcome, ...] = ()
    evidence: Mapping[tuple[WeightGroup, str], tuple[bool, ...]] = field(default_factory=dict)
    marks: Mapping[str, MarkRow] = field(default_factory=dict)
    last_ts: dt.datetime | None = None
    last_snapshot_id: str | None = None

    def knows(self, idea_id: str) -> bool:
        """Return True if the idea was ever proposed."""
        return idea_id in self.positions or idea_id in self.closed_ids


def _add(a: FillPrices, b: FillPrices, w: float) -> FillPrices:
    return FillPrices(
        bid_ask=a.bid_ask + w * b.bid_ask,
        mid=a.mid + w * b.mid,
        spread_fraction=a.spread_fraction + w * b.spread_fraction,
    )


def _exit_reason(event: ExitBase) -> ExitReason:
    from eots.tracking.events import Settled, StopHit, TargetHit

    if isinstance(event, TargetHit):
        return ExitReason.TARGET
    if isinstance(event, StopHit):
        return ExitReason.TRAIL if event.trailing else ExitReason.STOP
    return ExitReason.SETTLEMENT if isinstance(event, Settled) else ExitReason.TIME


def _apply_exit(p: Position, e: ExitBase) -> Position:
    from eots.tracking.events import PartialExit, StopHit, TargetHit

    realised = _add(p.realised, e.price, e.fraction)
    first_target = p.ts_first_target
    if isinstance(e, PartialExit | TargetHit) and first_target is None:
        first_target = e.ts_trigger
    first_stop = p.ts_first_stop
    if isinstance(e, StopHit) and first_stop is None:
        first_stop = e.ts_trigger
    if isinstance(e, PartialExit):
        return replace(
            p,
            realised=realised,
            open_fraction=p.open_fraction - e.fraction,
            partial_done=True,
            ts_first_target=first_target,
        )
    return replace(
        p,
        realised=realised,
        open_fraction=0.0,
        ts_first_target=first_target,
        ts_first_stop=first_stop,
        ts_exit=e.ts_event,
        exit_reason=_exit_reason(e),
    )


def _apply_idea(p: Position, e: Event) -> Position:
    from eots.tracking.events import EntryFilled, ExitBase, StopAdjusted, TrailAdvanced

    if isinstance(e, EntryFilled):
        return replace(
            p, entry=e.price, ts_entry=e.ts_event, open_fraction=1.0, target=e.target, stop=e.stop
        )
    if isinstance(e, StopAdjusted):
        return replace(p, stop=e.new_stop, target=e.new_target, trailing=True)
    if isinstance(e, TrailAdvanced):
        return replace(p, stop=e.new_stop)
    if isinstance(e, ExitBase):
        return _apply_exit(p, e)
    return p


def _with_evidence(
    evidence: Mapping[tuple[WeightGroup, str], tuple[bool, ...]], items: Iterable[EvidenceItem]
) -> dict[tuple[WeightGroup, str], tuple[bool, ...]]:
    out = dict(evidence)
    for item in items:
        key = (item.group, item.name)
        out[key] = (*out.get(key, ()), item.hit)[-MAX_EVIDENCE:]
    return out


def _apply_marked(book: Book, e: Marked) -> Book:
    unknown = [row.idea_id for row in e.marks if row.idea_id not in book.positions]
    if unknown:
        raise TransitionError(f"snapshot {e.snapshot_id}: marks of unknown ideas {unknown}")
    marks = {**book.marks, **{row.idea_id: row for row in e.marks}} if e.marks else book.marks
    return replace(book, marks=marks, last_ts=e.ts_event, last_snapshot_id=e.snapshot_id)


def _without(book: Book, idea_id: str) -> dict[str, MarkRow]:
    return {k: v for k, v in book.marks.items() if k != idea_id}


def _apply_scored(book: Book, e: OutcomeScored) -> Book:
    book = replace(book, evidence=_with_evidence(book.evidence, e.evidence))
    if e.idea_id is None:
        return book
    next_status(book.positions[e.idea_id].status, e.kind, e.idea_id)
    positions = dict(book.positions)
    del positions[e.idea_id]
    outcomes = book.outcomes if e.outcome is None else (*book.outcomes, e.outcome)
    return replace(
        book,
        positions=positions,
        closed_ids=book.closed_ids | {e.idea_id},
        outcomes=outcomes,
        marks=_without(book, e.idea_id),
    )


def apply(book: Book, event: Event) -> Book:
    """Return the book after one event (the transition table is enforced)."""
    from eots.tracking.events import (
        Expired,
        IdeaClosed,
        IdeaProposed,
        Marked,
        OutcomeScored,
        WeightChanged,
    )

    if isinstance(event, Marked):
        return _apply_marked(book, event)
    if isinstance(event, OutcomeScored):
        return _apply_scored(book, event)
    if isinstance(event, WeightChanged):
        return replace(book, weights=book.weights.with_value(event.group, event.name, event.new))
    if isinstance(event, IdeaProposed):
        if book.knows(event.idea_id):
            raise TransitionError(f"idea {event.idea_id}: proposed twice")
        next_status(None, event.kind, event.idea_id)
        position = Position(idea=event.idea, status=Status.PROPOSED, proposed_at=event.ts_event)
        return replace(book, positions={**book.positions, event.idea_id: position})
    old = book.positions.get(event.idea_id)
    status = next_status(None if old is None else old.status, event.kind, event.idea_id)
    if old is None:  # pragma: no cover - next_status refuses every non-proposal without a state
        raise AssertionError(event.idea_id)
    positions = dict(book.positions)
    if isinstance(event, Expired):
        del positions[event.idea_id]
        return replace(book, positions=positions, closed_ids=book.closed_ids | {event.idea_id})
    new = replace(_apply_idea(old, event), status=status)
    if isinstance(event, IdeaClosed):
        new = replace(new, exit_reason=event.exit_reason)
    positions[event.idea_id] = new
    return replace(book, positions=positions)


def fold(events: Iterable[Event], start: Book | None = None) -> Book:
    """Return the book after every event, in order, from ``start``.

    ``start`` defaults to the empty book with the neutral priors (``Book()``); a run whose
    priors come from its configuration passes the same empty book it started ``advance`` from.
    """
    book = start if start is not None else Book()
    for event in events:
        book = apply(book, event)
    return book


__all__ = ["Book", "Position", "apply", "fold"]
