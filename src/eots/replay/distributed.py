"""Replays on a Dask cluster (``dask.distributed``): one task per session, gathered in order.

``replay_distributed(spec, params, out, client)`` lists the store once, submits one task per
session (``eots.replay.sessions.replay_session``: a session's whole fold, vectorised inside, so a
year of history is about 250 tasks, far above the scheduler's ~1 ms per-task overhead), gathers
the results as they finish and writes the run folder through the same ``finish`` as the local
runner under the session-boundary rule (``replay(..., session_boundaries=True)``), so the two
folders are identical (the rule is in ``eots.replay.sessions``).

Fault tolerance: a task reads the store and writes nothing, so re-running it is harmless. Its key
is ``eots-session-<run token>-<YYYY-MM-DD>``, a function of the replay's inputs and the session:
the scheduler holds one task per key (submitting again returns the same future), a task lost with
a killed worker is re-run on another one, and an exception is retried ``retries`` times. Results
are merged by session, each exactly once (``sessions.merge`` refuses a missing or duplicated
session).

``connect("local:N")`` starts a ``LocalCluster`` of N single-threaded worker processes;
``connect("tcp://host:8786")`` (any scheduler address) joins an existing cluster, whose workers
must have eots installed and be able to read the store (a shared folder or an fsspec URL such
as ``s3://``; ``memory://`` stores live in one process, so only thread workers can read them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, Future, LocalCluster, as_completed

from eots.core.errors import ReplayError
from eots.engine import EngineParams
from eots.replay.runner import ReplayResult, ReplaySpec, spec_refs
from eots.replay.sessions import (
    AfterSession,
    SessionResult,
    SessionTask,
    finish,
    plan_sessions,
    replay_session,
)
from eots.storage import SnapshotStore

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


def session_key(token: str, task: SessionTask) -> str:
    """Return the Dask key of one session's task."""
    return f"eots-session-{token}-{task.key}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingReplay:
    """A replay submitted to a cluster: its sessions and one future per session, in order."""

    spec: ReplaySpec
    params: EngineParams
    tasks: tuple[SessionTask, ...]
    futures: tuple[Future[SessionResult], ...]


def submit_replay(
    spec: ReplaySpec, params: EngineParams, client: Client, *, retries: int = 2
) -> PendingReplay:
    """List the store and submit one task per session (keys from ``session_key``).

    Several replays (a sweep's configs) can be submitted before any is collected, so that all
    their sessions share the cluster.

    Raises
    ------
    ReplayError
        If the store holds no snapshot of the underlying in the range.
    """
    if retries < 0:
        raise ValueError(f"expected retries >= 0, was {retries}")
    store = SnapshotStore.open(spec.store)
    tasks = plan_sessions(spec_refs(store, spec))
    token = run_token(spec, params)
    futures = tuple(
        client.submit(
            replay_session, spec, params, task, key=session_key(token, task), retries=retries
        )
        for task in tasks
    )
    return PendingReplay(spec=spec, params=params, tasks=tasks, futures=futures)


def collect_replay(
    pending: PendingReplay,
    out: Path,
    *,
    progress: SessionProgress | None = None,
    after_session: AfterSession | None = None,
) -> ReplayResult:
    """Gather a submitted replay's sessions as they finish; write the run folder ``out``."""
    results: list[SessionResult] = []
    total = len(pending.tasks)
    try:
        for done, future in enumerate(as_completed(pending.futures), start=1):  # type: ignore[no-untyped-call]
            result = future.result()
            if not isinstance(result, SessionResult):
                raise ReplayError(f"expected a SessionResult, was {type(result).__name__}")
            results.append(result)
            if progress is not None:
                progress(done, total, result.session)
    finally:
        for future in pending.futures:
            future.release()  # type: ignore[no-untyped-call]
    return finish(pending.spec, pending.params, out, pending.tasks, results, after_session)


def replay_distributed(  # noqa: PLR0913  (keyword-only progress, hook and retry options)
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    client: Client,
    *,
    progress: SessionProgress | None = None,
    after_session: AfterSession | None = None,
    retries: int = 2,
) -> ReplayResult:
    """Replay ``spec`` on ``client``'s cluster, one task per session; write the run folder ``out``.

    The same run folder as ``replay(spec, params, out, session_boundaries=True)``.

    Parameters
    ----------
    spec, params, out
        As ``eots.replay.replay``; ``spec.store``/``prices`` must be readable by the workers.
    client
        A connected ``distributed.Client`` (``connect``).
    progress
        Called as each session's result arrives (in completion order).
    after_session
        Called with each ``SessionResult`` in session order once all are gathered: where the
        stateful fold across sessions (lifecycle, learning) runs.
    retries
        Re-runs of a task that raised (a lost worker is recovered from regardless).

    Raises
    ------
    ReplayError
        If the store holds nothing in the range, or a session is lost or duplicated.
    EotsError
        Whatever a session's task raised after its retries (e.g. ``SchemaError`` for a damaged
        file, naming it).
    """
    pending = submit_replay(spec, params, client, retries=retries)
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
            env={"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1"},
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
]
