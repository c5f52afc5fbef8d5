"""Recommendation lifecycle: an append-only event log folded into state; outcomes; learning.

``advance(book, marks, new_ideas, params)`` moves every live recommendation with one snapshot and
returns the events; ``fold(events)`` rebuilds the same book from a log; ``learn`` is the update
rule behind every ``WeightChanged``; ``outcomes_frame`` writes ``OUTCOME_SCHEMA``. Pure: no I/O
(the event log lives in ``eots.storage.events``). See docs/tracking.md.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.tracking.book import Book, Position, apply, fold
    from eots.tracking.events import (
        EVENT_ADAPTER,
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
        event_from_json,
        event_to_json,
    )
    from eots.tracking.learning import (
        NULL_BAND,
        LearnedWeights,
        WeightUpdate,
        learn,
        wilson_interval,
    )
    from eots.tracking.lifecycle import advance
    from eots.tracking.model import (
        BARS_SCHEMA,
        QUOTES_SCHEMA,
        EvidenceItem,
        ExitReason,
        FillPrices,
        IdeaOutcome,
        MarkRow,
        Marks,
        SettlementPrint,
        Status,
        WeightGroup,
    )
    from eots.tracking.outcomes import OUTCOME_SCHEMA, evidence, idea_outcome, outcomes_frame
    from eots.tracking.params import AdaptationSpeed, FillModel, LearningParams, TrackingParams
    from eots.tracking.transitions import TRANSITIONS, TransitionError, next_status

__all__ = [
    "BARS_SCHEMA",
    "EVENT_ADAPTER",
    "NULL_BAND",
    "OUTCOME_SCHEMA",
    "QUOTES_SCHEMA",
    "TRANSITIONS",
    "AdaptationSpeed",
    "Book",
    "EntryFilled",
    "Event",
    "EvidenceItem",
    "ExitReason",
    "Expired",
    "FillModel",
    "FillPrices",
    "IdeaClosed",
    "IdeaOutcome",
    "IdeaProposed",
    "LearnedWeights",
    "LearningParams",
    "MarkRow",
    "Marked",
    "Marks",
    "OutcomeScored",
    "PartialExit",
    "Position",
    "Settled",
    "SettlementPrint",
    "Status",
    "StopAdjusted",
    "StopHit",
    "TargetHit",
    "TimeExit",
    "TrackingParams",
    "TrailAdvanced",
    "TransitionError",
    "WeightChanged",
    "WeightGroup",
    "WeightUpdate",
    "advance",
    "apply",
    "event_from_json",
    "event_to_json",
    "evidence",
    "fold",
    "idea_outcome",
    "learn",
    "next_status",
    "outcomes_frame",
    "wilson_interval",
]

lazy_package(
    __name__,
    {
        "eots.tracking.book": ("Book", "Position", "apply", "fold"),
        "eots.tracking.events": (
            "EVENT_ADAPTER",
            "EntryFilled",
            "Event",
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
            "event_from_json",
            "event_to_json",
        ),
        "eots.tracking.learning": (
            "NULL_BAND",
            "LearnedWeights",
            "WeightUpdate",
            "learn",
            "wilson_interval",
        ),
        "eots.tracking.lifecycle": ("advance",),
        "eots.tracking.model": (
            "BARS_SCHEMA",
            "QUOTES_SCHEMA",
            "EvidenceItem",
            "ExitReason",
            "FillPrices",
            "IdeaOutcome",
            "MarkRow",
            "Marks",
            "SettlementPrint",
            "Status",
            "WeightGroup",
        ),
        "eots.tracking.outcomes": ("OUTCOME_SCHEMA", "evidence", "idea_outcome", "outcomes_frame"),
        "eots.tracking.params": (
            "AdaptationSpeed",
            "FillModel",
            "LearningParams",
            "TrackingParams",
        ),
        "eots.tracking.transitions": ("TRANSITIONS", "TransitionError", "next_status"),
    },
)
