"""Replays on a Dask cluster (``dask.distributed``): one task per session, folded in order.

``replay_distributed(spec, params, out, client)`` lists the store once, submits one task per
session of the first block (``eots.replay.sessions.replay_session``: a session's whole parallel
part, vectorised inside, so a year of history is about 250 tasks, far above the scheduler's ~1 ms
per-task overhead), folds the lifecycle and learning over the results in session order as they
arrive, submits the next block with the weights learned so far, and writes the run folder through
the same ``fold_sessions`` as the local runner under the session-boundary rule
(``replay(..., session_boundaries=True)``), so the two folders are identical bit for bit (the rule
is in ``eots.replay.sessions`` and ``eots.replay.carry``).

Fault tolerance: a task reads the store and writes nothing, so re-running it is harmless. Its key
is ``eots-session-<run token>-<weights token>-<YYYY-MM-DD>``, a function of the replay's inputs,
the block's weights and the session:
the scheduler holds one task per key (submitting again returns the same future), a task lost with
a killed worker is re-run on another one, and an exception is retried ``retries`` times. Results
are merged by session, each exactly once (``sessions.merge`` refuses a missing or duplicated
session).

``connect("local:N")`` starts a ``LocalCluster`` of N single-threaded worker processes (polars
and BLAS on one thread, polars on its in-memory engine);
``connect("tcp://host:8786")`` (any scheduler address) joins an existing cluster, whose workers
must have eots installed and be able to read the store (a shared folder or an fsspec URL such
as ``s3://``; ``memory://`` stores live in one process, so only thread workers can read them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import pickle
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, Future, LocalCluster, as_completed

from eots.core.errors import ReplayError
from eots.core.ordered import ENGINE_ENV
from eots.engine import EngineParams
from eots.engine.step import neutral_book
from eots.replay.runner import ReplayResult, ReplaySpec, spec_refs
from eots.replay.sessions import (
    BLOCK_SESSIONS,
    AfterSession,
    RunPlan,
    SessionResult,
    SessionTask,
    fold_sessions,
    plan_sessions,
    replay_session,
)
from eots.storage import SnapshotStore
from eots.tracking.learning import LearnedWeights

#: Called after each gathered session with (sessions done, sessions in total, that session).
SessionProgress = Callable[[int, int, dt.date], None]

_LOCAL = re.compile(r"^local:(\d+)$")


def run_token(spec: ReplaySpec, params: EngineParams) -> str:
    """Return a short hash of everything a session's result depends on (task keys use it)."""
    text = json.dumps(
        [
            params.fingerprint(),
            str(spec.store),
            spec.underlying.upper(),
            None if spec.start is None else spec.start.isoformat(),
            None if spec.end is None else spec.end.isoformat(),
            None if spec.prices is None else str(spec.prices),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def session_key(token: str, task: SessionTask, weights: str = "") -> str:
    """Return the Dask key of one session's task (``weights``: the block's weights token)."""
    return f"eots-session-{token}{'-' + weights if weights else ''}-{task.key}"


def weights_token(weights: LearnedWeights) -> str:
    """Return a short hash of learned weights (a block's tasks depend on them)."""
    return hashlib.sha256(pickle.dumps(weights)).hexdigest()[:12]


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingReplay:
    """A replay submitted to a cluster: its sessions, and its first block's futures in order.

    Later blocks are submitted by ``collect_replay`` with the weights the fold has learned.
    """

    spec: ReplaySpec
    params: EngineParams
    tasks: tuple[SessionTask, ...]
    futures: tuple[Future[SessionResult], ...]
    client: Client
    retries: int
    block_sessions: int


def _submit(
    pending: PendingReplay, block: Sequence[SessionTask], weights: LearnedWeights
) -> tuple[Future[SessionResult], ...]:
    token, wtoken = run_token(pending.spec, pending.params), weights_token(weights)
    return tuple(
        pending.client.submit(
            replay_session,
            pending.spec,
            pending.params,
            task,
            weights=weights,
            key=session_key(token, task, wtoken),
            retries=pending.retries,
        )
        for task in block
    )


def submit_replay(
    spec: ReplaySpec,
    params: EngineParams,
    client: Client,
    *,
    retries: int = 2,
    block_sessions: int = BLOCK_SESSIONS,
) -> PendingReplay:
    """List the store and submit the first block's sessions, one task each (``session_key``).

    Several replays (a sweep's configs) can be submitted before any is collected, so that all
    their first blocks share the cluster.

    Raises
    ------
    ReplayError
        If the store holds no snapshot of the underlying in the range.
    """
    if retries < 0:
        raise ValueError(f"expected retries >= 0, was {retries}")
    if block_sessions < 1:
        raise ValueError(f"expected block_sessions >= 1, was {block_sessions}")
    store = SnapshotStore.open(spec.store)
    tasks = plan_sessions(spec_refs(store, spec))
    pending = PendingReplay(
        spec=spec,
        params=params,
        tasks=tasks,
        futures=(),
        client=client,
        retries=retries,
        block_sessions=block_sessions,
    )
    first = _submit(pending, tasks[:block_sessions], neutral_book(params).weights)
    return dataclasses.replace(pending, futures=first)


def collect_replay(
    pending: PendingReplay,
    out: Path,
    *,
    progress: SessionProgress | None = None,
    after_session: AfterSession | None = None,
) -> ReplayResult:
    """Gather a submitted replay block by block, folding the lifecycle in order; write ``out``."""
    total = len(pending.tasks)
    done = 0

    def run_block(block: Sequence[SessionTask], weights: LearnedWeights) -> Iterator[SessionResult]:
        nonlocal done
        first = block[0].session == pending.tasks[0].session
        futures = pending.futures if first else _submit(pending, block, weights)
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                result = future.result()
                if not isinstance(result, SessionResult):
                    raise ReplayError(f"expected a SessionResult, was {type(result).__name__}")
                done += 1
                if progress is not None:
                    progress(done, total, result.session)
                yield result
        finally:
            for future in futures:
                future.release()  # type: ignore[no-untyped-call]

    plan = RunPlan(
        spec=pending.spec,
        params=pending.params,
        out=out,
        tasks=pending.tasks,
        block_sessions=pending.block_sessions,
    )
    return fold_sessions(plan, run_block, after_session)


def replay_distributed(  # noqa: PLR0913  (keyword-only progress, hook, retry and block options)
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    client: Client,
    *,
    progress: SessionProgress | None = None,
    after_session: AfterSession | None = None,
    retries: int = 2,
    block_sessions: int = BLOCK_SESSIONS,
) -> ReplayResult:
    """Replay ``spec`` on ``client``'s cluster, one task per session; write the run folder ``out``.

    The same run folder, bit for bit, as ``replay(spec, params, out, session_boundaries=True,
    block_sessions=block_sessions)``.

    Parameters
    ----------
    spec, params, out
        As ``eots.replay.replay``; ``spec.store``/``prices`` must be readable by the workers.
    client
        A connected ``distributed.Client`` (``connect``).
    progress
        Called as each session's result arrives (in completion order).
    after_session
        Called with each ``SessionResult`` in session order once all are folded.
    retries
        Re-runs of a task that raised (a lost worker is recovered from regardless).
    block_sessions
        Sessions per block of the weights rule (``eots.replay.carry``): the sessions of a block
        run in parallel with the weights learned by its start.

    Raises
    ------
    ReplayError
        If the store holds nothing in the range, or a session is lost or duplicated.
    EotsError
        Whatever a session's task raised after its retries (e.g. ``SchemaError`` for a damaged
        file, naming it).
    """
    pending = submit_replay(spec, params, client, retries=retries, block_sessions=block_sessions)
    return collect_replay(pending, out, progress=progress, after_session=after_session)


def parse_cluster(text: str) -> tuple[int | None, str | None]:
    """Return ``(workers, None)`` for ``local:N`` or ``(None, address)`` for a scheduler address.

    Examples
    --------
    >>> parse_cluster("local:4"), parse_cluster("tcp://10.0.0.5:8786")
    ((4, None), (None, 'tcp://10.0.0.5:8786'))
    """
    text = text.strip()
    match = _LOCAL.match(text)
    if match:
        n = int(match.group(1))
        if n < 1:
            raise ValueError(f"expected local:N with N >= 1, was {text!r}")
        return n, None
    if not text or text.startswith("local"):
        raise ValueError(f"expected local:N or a scheduler address (tcp://host:8786), was {text!r}")
    return None, text


@contextmanager
def connect(cluster: str, *, memory_limit: str = "2GiB") -> Iterator[Client]:
    """Yield a client of ``cluster`` (``local:N`` or a scheduler address); close it after.

    ``local:N`` starts N worker processes with one thread each (a session is one vectorised
    fold: threads within a process would contend for the GIL), polars and BLAS limited to one
    thread per worker (one session per core, no oversubscription) and ``memory_limit`` each.
    """
    workers, address = parse_cluster(cluster)
    if address is not None:
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
            env={"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", **ENGINE_ENV},
        ) as local,
        Client(local) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


__all__ = [
    "PendingReplay",
    "SessionProgress",
    "collect_replay",
    "connect",
    "parse_cluster",
    "replay_distributed",
    "run_token",
    "session_key",
    "submit_replay",
    "weights_token",
]
