"""The lifecycle and learning carried across sessions under the session rule (one process).

The distributed run's equality with these runs is in ``test_distributed.py``; here: a
recommendation opened in one session is managed and closed in later ones, the event log folds
to the run's outcomes, each block reads the weights learned by its start, and bad runners are
refused.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import ReplayError
from eots.engine import EngineParams
from eots.engine.step import neutral_book
from eots.replay import ReplayResult, ReplaySpec, replay
from eots.replay.runner import spec_refs
from eots.replay.sessions import (
    RunPlan,
    SessionResult,
    SessionTask,
    fold_sessions,
    plan_sessions,
    replay_session,
)
from eots.storage import SnapshotStore
from eots.tracking.learning import LearnedWeights
from eots.tracking.model import WeightGroup


@pytest.fixture(scope="module")
def tasks(spec: ReplaySpec) -> tuple[SessionTask, ...]:
    return plan_sessions(spec_refs(SnapshotStore.open(spec.store), spec))


@pytest.fixture(scope="module")
def serial(spec: ReplaySpec, tmp_path_factory: pytest.TempPathFactory) -> ReplayResult:
    """Blocks of one session: weights updated at every session boundary."""
    out = tmp_path_factory.mktemp("serial") / "run"
    return replay(spec, EngineParams(), out, session_boundaries=True, block_sessions=1)


def _ideas(log: Path) -> dict[str, list[tuple[str, dt.date]]]:
    """Return each idea's events as (kind, session of the event) in log order."""
    with closing(sqlite3.connect(log)) as db:
        rows = db.execute(
            "SELECT idea_id, kind, ts_event FROM events WHERE idea_id IS NOT NULL ORDER BY seq, idx"
        ).fetchall()
    out: dict[str, list[tuple[str, dt.date]]] = {}
    for idea, kind, ts in rows:
        stamp = dt.datetime.fromisoformat(ts).astimezone(dt.timezone(dt.timedelta(hours=-4)))
        out.setdefault(idea, []).append((kind, stamp.date()))
    return out


def test_a_recommendation_opened_in_one_session_is_managed_and_closed_in_a_later_one(
    serial: ReplayResult,
) -> None:
    ideas = _ideas(serial.out / "events.sqlite")
    spanning = {
        idea: events
        for idea, events in ideas.items()
        if events[0][0] == "idea_proposed" and len({day for _, day in events}) > 1
    }
    assert spanning, "no idea spans a session boundary in this store"
    closed = [e for e in spanning.values() if e[-1][0] == "outcome_scored"]
    assert closed, "no spanning idea was closed in a later session"
    for events in closed:
        opened, scored = events[0][1], events[-1][1]
        assert scored > opened
        assert ("entry_filled", opened) in events
    # every idea the log scored is one of the run's outcomes (written from the final book)
    scored_ids = {i for i, e in ideas.items() if e[-1][0] == "outcome_scored"}
    assert set(serial.frames["outcomes"].get_column("idea_id").to_list()) == scored_ids
    assert serial.manifest["block_sessions"] == 1
    assert serial.manifest["ideas"] == sum(1 for e in ideas.values() if e[0][0] == "idea_proposed")


def _recording_runner(
    spec: ReplaySpec, seen: list[tuple[tuple[dt.date, ...], LearnedWeights]]
) -> object:
    def run_block(block: Sequence[SessionTask], weights: LearnedWeights) -> Iterator[SessionResult]:
        seen.append((tuple(t.session for t in block), weights))
        for t in reversed(block):  # completion order is not session order
            yield replay_session(spec, EngineParams(), t, weights=weights)

    return run_block


def test_each_block_reads_the_weights_learned_by_its_start(
    spec: ReplaySpec, tasks: tuple[SessionTask, ...], serial: ReplayResult, tmp_path: Path
) -> None:
    seen: list[tuple[tuple[dt.date, ...], LearnedWeights]] = []
    plan = RunPlan(
        spec=spec, params=EngineParams(), out=tmp_path / "run", tasks=tasks, block_sessions=1
    )
    result = fold_sessions(plan, _recording_runner(spec, seen))  # type: ignore[arg-type]
    assert [s for s, _ in seen] == [(t.session,) for t in tasks]
    assert seen[0][1] == neutral_book(EngineParams()).weights
    # a block's weights are the last value of every weight changed before its first snapshot
    changes = serial.frames["weights"]
    assert changes.height > 0
    for (block, weights), task in zip(seen, tasks, strict=True):
        start = min(r.ts_event for r in task.refs)
        before = changes.filter(pl.col("ts_event") < start)
        for name, new in before.group_by("name").agg(pl.col("new").last()).iter_rows():
            group, key = name.split("/", 1)
            assert weights.group(WeightGroup(group))[key] == new, (block, name)
    assert seen[-1][1] != seen[0][1]  # something was learned before the last block
    # sessions returned out of order within a block give the same run
    for stem in ("snapshots", "levels", "signals", "weights", "outcomes", "baseline_outcomes"):
        assert_frame_equal(result.frames[stem], serial.frames[stem], check_exact=True)


def test_one_block_for_the_run_fixes_decisions_to_the_starting_weights(
    spec: ReplaySpec, tasks: tuple[SessionTask, ...], serial: ReplayResult, tmp_path: Path
) -> None:
    seen: list[tuple[tuple[dt.date, ...], LearnedWeights]] = []
    plan = RunPlan(
        spec=spec, params=EngineParams(), out=tmp_path / "run", tasks=tasks, block_sessions=3
    )
    one = fold_sessions(plan, _recording_runner(spec, seen))  # type: ignore[arg-type]
    assert len(seen) == 1
    assert seen[0][1] == neutral_book(EngineParams()).weights
    # the first session reads the same (neutral) weights under both block lengths
    first = tasks[0].session
    for run in (one, serial):
        assert run.frames["weights"].height > 0  # the book learns in both
    a = one.frames["snapshots"].filter(pl.col("session") == first)
    b = serial.frames["snapshots"].filter(pl.col("session") == first)
    assert_frame_equal(a, b, check_exact=True)


def test_a_runner_that_loses_or_duplicates_a_session_is_refused(
    spec: ReplaySpec, tasks: tuple[SessionTask, ...], tmp_path: Path
) -> None:
    def twice(block: Sequence[SessionTask], weights: LearnedWeights) -> Iterator[SessionResult]:
        r = replay_session(spec, EngineParams(), block[0], weights=weights)
        yield r
        yield r

    def lose(block: Sequence[SessionTask], weights: LearnedWeights) -> Iterator[SessionResult]:
        yield from (replay_session(spec, EngineParams(), t, weights=weights) for t in block[1:])

    base = RunPlan(spec=spec, params=EngineParams(), out=tmp_path / "a", tasks=tasks[:2])
    with pytest.raises(ReplayError, match="twice"):
        fold_sessions(base, twice)
    with pytest.raises(ReplayError, match="missing"):
        fold_sessions(
            RunPlan(spec=spec, params=EngineParams(), out=tmp_path / "b", tasks=tasks[:2]), lose
        )
    with pytest.raises(ValueError, match="block_sessions >= 1"):
        fold_sessions(
            RunPlan(
                spec=spec, params=EngineParams(), out=tmp_path / "c", tasks=tasks, block_sessions=0
            ),
            lose,
        )
    with pytest.raises(ReplayError, match="event log"):
        fold_sessions(base, lose)  # tmp_path / "a" holds the first attempt's log


def test_folded_sessions_hand_their_parts_over_and_keep_none(
    spec: ReplaySpec, tmp_path: Path
) -> None:
    kept: list[SessionResult] = []
    from eots.replay.sessions import replay_by_session

    replay_by_session(spec, EngineParams(), tmp_path / "run", after_session=kept.append)
    assert [r.session for r in kept] == sorted(r.session for r in kept)
    assert all(r.parts == () for r in kept)
    assert sum(r.recorder.ideas for r in kept) > 0


def _events(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(
            "SELECT kind, idea_id, ts_event, body FROM events ORDER BY seq, idx"
        ).fetchall()


def test_over_two_sessions_the_lifecycle_equals_one_continuous_fold(
    spec: ReplaySpec, tasks: tuple[SessionTask, ...], tmp_path: Path
) -> None:
    """An oracle: the carried books give the continuous fold's events, bit for bit.

    Over the first two sessions the two rules differ only in level persistence (strength),
    which no idea here reads; an idea opened in the first session is managed in the second.
    """
    two = ReplaySpec(
        store=spec.store, underlying="SPX", prices=spec.prices, end=tasks[1].refs[-1].ts_event
    )
    a = replay(two, EngineParams(), tmp_path / "a")
    b = replay(two, EngineParams(), tmp_path / "b", session_boundaries=True, block_sessions=1)
    for name in ("events.sqlite", "baseline_events.sqlite"):
        assert _events(a.out / name) == _events(b.out / name)
    for stem in ("snapshots", "signals", "weights", "outcomes", "baseline_outcomes"):
        assert_frame_equal(a.frames[stem], b.frames[stem], check_exact=True)
    spans = _ideas(b.out / "events.sqlite")
    assert any(e[0][1] == tasks[0].session and e[-1][1] == tasks[1].session for e in spans.values())
    assert a.manifest["ideas"] == b.manifest["ideas"]
    assert isinstance(b.manifest["ideas"], int)
    assert b.manifest["ideas"] > 0
