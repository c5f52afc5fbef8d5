"""Per-idea outcomes and the OUTCOME_SCHEMA frame."""

from __future__ import annotations

import dataclasses

import pytest

from eots.tracking import (
    OUTCOME_SCHEMA,
    Book,
    FillPrices,
    Position,
    Status,
    TrackingParams,
    advance,
    idea_outcome,
    outcomes_frame,
)
from eots.tracking.model import ExitReason, MarkRow
from tracking_builders import T0, at, idea, marks, spread_quotes

FULL = TrackingParams(partial_fraction=0.0)


def _closed_book(max_loss: float = 440.0) -> Book:
    book = Book()
    steps = [
        (T0, spread_quotes((10.0, 10.4), (6.0, 6.3))),
        (at(30), spread_quotes((8.5, 8.9), (5.9, 6.0))),  # 250: above the 200 stop
        (at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))),
    ]
    for i, (ts, q) in enumerate(steps):
        new = (idea(max_loss=max_loss, stop=200.0),) if i == 0 else ()
        book, _ = advance(book, marks(ts, q), new, FULL)
    return book


def test_outcome_frame_has_the_declared_schema_and_values() -> None:
    book = _closed_book()
    frame = outcomes_frame(book.outcomes)
    assert frame.schema == OUTCOME_SCHEMA
    row = frame.row(0, named=True)
    assert row["pnl_bidask"] == pytest.approx(210.0)
    assert row["mae"] == pytest.approx(250.0 - 440.0)  # 8.50 - 6.00 at the 30 minute mark
    assert row["signals"] == ["directional.composite"]
    assert row["regime"] == "calm"
    assert row["exit_reason"] == "target"
    assert row["risk"] == 440.0
    assert outcomes_frame(()).schema == OUTCOME_SCHEMA


def test_r_multiple_is_none_without_risk() -> None:
    (out,) = _closed_book(max_loss=0.0).outcomes
    assert out.r_multiple is None


def test_outcome_of_an_unfinished_position_is_refused() -> None:
    p = Position(idea=idea(), status=Status.PROPOSED, proposed_at=T0)
    with pytest.raises(ValueError, match="expected an exited position"):
        idea_outcome(p)
    price = FillPrices(bid_ask=440.0, mid=405.0, spread_fraction=419.0)
    half = dataclasses.replace(
        p,
        status=Status.EXITED,
        entry=price,
        ts_entry=T0,
        ts_exit=at(5),
        exit_reason=ExitReason.TARGET,
        open_fraction=0.5,
    )
    with pytest.raises(ValueError, match=r"0\.5 of the position is still open"):
        idea_outcome(half)
    done = dataclasses.replace(half, open_fraction=0.0, realised=price)
    mark = MarkRow(idea_id="idea-1", value=price, mfe=30.0, mae=-50.0)
    out = idea_outcome(done, mark)
    assert (out.pnl_bidask, out.mfe, out.mae) == (0.0, 30.0, -50.0)
