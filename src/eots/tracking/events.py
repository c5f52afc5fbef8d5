"""The recommendation events: the only way a recommendation or a learned weight changes.

Every event carries ``ts_event`` (the quote time of the snapshot that caused it, never the wall
clock), ``ts_init`` (the caller's monotone sequence), the ``snapshot_id``, the configuration
``fingerprint`` and, for events about one idea, its ``idea_id``. ``Marked`` (one per processed
snapshot: the open ideas' marks) makes the fold of the log complete: the snapshot time used for
de-duplication and the running excursions come from it. Events are plain frozen values;
``EVENT_ADAPTER`` (pydantic) serialises them at the storage edge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter

from eots.core.types import Settlement
from eots.ideas.model import TradeIdea
from eots.tracking.model import (
    EvidenceItem,
    ExitReason,
    FillPrices,
    IdeaOutcome,
    MarkRow,
    WeightGroup,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventBase:
    """Fields every event has."""

    ts_event: dt.datetime
    ts_init: int
    snapshot_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaProposed(EventBase):
    """A new recommendation (the whole idea, as made)."""

    idea_id: str
    idea: TradeIdea
    kind: Literal["idea_proposed"] = "idea_proposed"


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryFilled(EventBase):
    """The entry filled: cost of one unit under each fill model; the initial target and stop."""

    idea_id: str
    price: FillPrices
    target: float
    stop: float
    spot: float
    kind: Literal["entry_filled"] = "entry_filled"


@dataclass(frozen=True, slots=True, kw_only=True)
class StopAdjusted(EventBase):
    """The stop moved for a reason other than trailing (e.g. to breakeven after a partial)."""

    idea_id: str
    old_stop: float
    new_stop: float
    new_target: float
    reason: str
    kind: Literal["stop_adjusted"] = "stop_adjusted"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrailAdvanced(EventBase):
    """The trailing stop rose to ``value - distance``."""

    idea_id: str
    old_stop: float
    new_stop: float
    value: float
    distance: float
    kind: Literal["trail_advanced"] = "trail_advanced"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitBase(EventBase):
    """A (partial) exit: ``fraction`` of the original position closed at ``price`` per unit."""

    idea_id: str
    fraction: float
    price: FillPrices
    ts_trigger: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PartialExit(ExitBase):
    """Part of the position closed at its first target."""

    kind: Literal["partial_exit"] = "partial_exit"


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetHit(ExitBase):
    """The rest of the position closed at its target (position value or underlying)."""

    trigger: str
    kind: Literal["target_hit"] = "target_hit"


@dataclass(frozen=True, slots=True, kw_only=True)
class StopHit(ExitBase):
    """The rest of the position closed at its stop (``trailing``: the trailed stop)."""

    trigger: str
    trailing: bool
    kind: Literal["stop_hit"] = "stop_hit"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeExit(ExitBase):
    """The rest of the position closed at the idea's ``horizon_end``."""

    kind: Literal["time_exit"] = "time_exit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled(ExitBase):
    """The rest settled: expiring legs at intrinsic value at ``settlement_price``."""

    settlement_price: float
    style: Settlement
    kind: Literal["settled"] = "settled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Expired(EventBase):
    """The idea was never filled before its horizon."""

    idea_id: str
    reason: str
    kind: Literal["expired"] = "expired"


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaClosed(EventBase):
    """The position is flat; its P&L is final."""

    idea_id: str
    exit_reason: ExitReason
    kind: Literal["idea_closed"] = "idea_closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeScored(EventBase):
    """An outcome: an idea's (``outcome``) and/or evidence for the learning rule."""

    idea_id: str | None
    outcome: IdeaOutcome | None
    evidence: tuple[EvidenceItem, ...]
    kind: Literal["outcome_scored"] = "outcome_scored"


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightChanged(EventBase):
    """A learned value moved, with its evidence.

    ``n``/``hits`` over the window, ``hit_rate`` = hits / n, ``ci_low``/``ci_high`` its Wilson
    interval, ``baseline`` the rate it was compared with, ``target`` where the rule pulls it.
    """

    group: WeightGroup
    name: str
    old: float
    new: float
    target: float
    n: int
    hits: int
    hit_rate: float | None
    ci_low: float | None
    ci_high: float | None
    baseline: float
    kind: Literal["weight_changed"] = "weight_changed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Marked(EventBase):
    """One processed snapshot: the marks of the ideas open after it (may be empty)."""

    marks: tuple[MarkRow, ...]
    kind: Literal["marked"] = "marked"


Event = (
    IdeaProposed
    | EntryFilled
    | StopAdjusted
    | TrailAdvanced
    | PartialExit
    | TargetHit
    | StopHit
    | TimeExit
    | Expired
    | Settled
    | IdeaClosed
    | OutcomeScored
    | WeightChanged
    | Marked
)

#: Exits that close what is left of a position.
FINAL_EXITS = (TargetHit, StopHit, TimeExit, Settled)

if TYPE_CHECKING:
    #: Serialises one event to JSON and back (discriminated by ``kind``); see ``event_adapter``.
    EVENT_ADAPTER: TypeAdapter[Event]


@cache
def event_adapter() -> TypeAdapter[Event]:
    """Return the adapter that serialises one event to JSON and back (discriminated by ``kind``).

    NaN and infinities are written as the JSON constants ``NaN`` / ``Infinity`` (pydantic's
    default writes ``null``, which the float fields then refuse: an idea with an unbounded
    ``max_profit`` could not be read back). Built on first use, not at import: building it costs
    about 0.1 s, and a one-off analysis (``eots analyze``) reads and writes no events.
    """
    return TypeAdapter(
        Annotated[Event, Field(discriminator="kind")],
        config=ConfigDict(ser_json_inf_nan="constants"),
    )


def __getattr__(name: str) -> TypeAdapter[Event]:
    """``EVENT_ADAPTER``: the adapter of ``event_adapter``, built on first access."""
    if name == "EVENT_ADAPTER":
        return event_adapter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def event_to_json(event: Event) -> bytes:
    """Return the event as JSON (UTF-8)."""
    return event_adapter().dump_json(event)


def event_from_json(data: bytes | str) -> Event:
    """Parse an event written by :func:`event_to_json` (validated)."""
    return event_adapter().validate_json(data)


__all__ = [
    "EVENT_ADAPTER",
    "FINAL_EXITS",
    "EntryFilled",
    "Event",
    "EventBase",
    "ExitBase",
    "Expired",
    "IdeaClosed",
    "IdeaProposed",
    "Marked",
    "OutcomeScored",
    "PartialExit",
    "Settled",
    "StopAdjusted",
    "StopHit",
    "TargetHit",
    "TimeExit",
    "TrailAdvanced",
    "WeightChanged",
    "event_adapter",
    "event_from_json",
    "event_to_json",
]
