"""The transition table: allowed paths, refusals, and terminal statuses never left."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.tracking import (
    TRANSITIONS,
    Book,
    EntryFilled,
    Status,
    TrackingParams,
    TransitionError,
    advance,
    fold,
    next_status,
)
from eots.tracking.model import TERMINAL
from eots.tracking.transitions import IDEA_EVENTS
from tracking_builders import T0, idea, marks, spread_quotes

KINDS = sorted(IDEA_EVENTS)


def test_the_happy_path_reaches_scored() -> None:
    status = None
    for kind in ["idea_proposed", "entry_filled", "partial_exit", "stop_adjusted",
                 "trail_advanced", "stop_hit", "idea_closed", "outcome_scored"]:  # fmt: skip
        status = next_status(status, kind)
    assert status is Status.SCORED


def test_unfilled_idea_can_only_expire_or_fill() -> None:
    allowed = {kind for (s, kind) in TRANSITIONS if s is Status.PROPOSED}
    assert allowed == {"entry_filled", "expired"}
    with pytest.raises(TransitionError, match="may not follow status proposed"):
        next_status(Status.PROPOSED, "target_hit", "x")


def test_exit_before_entry_and_double_proposal_are_refused() -> None:
    with pytest.raises(TransitionError, match="idea i1: event 'stop_hit' may not follow status"):
        next_status(None, "stop_hit", "i1")
    with pytest.raises(TransitionError):
        next_status(Status.OPEN, "idea_proposed")


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_terminal_statuses_are_never_left(data: st.DataObject) -> None:
    status: Status | None = None
    reached_terminal = False
    for _ in range(data.draw(st.integers(1, 40))):
        allowed = sorted(kind for (s, kind) in TRANSITIONS if s == status)
        follow = bool(allowed) and data.draw(st.booleans())
        kind = data.draw(st.sampled_from(allowed if follow else KINDS))
        try:
            new = next_status(status, kind)
        except TransitionError:
            assert status in TERMINAL or (status, kind) not in TRANSITIONS
            continue
        assert status not in TERMINAL
        status = new
        reached_terminal |= status in TERMINAL
    if reached_terminal:
        assert status in TERMINAL
        for kind in KINDS:
            with pytest.raises(TransitionError, match="terminal"):
                next_status(status, kind)


def test_a_log_that_breaks_the_table_cannot_be_folded() -> None:
    _, ev = advance(
        Book(), marks(T0, spread_quotes((10.0, 10.4), (6.0, 6.3))), (idea(),), TrackingParams()
    )
    with pytest.raises(TransitionError, match="proposed twice"):
        fold([ev[0], ev[0]])
    with pytest.raises(TransitionError, match="may not follow status none"):
        fold([ev[1]])
    with pytest.raises(TransitionError, match="marks of unknown ideas"):
        fold([ev[2]])
    assert isinstance(ev[1], EntryFilled)
    fill = dataclasses.replace(ev[1], idea_id="other")
    with pytest.raises(TransitionError):
        fold([ev[0], fill])
