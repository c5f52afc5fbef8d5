"""The session-boundary rule: what makes a replay split into sessions identical to a single fold.

**The rule.** A replay under this rule runs one fold per session; each session's fold starts from
``warm_state(store, underlying, t0, params)``, the state rebuilt from the *store* as of the
session's first quote ``t0`` (prior sessions' end-of-day snapshots, the spot path, the level
sidecars saved in the store), never from the state another session's fold ended with. So a
session's rows are a pure function of ``(store, spec, params, session)``: sessions can run in any
order, on any machine, and be re-run after a failure, and the result is the same. Their rows are
then put together in session order (``merge``), and anything stateful *across* sessions (the
recommendation lifecycle, learned weights) folds over the ``SessionResult`` values in that order
(``after_session``), on one process, after the parallel part. Learned weights may therefore change
only at session boundaries: a session's decisions use the weights as of its open.

``eots.replay.replay(..., session_boundaries=True)`` (the local runner) and
``eots.replay.distributed.replay_distributed`` both run ``replay_session`` per session and write
through the same ``write_run``, so they produce identical run folders.

**What the rule changes against one continuous fold** (``session_boundaries=False``): within a
session nothing. At a session's open, the previous update's levels (persistence: ``first_seen``,
``updates``) come from the store's level sidecars (usually none in a replayed store) instead of
the previous session's last step, the prior sessions' summaries are reduced afresh from their
end-of-day snapshots, and a snapshot captured out of order across a session boundary is analysed
in its own session (the continuous fold skips it as quoted before the previous snapshot).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from eots.core.errors import ReplayError
from eots.engine import EngineParams, fold, warm_state
from eots.replay.outputs import RunRecorder
from eots.replay.runner import Progress, ReplayResult, ReplaySpec, spec_refs, write_run
from eots.storage import PriceStore, SnapshotRef, SnapshotStore

#: ``state_rule`` written in the manifest of a replay under this module's rule.
SESSION_RULE = "session_boundaries"

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
    """What one session's fold recorded (its rows, in the run folder's schemas)."""

    session: dt.date
    recorder: RunRecorder
    analysed: int
    skipped: int


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
) -> SessionResult:
    """Fold one session from the state rebuilt from the store as of its first quote.

    Idempotent: it reads only the store and writes nothing, so a retried task gives the same
    result. ``progress`` is called with each ``Step``/``Skipped`` (local runs only).

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
    state = warm_state(store, spec.underlying, t0, params)
    recorder = RunRecorder()
    stream = ((ref, store.load(ref)) for ref in task.refs)
    for item, _state in fold(stream, params, state, prices=prices):
        recorder.record(item)
        if progress is not None:
            progress(item)
    return SessionResult(
        session=task.session,
        recorder=recorder,
        analysed=len(recorder.ids),
        skipped=len(recorder.skipped),
    )


def merge(results: Iterable[SessionResult], expected: Iterable[dt.date]) -> RunRecorder:
    """Put sessions' rows together in session order, each session exactly once.

    Every list field of ``RunRecorder`` is concatenated (so rows a later version records merge
    the same way). Raises ``ReplayError`` when a session is missing, duplicated or unexpected.
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
    for day in want:
        part = by_session[day].recorder
        if part.by_strike_band != out.by_strike_band:
            raise ReplayError(f"session {day} was recorded with another by-strike band")
        for name in lists:
            getattr(out, name).extend(getattr(part, name))
    ids = out.ids
    if len(set(ids)) != len(ids):
        raise ReplayError("a snapshot was recorded twice across sessions")
    return out


def finish(
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    tasks: tuple[SessionTask, ...],
    results: Sequence[SessionResult],
    after_session: AfterSession | None = None,
) -> ReplayResult:
    """Merge session results in order, run ``after_session`` over them in order, write the run."""
    recorder = merge(results, (t.session for t in tasks))
    if after_session is not None:
        for r in sorted(results, key=lambda r: r.session):
            after_session(r)
    refs = tuple(sorted(r for t in tasks for r in t.refs))
    return write_run(spec, params, out, recorder, refs, state_rule=SESSION_RULE)


def replay_by_session(
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    progress: Progress | None = None,
    after_session: AfterSession | None = None,
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

    results = [replay_session(spec, params, t, tick) for t in tasks]
    return finish(spec, params, out, tasks, results, after_session)


__all__ = [
    "SESSION_RULE",
    "AfterSession",
    "SessionResult",
    "SessionTask",
    "finish",
    "merge",
    "plan_sessions",
    "replay_by_session",
    "replay_session",
]
