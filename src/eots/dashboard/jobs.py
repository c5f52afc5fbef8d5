"""Analyses computed off the request path: one worker thread, results kept by snapshot and scope.

A callback asks ``AnalysisJobs.get``; a finished analysis comes back at once, otherwise the job is
started (or left running) and the callback shows "computing" until the next poll. Failures are
kept as their message, shown on the page instead of a trace (the trace of an unexpected error
goes to the server log, once).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from eots.core.errors import EotsError
from eots.dashboard import data
from eots.pipeline import Analysis

_LOG = logging.getLogger("eots.dashboard")

#: Finished or failed jobs kept before the oldest are forgotten (the analyses stay in
#: ``data``'s own cache).
MAX_JOBS = 64


@dataclass(frozen=True, slots=True)
class Pending:
    """The analysis is being computed."""

    snapshot_id: str
    scope: str


@dataclass(frozen=True, slots=True)
class Failed:
    """The analysis could not be computed; ``message`` says why (no trace)."""

    snapshot_id: str
    scope: str
    message: str


class AnalysisJobs:
    """Background analyses of one store, keyed by ``(snapshot_id, scope)``."""

    def __init__(self, store: Path) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eots-analysis")
        self._jobs: dict[tuple[str, str], Future[Analysis]] = {}
        self._lock = threading.Lock()

    def get(self, snapshot_id: str, scope: str) -> Analysis | Pending | Failed:
        """Return the analysis if finished; otherwise start it and return ``Pending``."""
        key = (snapshot_id, scope)
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = self._pool.submit(data.analysis_for, self._store, snapshot_id, scope)
                job.add_done_callback(_log_unexpected)
                self._jobs[key] = job
                self._forget_oldest()
        if not job.done():
            return Pending(snapshot_id, scope)
        error = job.exception()
        if error is None:
            return job.result()
        # A failure is kept, not retried: a stored file never changes under its id (its name
        # carries its content hash). Unexpected errors are logged once, with their trace.
        return Failed(snapshot_id, scope, f"{type(error).__name__}: {error}")

    def prefetch(self, snapshot_id: str, scope: str) -> None:
        """Start the analysis of a snapshot nobody has asked for yet (a new latest one)."""
        self.get(snapshot_id, scope)

    def wait(self, snapshot_id: str, scope: str, timeout_s: float) -> Analysis | Pending | Failed:
        """Return the analysis, waiting up to ``timeout_s`` seconds for it to finish."""
        self.get(snapshot_id, scope)
        with self._lock:
            job = self._jobs.get((snapshot_id, scope))
        if job is not None:
            try:
                job.exception(timeout=timeout_s)
            except TimeoutError:
                return Pending(snapshot_id, scope)
        return self.get(snapshot_id, scope)

    def shutdown(self) -> None:
        """Stop the worker (running jobs finish; queued ones are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _forget_oldest(self) -> None:
        while len(self._jobs) > MAX_JOBS:
            oldest = next(iter(self._jobs))
            if not self._jobs[oldest].done():
                break
            del self._jobs[oldest]


def _log_unexpected(job: Future[Analysis]) -> None:
    error = None if job.cancelled() else job.exception()
    if error is not None and not isinstance(error, EotsError):
        _LOG.error("analysis failed", exc_info=error)
