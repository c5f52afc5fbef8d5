"""The session-boundary rule: what makes a replay split into sessions identical to a single fold.

**The rule.** A replay under this rule runs each session's expensive part on its own
(``replay_session``): it starts from ``warm_state(store, underlying, t0, params)``, the state
rebuilt from the *store* as of the session's first quote ``t0`` (prior sessions' end-of-day
snapshots, the spot path, the level sidecars saved in the store), never from the state another
session ended with, and reads learned weights as of the start of its block of
``block_sessions`` sessions. So a session's rows are a pure function of ``(store, spec, params,
session, weights)``: the sessions of a block can run in any order, on any machine, and be re-run
after a failure. The recommendation lifecycle, the baseline's book, the pending evidence and the
learning rule then fold over the sessions' parts in session order on one process
(``fold_sessions``, ``eots.replay.carry.CarryFold``): positions carry across sessions, and the
fold over a block gives the next block its weights.

``eots.replay.replay(..., session_boundaries=True)`` (the local runner) and
``eots.replay.distributed.replay_distributed`` both drive ``fold_sessions`` (one with a loop,
one with a cluster) and write through the same ``write_run``, so they produce identical run
folders, bit for bit (polars on its in-memory engine, ``eots.core.ordered``).

**What the rule changes against one continuous fold** (``session_boundaries=False``): within a
session nothing. At a session's open, the previous update's levels (persistence: ``first_seen``,
``updates``) come from the store's level sidecars (usually none in a replayed store) instead of
the previous session's last step, the prior sessions' summaries are reduced afresh from their
end-of-day snapshots, and a snapshot captured out of order across a session boundary is analysed
in its own session (the continuous fold skips it as quoted before the previous snapshot), and
decisions read learned weights as of their block's start (``eots.replay.carry``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from eots.core.errors import ReplayError
from eots.core.ordered import in_memory
from eots.engine import EngineParams, warm_state
from eots.engine.step import neutral_book
from eots.replay.carry import CarryFold, StepPart, analysed_steps
from eots.replay.outputs import RunRecorder, weight_rows
from eots.replay.runner import (
    Progress,
    ReplayResult,
    ReplaySpec,
    _log,
    _logs,
    known_bars,
    spec_refs,
    write_run,
)
from eots.storage import PriceStore, SnapshotRef, SnapshotStore
from eots.storage.events import EventLog
from eots.tracking.learning import LearnedWeights

#: ``state_rule`` written in the manifest of a replay under this module's rule.
SESSION_RULE = "session_boundaries"

#: Sessions per block of the weights rule (about a trading month): see ``eots.replay.carry``.
BLOCK_SESSIONS = 21

#: Called with each session's result, in session order, after the parallel part.
AfterSession = Callable[["SessionResult"], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTask:
    """One unit of work: a session and its refs in capture order (``ts_recv``, then quote time)."""

    session: dt.date
    refs: tuple[SnapshotRef, ...]

    @property
    def key(self) -> str:
        """The session's key (``YYYY-MM-DD``): results are gathered and merged by it."""
        return self.session.isoformat()


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionResult:
    """What one session's parallel part recorded (its rows, in the run folder's schemas).

    ``parts`` (one per analysed snapshot) feed the cross-session fold and are dropped once
    folded; the fold adds the session's idea count and weight rows to ``recorder``.
    """

    session: dt.date
    recorder: RunRecorder
    analysed: int
    skipped: int
    parts: tuple[StepPart, ...] = ()


def plan_sessions(refs: Iterable[SnapshotRef]) -> tuple[SessionTask, ...]:
    """Group refs by session (ascending), each in capture order as ``stored_stream`` reads them.

    Examples
    --------
    >>> plan_sessions(())
    ()
    """
    ordered = sorted(refs, key=lambda r: (r.session, r.ts_recv, r.ts_event))
    return tuple(
        SessionTask(session=day, refs=tuple(group))
        for day, group in groupby(ordered, key=lambda r: r.session)
    )


def replay_session(
    spec: ReplaySpec,
    params: EngineParams,
    task: SessionTask,
    progress: Callable[[Any], None] | None = None,
    *,
    weights: LearnedWeights | None = None,
) -> SessionResult:
    """Run one session's parallel part from the state rebuilt from the store as of its first quote.

    Every step's analysis, signals and unfiltered ideas with the block's ``weights`` (neutral
    when None), and the small ``StepPart`` the cross-session fold needs (``eots.replay.carry``).
    Idempotent: it reads only the store and writes nothing, so a retried task gives the same
    result. ``progress`` is called with each ``Step``/``Skipped`` (local runs only). Polars runs
    on its in-memory engine (``eots.core.ordered``): the same bits on every process.

    Raises
    ------
    ReplayError
        If ``task`` holds no refs or refs of another session.
    SchemaError
        For a damaged stored snapshot (naming the file).
    """
    if not task.refs or any(r.session != task.session for r in task.refs):
        raise ReplayError(f"expected the refs of session {task.key} only, was {len(task.refs)}")
    store = SnapshotStore.open(spec.store)
    prices = PriceStore.open(spec.prices) if spec.prices is not None else None
    t0 = min(r.ts_event for r in task.refs)
    t1 = max(r.ts_event for r in task.refs)
    learned = weights if weights is not None else neutral_book(params).weights
    recorder = RunRecorder()
    parts: list[StepPart] = []
    with in_memory():
        state = warm_state(store, spec.underlying, t0, params)
        bars = known_bars(prices, spec.underlying, t0, t1)
        stream = ((ref, store.load(ref)) for ref in task.refs)
        for item, part in analysed_steps(stream, state, params, learned, bars):
            recorder.record(item)
            if part is not None:
                parts.append(part)
            if progress is not None:
                progress(item)
    return SessionResult(
        session=task.session,
        recorder=recorder,
        analysed=len(recorder.ids),
        skipped=len(recorder.skipped),
        parts=tuple(parts),
    )


def merge(results: Iterable[SessionResult], expected: Iterable[dt.date]) -> RunRecorder:
    """Put sessions' rows together in session order, each session exactly once.

    Every list field of ``RunRecorder`` is concatenated and every count added (so rows a later
    version records merge the same way). Raises ``ReplayError`` when a session is missing,
    duplicated or unexpected.
    """
    by_session: dict[dt.date, SessionResult] = {}
    for r in results:
        if r.session in by_session:
            raise ReplayError(f"session {r.session} was returned twice")
        by_session[r.session] = r
    want = sorted(set(expected))
    if sorted(by_session) != want:
        missing = sorted(set(want) - set(by_session))
        extra = sorted(set(by_session) - set(want))
        raise ReplayError(f"sessions missing {missing}, unexpected {extra}")
    out = RunRecorder()
    fields = dataclasses.fields(RunRecorder)
    lists = [f.name for f in fields if isinstance(getattr(out, f.name), list)]
    counts = [f.name for f in fields if type(getattr(out, f.name)) is int]
    for day in want:
        part = by_session[day].recorder
        if part.by_strike_band != out.by_strike_band:
            raise ReplayError(f"session {day} was recorded with another by-strike band")
        for name in lists:
            getattr(out, name).extend(getattr(part, name))
        for name in counts:
            setattr(out, name, getattr(out, name) + getattr(part, name))
    ids = out.ids
    if len(set(ids)) != len(ids):
        raise ReplayError("a snapshot was recorded twice across sessions")
    return out


#: Runs one block's sessions with the block's weights; yields their results in any order.
BlockRunner = Callable[[Sequence[SessionTask], LearnedWeights], Iterable[SessionResult]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunPlan:
    """A replay under the rule: what, where, its sessions, and the weights' block length."""

    spec: ReplaySpec
    params: EngineParams
    out: Path
    tasks: tuple[SessionTask, ...]
    block_sessions: int = BLOCK_SESSIONS


def fold_sessions(
    plan: RunPlan,
    run_block: BlockRunner,
    after_session: AfterSession | None = None,
) -> ReplayResult:
    """Run ``plan`` block by block; fold the lifecycle over the sessions in order; write the run.

    Each block's sessions are run by ``run_block`` (in parallel, in any order) with the weights
    the fold has learned by the block's start; their parts are folded in session order as soon
    as every earlier session is in, and dropped once folded (``eots.replay.carry``).

    Raises
    ------
    ReplayError
        If a session is returned twice, is missing, or is not the block's; if ``out`` already
        holds an event log.
    """
    spec, params, tasks = plan.spec, plan.params, plan.tasks
    if plan.block_sessions < 1:
        raise ValueError(f"expected block_sessions >= 1, was {plan.block_sessions}")
    prices = PriceStore.open(spec.prices) if spec.prices is not None else None
    refs = tuple(sorted(r for t in tasks for r in t.refs))
    plan.out.mkdir(parents=True, exist_ok=True)
    logs = _logs(plan.out, params, resume=False)
    with in_memory():
        carry = CarryFold.start(
            params, known_bars(prices, spec.underlying, refs[0].ts_event, refs[-1].ts_event)
        )
        folded: list[SessionResult] = []
        for b in range(0, len(tasks), plan.block_sessions):
            block = tasks[b : b + plan.block_sessions]
            folded += _fold_block(block, run_block(block, carry.weights()), carry, logs)
    recorder = merge(folded, (t.session for t in tasks))
    if after_session is not None:
        for r in folded:
            after_session(r)
    tracked = params.components.tracking
    books = (
        carry.book if tracked else None,
        carry.baseline if params.components.baseline and tracked else None,
    )
    return write_run(
        spec,
        params,
        plan.out,
        recorder,
        refs,
        state_rule=SESSION_RULE,
        books=books,
        block_sessions=plan.block_sessions,
    )


def _fold_block(
    block: Sequence[SessionTask],
    results: Iterable[SessionResult],
    carry: CarryFold,
    logs: tuple[EventLog, EventLog] | None,
) -> list[SessionResult]:
    want = [t.session for t in block]
    waiting: dict[dt.date, SessionResult] = {}
    done: list[SessionResult] = []
    for result in results:
        if result.session not in want or result.session in waiting:
            raise ReplayError(f"session {result.session} was returned twice or out of its block")
        if any(d.session == result.session for d in done):
            raise ReplayError(f"session {result.session} was returned twice")
        waiting[result.session] = result
        while len(done) < len(want) and want[len(done)] in waiting:
            done.append(_fold_session(waiting.pop(want[len(done)]), carry, logs))
    if len(done) < len(want):
        raise ReplayError(f"sessions missing {want[len(done) :]}")
    return done


def _fold_session(
    result: SessionResult, carry: CarryFold, logs: tuple[EventLog, EventLog] | None
) -> SessionResult:
    recorder = result.recorder
    for part in result.parts:
        step = carry.step(part)
        recorder.ideas += step.ideas
        recorder.weights += weight_rows(step.events)
        if logs is not None:
            _log(logs[0], step.events)
            _log(logs[1], step.baseline_events)
    return dataclasses.replace(result, parts=())


def replay_by_session(
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    progress: Progress | None = None,
    after_session: AfterSession | None = None,
    *,
    block_sessions: int = BLOCK_SESSIONS,
) -> ReplayResult:
    """Replay ``spec`` under the session-boundary rule on this process (module docstring)."""
    store = SnapshotStore.open(spec.store)
    tasks = plan_sessions(spec_refs(store, spec))
    total = sum(len(t.refs) for t in tasks)
    done = 0

    def tick(item: Any) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, item)

    def run_block(block: Sequence[SessionTask], weights: LearnedWeights) -> Iterator[SessionResult]:
        for t in block:
            yield replay_session(spec, params, t, tick, weights=weights)

    plan = RunPlan(spec=spec, params=params, out=out, tasks=tasks, block_sessions=block_sessions)
    return fold_sessions(plan, run_block, after_session)


__all__ = [
    "BLOCK_SESSIONS",
    "SESSION_RULE",
    "AfterSession",
    "BlockRunner",
    "RunPlan",
    "SessionResult",
    "SessionTask",
    "fold_sessions",
    "merge",
    "plan_sessions",
    "replay_by_session",
    "replay_session",
]
