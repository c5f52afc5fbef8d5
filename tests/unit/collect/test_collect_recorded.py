"""The collect loop end to end: the CBOE source replaying recorded payloads into a real store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from eots.collect import CollectEvent, EventKind, collect
from eots.core.time import ET
from eots.sources.cboe_live import CboeLiveSource
from eots.sources.http import RetryPolicy
from eots.storage import SnapshotStore

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded" / "cboe"


class StepClock:
    def __init__(self, instant: dt.datetime) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.instant += dt.timedelta(seconds=seconds)


def test_collect_over_recorded_cboe_saves_new_quotes_skips_repeats_and_survives_an_outage(
    tmp_path: Path,
) -> None:
    first = (RECORDED / "SPY.json").read_bytes()
    doc = json.loads(first)
    doc["timestamp"] = "2024-03-13 18:15:00"
    doc["data"]["current_price"] = 501.25
    later = json.dumps(doc).encode()
    # poll 1: payload; poll 2: the same payload again; poll 3: 503 on every try; poll 4: new quotes
    answers: Iterator[bytes | int] = iter([first, first, 503, 503, later])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, int):
            return httpx.Response(answer, text="<html>Service Unavailable</html>")
        return httpx.Response(200, content=answer)

    retry_waits: list[float] = []
    source = CboeLiveSource(
        transport=httpx.MockTransport(handler),
        policy=RetryPolicy(attempts=2),
        sleep=retry_waits.append,
    )
    clock = StepClock(dt.datetime(2024, 3, 13, 14, 0, 5, tzinfo=ET))
    store = SnapshotStore(tmp_path)
    events: list[CollectEvent] = []
    summary = collect(
        source,
        store,
        ["SPY"],
        every=dt.timedelta(minutes=5),
        clock=clock,
        sleep=clock.sleep,
        max_polls=4,
        on_event=events.append,
    )
    assert [e.kind for e in events if e.kind is not EventKind.WAITING] == [
        EventKind.SAVED,
        EventKind.DUPLICATE,
        EventKind.FAILED,
        EventKind.SAVED,
        EventKind.STOPPED,
    ]
    assert (summary.saved, summary.duplicates, summary.failures) == (2, 1, 1)
    assert summary.last_error is not None
    assert "gave up after 2 tries" in summary.last_error
    assert "HTTP 503" in summary.last_error
    assert len(retry_waits) == 1
    stored = [store.load(ref) for ref in store.list("SPY")]
    assert [s.spot for s in stored] == [500.0, 501.25]
    assert [s.ts_recv.astimezone(ET).strftime("%H:%M:%S") for s in stored] == [
        "14:00:05",
        "14:15:05",  # one failed round keeps the cadence; the backoff doubles from the second
    ]
