"""The polling loop behind ``eots collect``: fetch chains on a schedule and store each snapshot.

``collect`` polls every underlying once per round, one round every ``every``, and saves each
validated snapshot with the store's atomic ``save``. What it guarantees:

* **calendar-aware** (default): rounds run only inside NYSE sessions (XNYS: no weekends, holidays,
  pre-market or after the close; early closes respected). With ``outside_hours=True`` rounds also
  run outside regular hours on session days (pre-market, after the close), never on weekends or
  holidays; with ``calendar_aware=False`` they run at any time. While the market is shut the loop
  sleeps until the next session opens (in waits of at most ``MAX_IDLE_WAIT``, re-checking the
  clock after each).
* **survives outages**: a fetch that raises (``SourceUnavailable``, ``PayloadError``,
  ``SchemaError``, or any other exception of the source: a fetch is an untrusted edge) is counted,
  reported as an event with the exception's type and remembered as the last error; the loop
  carries on. Only a failure of the store (disk full, permissions) ends it. When a whole round
  fails, the next one is delayed by an
  exponential backoff, ``every * 2**(n-1)`` after ``n`` failed rounds in a row, capped at
  ``max_backoff`` (never less than ``every``); one success resets it.
* **nothing stored is bad or repeated**: only snapshots that passed ``build_snapshot`` reach the
  store; a snapshot whose content (spot and contracts, not its times) equals the last one saved for
  its underlying is skipped, and so is one the store already holds (``SaveResult.duplicate``).
* **stops cleanly**: when ``stop`` is set (checked before each fetch and after each wait; a
  signal handler sets it), after ``max_polls`` rounds, or on ``KeyboardInterrupt``; every save
  before that is complete on disk (the store writes atomically) and the summary says why the loop
  ended. ``CollectSummary.all_failed`` tells a caller that fetches were tried and none succeeded.
* **one time zone**: every time in an event's message is US/Eastern, labelled (``EST``/``EDT``);
  the times themselves travel as aware datetimes (``at``, ``resume_at``, ``opens_at``).
* **logged**: every event is also a log record of the ``eots.collect.loop`` logger (failures at
  WARNING, the rest at INFO) with ``event``, ``poll``, ``underlying``, ``path`` and ``resume_at``
  as key=value fields (``eots.core.logs``: secrets in the environment are redacted).

Time comes only from the injected ``clock`` and passes only through the injected ``sleep``, so tests
drive the loop with a stepping fake clock. Pass ``stop.wait`` as ``sleep`` in a real run so that
setting ``stop`` ends a wait at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from eots.chain.snapshot import ChainSnapshot
from eots.core.clock import Clock
from eots.core.time import ET, nyse_calendar
from eots.sources.base import ChainSource
from eots.storage.snapshots import SaveResult

log = logging.getLogger(__name__)

#: Longest single wait while the market is shut (the loop re-checks the clock after it).
MAX_IDLE_WAIT = dt.timedelta(hours=1)


class SnapshotSink(Protocol):
    """Where snapshots go: ``eots.storage.SnapshotStore`` or a test double."""

    def save(self, snapshot: ChainSnapshot) -> SaveResult:
        """Store ``snapshot`` atomically (``duplicate=True`` when it was already stored)."""
        ...


class EventKind(StrEnum):
    """What a ``CollectEvent`` reports."""

    SAVED = "saved"  # a new snapshot was stored
    DUPLICATE = "duplicate"  # same content as the last snapshot: not stored again
    FAILED = "failed"  # the fetch or its validation failed; the loop carries on
    WAITING = "waiting"  # market shut (or backing off): sleeping until ``resume_at``
    STOPPED = "stopped"  # the loop ended (the summary follows)


class StopReason(StrEnum):
    """Why ``collect`` returned."""

    MAX_POLLS = "max_polls"
    STOP_EVENT = "stop_event"
    INTERRUPTED = "interrupted"  # KeyboardInterrupt (Ctrl-C)


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectEvent:
    """One progress report for the CLI (``on_event``)."""

    kind: EventKind
    at: dt.datetime
    poll: int
    underlying: str | None = None
    message: str = ""
    path: Path | None = None
    resume_at: dt.datetime | None = None
    snapshot: ChainSnapshot | None = None  # the snapshot just saved (SAVED events only)
    opens_at: dt.datetime | None = None  # WAITING while shut: when the next session opens


@dataclass(frozen=True, slots=True, kw_only=True)
class UnderlyingTally:
    """Counts for one underlying."""

    underlying: str
    saved: int = 0
    duplicates: int = 0
    failures: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectSummary:
    """What a ``collect`` run did.

    ``polls`` counts rounds (each round fetches every underlying once); ``last_error`` is the
    message of the most recent failure, if any, and ``last_error_at`` its time.
    """

    started: dt.datetime
    ended: dt.datetime
    polls: int
    saved: int
    duplicates: int
    failures: int
    stopped_by: StopReason
    per_underlying: tuple[UnderlyingTally, ...]
    saved_paths: tuple[Path, ...]
    last_error: str | None = None
    last_error_at: dt.datetime | None = None

    @property
    def all_failed(self) -> bool:
        """Whether fetches were tried and every one failed (nothing saved or unchanged)."""
        return self.failures > 0 and self.saved == 0 and self.duplicates == 0


@dataclass(slots=True)
class _State:
    underlyings: tuple[str, ...]
    saved: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    polls: int = 0
    failed_rounds: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None

    def bump(self, counts: dict[str, int], underlying: str) -> None:
        counts[underlying] = counts.get(underlying, 0) + 1

    def tallies(self) -> tuple[UnderlyingTally, ...]:
        return tuple(
            UnderlyingTally(
                underlying=u,
                saved=self.saved.get(u, 0),
                duplicates=self.duplicates.get(u, 0),
                failures=self.failures.get(u, 0),
                last_error=self.errors.get(u),
            )
            for u in self.underlyings
        )


def collect(  # noqa: PLR0913  (keyword-only schedule options with documented defaults)
    source: ChainSource,
    store: SnapshotSink,
    underlyings: Sequence[str],
    *,
    every: dt.timedelta,
    clock: Clock,
    sleep: Callable[[float], object],
    calendar_aware: bool = True,
    outside_hours: bool = False,
    max_polls: int | None = None,
    on_event: Callable[[CollectEvent], None] | None = None,
    stop: threading.Event | None = None,
    max_backoff: dt.timedelta = dt.timedelta(minutes=10),
) -> CollectSummary:
    """Poll ``underlyings`` from ``source`` every ``every`` and save each snapshot to ``store``.

    Parameters
    ----------
    source
        A ``ChainSource`` (``CboeLiveSource``, ``TradierSource``, ...).
    store
        Receives each new validated snapshot (``SnapshotStore``).
    underlyings
        Symbols polled in this order in every round (``SPX``, ``SPY``, ...).
    every
        Time between the starts of two rounds (> 0).
    clock, sleep
        The time source and the wait (seconds); ``stop.wait`` makes waits interruptible.
    calendar_aware, outside_hours
        When rounds may run (module docstring).
    max_polls
        Stop after this many rounds (None: until stopped).
    on_event
        Called with every ``CollectEvent`` (progress, failures, waits).
    stop
        Set it (from another thread or a signal handler) to end the loop cleanly.
    max_backoff
        Longest delay between rounds while every fetch keeps failing.

    Returns
    -------
    CollectSummary
        Counts, saved paths, the last error and why the loop ended.
    """
    if every <= dt.timedelta(0):
        raise ValueError(f"expected a positive polling interval, was {every}")
    if max_polls is not None and max_polls < 0:
        raise ValueError(f"expected max_polls >= 0, was {max_polls}")
    if not underlyings:
        raise ValueError("expected at least one underlying")
    names = tuple(dict.fromkeys(u.strip().upper() for u in underlyings))
    state = _State(underlyings=names)
    emit = _logged(on_event or _ignore)
    log.info(
        "collect started",
        extra={"underlyings": ",".join(names), "every_s": every.total_seconds()},
    )
    started = clock.now()
    reason = StopReason.STOP_EVENT
    try:
        loop = _Loop(every, clock, sleep, emit, stop, max_backoff)
        window = _Window(calendar_aware, outside_hours)
        reason = _run(source, store, state, loop, window, max_polls)
    except KeyboardInterrupt:
        reason = StopReason.INTERRUPTED
    ended = clock.now()
    summary = CollectSummary(
        started=started,
        ended=ended,
        polls=state.polls,
        saved=sum(state.saved.values()),
        duplicates=sum(state.duplicates.values()),
        failures=sum(state.failures.values()),
        stopped_by=reason,
        per_underlying=state.tallies(),
        saved_paths=tuple(state.paths),
        last_error=state.last_error,
        last_error_at=state.last_error_at,
    )
    emit(
        CollectEvent(
            kind=EventKind.STOPPED,
            at=ended,
            poll=state.polls,
            message=f"stopped ({reason.value}): {summary.saved} saved, "
            f"{summary.duplicates} duplicates, {summary.failures} failures",
        )
    )
    return summary


@dataclass(frozen=True, slots=True)
class _Loop:
    every: dt.timedelta
    clock: Clock
    sleep: Callable[[float], object]
    emit: Callable[[CollectEvent], None]
    stop: threading.Event | None
    max_backoff: dt.timedelta

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def wait_until(self, when: dt.datetime) -> None:
        seconds = (when - self.clock.now()).total_seconds()
        if seconds > 0:
            self.sleep(seconds)


@dataclass(frozen=True, slots=True)
class _Window:
    calendar_aware: bool
    outside_hours: bool

    def next_open(self, now: dt.datetime) -> dt.datetime | None:
        """Return None when a round may run at ``now``, else when the window opens next."""
        if not self.calendar_aware:
            return None
        cal = nyse_calendar()
        day = now.astimezone(ET).date()
        bounds = cal.session_bounds(day)
        if bounds is not None:
            if self.outside_hours or bounds[0] <= now < bounds[1]:
                return None
            if now < bounds[0]:
                return bounds[0]
        nxt = cal.next_session(day)
        nxt_bounds = cal.session_bounds(nxt)
        assert nxt_bounds is not None
        if self.outside_hours:
            return dt.datetime.combine(nxt, dt.time(0, 0), tzinfo=ET).astimezone(dt.UTC)
        return nxt_bounds[0]


def _run(
    source: ChainSource,
    store: SnapshotSink,
    state: _State,
    loop: _Loop,
    window: _Window,
    max_polls: int | None,
) -> StopReason:
    next_round = loop.clock.now()
    while True:
        if loop.stopped():
            return StopReason.STOP_EVENT
        if max_polls is not None and state.polls >= max_polls:
            return StopReason.MAX_POLLS
        now = loop.clock.now()
        opens = window.next_open(now)
        if opens is not None:
            resume = min(opens, now + MAX_IDLE_WAIT)
            loop.emit(
                CollectEvent(
                    kind=EventKind.WAITING,
                    at=now,
                    poll=state.polls,
                    message=f"market closed; next session opens {et_text(opens)}",
                    resume_at=resume,
                    opens_at=opens,
                )
            )
            loop.wait_until(resume)
            next_round = max(next_round, loop.clock.now())
            continue
        if now < next_round:
            loop.wait_until(next_round)
            continue
        state.polls += 1
        ok = _round(source, store, state, loop)
        if ok is None:
            return StopReason.STOP_EVENT
        state.failed_rounds = 0 if ok else state.failed_rounds + 1
        next_round = _next_round(next_round, loop, state.failed_rounds)
        if state.failed_rounds:
            loop.emit(
                CollectEvent(
                    kind=EventKind.WAITING,
                    at=loop.clock.now(),
                    poll=state.polls,
                    message=f"every fetch failed {state.failed_rounds} round(s) in a row; "
                    f"backing off until {et_text(next_round)}",
                    resume_at=next_round,
                )
            )


def _next_round(previous: dt.datetime, loop: _Loop, failed_rounds: int) -> dt.datetime:
    now = loop.clock.now()
    if failed_rounds:
        growth = 1 << min(failed_rounds - 1, 30)
        delay = min(loop.every * growth, max(loop.max_backoff, loop.every))
        return now + delay
    # Keep the cadence anchored; after an overrun, skip to the next slot still ahead.
    nxt = previous + loop.every
    if nxt <= now:
        skipped: int = (now - nxt) // loop.every
        nxt += loop.every * (skipped + 1)
    return nxt


def _round(source: ChainSource, store: SnapshotSink, state: _State, loop: _Loop) -> bool | None:
    """Poll every underlying once; return whether any fetch succeeded (None: stop was set)."""
    any_ok = False
    for underlying in state.underlyings:
        if loop.stopped():
            return None
        try:
            snapshot = source.fetch_chain(underlying, clock=loop.clock)
        except Exception as e:  # any fault of the source is a failed fetch, never the end
            at = loop.clock.now()
            message = f"{type(e).__name__}: {e}"
            state.bump(state.failures, underlying)
            state.errors[underlying] = message
            state.last_error, state.last_error_at = message, at
            loop.emit(
                CollectEvent(
                    kind=EventKind.FAILED,
                    at=at,
                    poll=state.polls,
                    underlying=underlying,
                    message=message,
                )
            )
            continue
        any_ok = True
        _keep(snapshot, underlying, store, state, loop)
    return any_ok


def _keep(
    snapshot: ChainSnapshot, underlying: str, store: SnapshotSink, state: _State, loop: _Loop
) -> None:
    fingerprint = content_fingerprint(snapshot)
    at = loop.clock.now()
    if state.fingerprints.get(underlying) == fingerprint:
        state.bump(state.duplicates, underlying)
        loop.emit(
            CollectEvent(
                kind=EventKind.DUPLICATE,
                at=at,
                poll=state.polls,
                underlying=underlying,
                message=f"same content as the last snapshot (quoted {et_text(snapshot.ts_event)})",
            )
        )
        return
    result = store.save(snapshot)
    state.fingerprints[underlying] = fingerprint
    if result.duplicate:
        state.bump(state.duplicates, underlying)
        kind, message = EventKind.DUPLICATE, f"already stored at {result.path}"
    else:
        state.bump(state.saved, underlying)
        state.paths.append(result.path)
        kind = EventKind.SAVED
        message = (
            f"{snapshot.n_contracts} contracts, spot {snapshot.spot:g}, "
            f"quoted {et_text(snapshot.ts_event)}"
        )
    loop.emit(
        CollectEvent(
            kind=kind,
            at=at,
            poll=state.polls,
            underlying=underlying,
            message=message,
            path=result.path,
            snapshot=snapshot if kind is EventKind.SAVED else None,
        )
    )


def content_fingerprint(snapshot: ChainSnapshot) -> str:
    """Return a hash of a snapshot's underlying, spot and contracts (not its times or source).

    Two captures with equal fingerprints hold the same quotes; ``collect`` stores only the first.
    """
    h = hashlib.sha256(f"{snapshot.underlying}|{snapshot.spot!r}|".encode())
    frame = snapshot.frame.drop("source_line", strict=False)
    h.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    h.update(",".join(f"{c}:{t}" for c, t in frame.schema.items()).encode())
    return h.hexdigest()


def et_text(ts: dt.datetime) -> str:
    """Return ``ts`` as US/Eastern wall time with its zone, e.g. ``2024-03-13 14:00:05 EDT``.

    Examples
    --------
    >>> et_text(dt.datetime(2024, 1, 2, 0, 28, 22, tzinfo=dt.UTC))
    '2024-01-01 19:28:22 EST'
    """
    return ts.astimezone(ET).strftime("%Y-%m-%d %H:%M:%S %Z")


def _ignore(event: CollectEvent) -> None:
    del event


def _logged(emit: Callable[[CollectEvent], None]) -> Callable[[CollectEvent], None]:
    """Return ``emit`` that first logs the event (key=value fields, module docstring)."""

    def both(event: CollectEvent) -> None:
        fields = {
            "event": event.kind.value,
            "poll": event.poll,
            "underlying": event.underlying,
            "path": str(event.path) if event.path is not None else None,
            "resume_at": event.resume_at,
        }
        level = logging.WARNING if event.kind is EventKind.FAILED else logging.INFO
        log.log(
            level,
            event.message or event.kind.value,
            extra={k: v for k, v in fields.items() if v is not None},
        )
        emit(event)

    return both


__all__ = [
    "CollectEvent",
    "CollectSummary",
    "EventKind",
    "SnapshotSink",
    "StopReason",
    "UnderlyingTally",
    "collect",
    "content_fingerprint",
    "et_text",
]
