"""The collect loop, driven by a stepping fake clock: session hours, holidays, outages, stops.

The calendar facts used (XNYS, 2024): Thursday 28 March is a session closing at 16:00 ET; Friday
29 March (Good Friday) is a holiday; the next session opens Monday 1 April at 09:30 ET.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from builders import et, tiny_chain
from eots.chain import ChainSnapshot
from eots.collect import CollectEvent, EventKind, StopReason, collect, content_fingerprint
from eots.core.clock import Clock
from eots.core.errors import PayloadError, SourceUnavailable
from eots.storage import SaveResult, SnapshotStore

EXPIRY = dt.date(2024, 6, 21)
FIVE_MIN = dt.timedelta(minutes=5)


@dataclass
class StepClock:
    """A clock that only moves when the loop sleeps (plus ``fetch_cost`` per fetch)."""

    instant: dt.datetime
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> dt.datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.instant += dt.timedelta(seconds=seconds)


@dataclass
class FakeSource:
    """Returns a tiny chain quoted at the clock's time; ``fail`` decides which calls raise."""

    fail: Callable[[int], BaseException | None] = lambda n: None
    same_content: bool = False
    calls: list[tuple[str, dt.datetime]] = field(default_factory=list)
    name: str = "fake"

    def fetch_chain(self, underlying: str, *, clock: Clock) -> ChainSnapshot:
        now = clock.now()
        self.calls.append((underlying, now))
        error = self.fail(len(self.calls))
        if error is not None:
            raise error
        spot = 5000.0 if self.same_content else 5000.0 + len(self.calls)
        root = "SPXW" if underlying == "SPX" else underlying
        return tiny_chain(
            [
                (root, EXPIRY, 5000.0, "C", 10.0, 10.5, 1200, 15, 0.14),
                (root, EXPIRY, 5000.0, "P", 9.0, 9.4, 800, 3, 0.15),
            ],
            spot=spot if underlying == "SPX" else spot / 10,
            as_of=now,
        )


def _times(source: FakeSource) -> list[dt.datetime]:
    return [t for _, t in source.calls]


def test_collect_polls_only_in_session_hours_and_skips_the_holiday(tmp_path: Path) -> None:
    clock = StepClock(et(2024, 3, 28, 15, 50))
    source = FakeSource()
    store = SnapshotStore(tmp_path)
    summary = collect(
        source, store, ["SPX"], every=FIVE_MIN, clock=clock, sleep=clock.sleep, max_polls=4
    )
    assert _times(source) == [
        et(2024, 3, 28, 15, 50),
        et(2024, 3, 28, 15, 55),
        et(2024, 4, 1, 9, 30),
        et(2024, 4, 1, 9, 35),
    ]
    assert (summary.polls, summary.saved, summary.failures) == (4, 4, 0)
    assert summary.stopped_by is StopReason.MAX_POLLS
    assert len(store.list("SPX")) == 4
    assert [p for p in summary.saved_paths if p.is_file()] == list(summary.saved_paths)


def test_collect_waits_for_the_open_before_the_first_poll() -> None:
    clock = StepClock(et(2024, 3, 13, 8, 0))
    source = FakeSource()
    events: list[CollectEvent] = []
    collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=1,
        on_event=events.append,
    )
    assert _times(source) == [et(2024, 3, 13, 9, 30)]
    waiting = [e for e in events if e.kind is EventKind.WAITING]
    assert waiting[0].resume_at == et(2024, 3, 13, 9, 0)  # waits of at most an hour
    assert waiting[-1].resume_at == et(2024, 3, 13, 9, 30)


def test_collect_outside_hours_polls_after_the_close_but_not_on_weekends() -> None:
    clock = StepClock(et(2024, 3, 15, 17, 0))  # Friday after the close
    source = FakeSource()
    every = dt.timedelta(hours=4)
    collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=every,
        clock=clock,
        sleep=clock.sleep,
        outside_hours=True,
        max_polls=3,
    )
    assert _times(source) == [
        et(2024, 3, 15, 17, 0),
        et(2024, 3, 15, 21, 0),
        et(2024, 3, 18, 0, 0),  # Monday: the weekend is skipped
    ]


def test_collect_without_calendar_polls_on_a_saturday() -> None:
    clock = StepClock(et(2024, 3, 16, 12, 0))
    source = FakeSource()
    collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        calendar_aware=False,
        max_polls=2,
    )
    assert _times(source) == [et(2024, 3, 16, 12, 0), et(2024, 3, 16, 12, 5)]


def test_collect_survives_failing_fetches_backs_off_and_resumes(tmp_path: Path) -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))

    def fail(n: int) -> BaseException | None:
        return (
            SourceUnavailable(f"GET x: gave up after 4 tries (call {n})") if n in (2, 3) else None
        )

    source = FakeSource(fail=fail)
    events: list[CollectEvent] = []
    store = SnapshotStore(tmp_path)
    summary = collect(
        source,
        store,
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=5,
        on_event=events.append,
    )
    # ok at 10:00; fails at 10:05 and 10:10 (backoff 5 then 10 minutes); ok at 10:20, then cadence
    assert _times(source) == [
        et(2024, 3, 13, 10, 0),
        et(2024, 3, 13, 10, 5),
        et(2024, 3, 13, 10, 10),
        et(2024, 3, 13, 10, 20),
        et(2024, 3, 13, 10, 25),
    ]
    assert (summary.saved, summary.failures) == (3, 2)
    assert summary.last_error == "SourceUnavailable: GET x: gave up after 4 tries (call 3)"
    assert summary.last_error_at == et(2024, 3, 13, 10, 10)
    assert summary.per_underlying[0].failures == 2
    failed = [e for e in events if e.kind is EventKind.FAILED]
    assert [e.poll for e in failed] == [2, 3]
    assert len(store.list("SPX")) == 3


def test_collect_failure_of_one_underlying_does_not_stop_the_others() -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    source = FakeSource(fail=lambda n: PayloadError("chain changed shape") if n % 2 == 0 else None)
    summary = collect(
        source,
        _MemoryStore(),
        ["SPX", "SPY"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=2,
    )
    assert [u for u, _ in source.calls] == ["SPX", "SPY", "SPX", "SPY"]
    spx, spy = summary.per_underlying
    assert (spx.saved, spy.saved, spy.failures) == (2, 0, 2)
    assert spy.last_error == "PayloadError: chain changed shape"
    # a round with one success is not an outage: no backoff
    assert _times(source)[2] == et(2024, 3, 13, 10, 5)


def test_collect_stop_event_ends_cleanly_with_everything_saved(tmp_path: Path) -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    stop = threading.Event()
    store = SnapshotStore(tmp_path)

    def on_event(event: CollectEvent) -> None:
        if event.kind is EventKind.SAVED and event.poll == 3:
            stop.set()

    summary = collect(
        FakeSource(),
        store,
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        on_event=on_event,
        stop=stop,
    )
    assert summary.stopped_by is StopReason.STOP_EVENT
    assert summary.saved == 3
    refs = store.list("SPX")
    assert [store.load(r).spot for r in refs] == [5001.0, 5002.0, 5003.0]


def test_collect_keyboard_interrupt_returns_a_summary_and_keeps_what_was_saved(
    tmp_path: Path,
) -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    store = SnapshotStore(tmp_path)
    source = FakeSource(fail=lambda n: KeyboardInterrupt() if n == 3 else None)
    events: list[CollectEvent] = []
    summary = collect(
        source,
        store,
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        on_event=events.append,
    )
    assert summary.stopped_by is StopReason.INTERRUPTED
    assert (summary.saved, summary.polls) == (2, 3)
    assert len(store.list("SPX")) == 2
    assert events[-1].kind is EventKind.STOPPED


def test_collect_skips_a_snapshot_with_unchanged_content(tmp_path: Path) -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    store = SnapshotStore(tmp_path)
    summary = collect(
        FakeSource(same_content=True),
        store,
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=3,
    )
    assert (summary.saved, summary.duplicates) == (1, 2)
    assert len(store.list("SPX")) == 1


def test_content_fingerprint_ignores_times_but_not_quotes() -> None:
    rows = [("SPXW", EXPIRY, 5000.0, "C", 10.0, 10.5, 1200)]
    a = tiny_chain(rows, spot=5000.0, as_of=et(2024, 3, 13, 10, 0))
    b = tiny_chain(rows, spot=5000.0, as_of=et(2024, 3, 13, 10, 5))
    c = tiny_chain(
        [("SPXW", EXPIRY, 5000.0, "C", 10.0, 10.6, 1200)], spot=5000.0, as_of=et(2024, 3, 13, 10, 5)
    )
    assert content_fingerprint(a) == content_fingerprint(b) != content_fingerprint(c)


def test_collect_max_polls_zero_fetches_nothing() -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    source = FakeSource()
    summary = collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=0,
    )
    assert source.calls == []
    assert summary.stopped_by is StopReason.MAX_POLLS


@pytest.mark.parametrize(
    ("every", "underlyings", "max_polls"),
    [(dt.timedelta(0), ["SPX"], None), (FIVE_MIN, [], None), (FIVE_MIN, ["SPX"], -1)],
)
def test_collect_bad_arguments_raise_value_error(
    every: dt.timedelta, underlyings: list[str], max_polls: int | None
) -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    with pytest.raises(ValueError, match="expected"):
        collect(
            FakeSource(),
            _MemoryStore(),
            underlyings,
            every=every,
            clock=clock,
            sleep=clock.sleep,
            max_polls=max_polls,
        )


class _MemoryStore:
    """A store double that keeps snapshots in a list (for tests that do not read them back)."""

    def __init__(self) -> None:
        self.saved: list[ChainSnapshot] = []

    def save(self, snapshot: ChainSnapshot) -> SaveResult:
        self.saved.append(snapshot)
        return SaveResult(path=Path(f"/memory/{len(self.saved)}"), duplicate=False)


def test_every_time_in_a_message_is_us_eastern_with_its_zone() -> None:
    # Winter (EST): waits for the open, then a failed round backs off.
    clock = StepClock(et(2024, 1, 10, 8, 0))
    source = FakeSource(fail=lambda n: SourceUnavailable("down"))
    events: list[CollectEvent] = []
    collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=2,
        on_event=events.append,
    )
    messages = [e.message for e in events if e.kind is EventKind.WAITING]
    assert "market closed; next session opens 2024-01-10 09:30:00 EST" in messages
    assert any("backing off until 2024-01-10 09:35:00 EST" in m for m in messages)
    assert not any("+00:00" in m or "UTC" in m for m in messages)
    closed = next(e for e in events if e.kind is EventKind.WAITING)
    assert closed.opens_at == et(2024, 1, 10, 9, 30)


def test_any_exception_of_a_source_is_a_failed_fetch_not_the_end() -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    faults: list[BaseException] = [RuntimeError("h11 state machine confused"), OSError("EIO")]
    source = FakeSource(fail=lambda n: faults[n - 1] if n <= len(faults) else None)
    summary = collect(
        source,
        _MemoryStore(),
        ["SPX"],
        every=FIVE_MIN,
        clock=clock,
        sleep=clock.sleep,
        max_polls=3,
    )
    assert (summary.failures, summary.saved, summary.all_failed) == (2, 1, False)
    assert summary.per_underlying[0].last_error == "OSError: EIO"


def test_all_failed_only_when_fetches_were_tried_and_none_succeeded() -> None:
    clock = StepClock(et(2024, 3, 13, 10, 0))
    kwargs = {"every": FIVE_MIN, "clock": clock, "sleep": clock.sleep}
    failing = collect(
        FakeSource(fail=lambda n: SourceUnavailable("down")),
        _MemoryStore(),
        ["SPX"],
        max_polls=2,
        **kwargs,  # type: ignore[arg-type]
    )
    assert failing.all_failed
    nothing = collect(FakeSource(), _MemoryStore(), ["SPX"], max_polls=0, **kwargs)  # type: ignore[arg-type]
    assert not nothing.all_failed
