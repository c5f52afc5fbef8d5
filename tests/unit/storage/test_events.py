"""The event log: append-only, one transaction per snapshot, kill -9 safe, resumable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from eots.core.errors import ReplayError, SchemaError
from eots.storage.events import OPEN_SCHEMA, WEIGHT_HISTORY_SCHEMA, EventLog
from eots.tracking import OUTCOME_SCHEMA, Book, Event, TrackingParams, advance, event_to_json
from tracking_builders import T0, idea, marks, session, spread_quotes

ROOT = Path(__file__).resolve().parents[3]
WRITER = Path(__file__).with_name("eventlog_writer.py")
SNAPSHOTS = 60


def _reference() -> list[bytes]:
    book, out = Book(), []
    for m, ideas in session(SNAPSHOTS):
        book, ev = advance(book, m, ideas, TrackingParams())
        out += [event_to_json(e) for e in ev]
    return out


def _stored(path: Path) -> list[bytes]:
    with EventLog(path, create=False) as log:
        return [event_to_json(e) for e in log.events()]


def _writer(path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
    }
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(path), str(SNAPSHOTS)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _write_all(path: Path) -> list[Event]:
    book, log = Book(), EventLog(path)
    events: list[Event] = []
    for m, ideas in session(SNAPSHOTS)[:10]:
        book, ev = advance(book, m, ideas, TrackingParams())
        log.append(ev)
        events += ev
    log.close()
    return events


def test_events_read_back_in_order_and_fold_to_the_book(tmp_path: Path) -> None:
    path = tmp_path / "recs.sqlite"
    written = _write_all(path)
    with EventLog(path) as log:
        assert [event_to_json(e) for e in log.events()] == [event_to_json(e) for e in written]
        last = log.last_snapshot()
        assert last is not None
        assert last.seq == 10
        assert last.ts_event == written[-1].ts_event
        assert log.verify() == []
        assert log.snapshot_count() == 10
        mode = log._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


def test_a_snapshot_cannot_be_written_twice(tmp_path: Path) -> None:
    path = tmp_path / "recs.sqlite"
    _, ev = advance(
        Book(), marks(T0, spread_quotes((10.0, 10.4), (6.0, 6.3))), (idea(),), TrackingParams()
    )
    with EventLog(path) as log:
        log.append(ev)
        with pytest.raises(ReplayError, match="not after the last one"):
            log.append(ev)
        # even bypassing the time check, the unique snapshot id refuses it
        log._db.execute("UPDATE snapshots SET ts_event = '2000-01-01T00:00:00.000000+00:00'")
        with pytest.raises(ReplayError, match="already in the log"):
            log.append(ev)
        assert log.snapshot_count() == 1
        with pytest.raises(ReplayError, match="got none"):
            log.append([])


def test_bad_files_are_reported(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(SchemaError, match="not a readable event log"):
        EventLog(junk)
    with pytest.raises(ReplayError, match="no event log"):
        EventLog(tmp_path / "missing.sqlite", create=False)
    path = tmp_path / "old.sqlite"
    EventLog(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(SchemaError, match="schema_version 99"):
        EventLog(path)


def test_read_models(tmp_path: Path) -> None:
    path = tmp_path / "recs.sqlite"
    book = Book()
    with EventLog(path) as log:
        for m, ideas in session(SNAPSHOTS):
            book, ev = advance(book, m, ideas, TrackingParams())
            log.append(ev)
        closed = log.closed()
        assert closed.schema == OUTCOME_SCHEMA
        assert closed.height == len(book.outcomes) > 0
        opened = log.open_recommendations()
        assert opened.schema == OPEN_SCHEMA
        assert set(opened["idea_id"]) == set(book.positions)
        history = log.weight_history()
        assert history.schema == WEIGHT_HISTORY_SCHEMA
        assert history.height > 0
        assert history["ci_low"].drop_nulls().le(history["ci_high"].drop_nulls()).all()
        one = log.events_frame(closed["idea_id"][0])
        assert one["kind"][0] == "idea_proposed"
        assert one["kind"][-1] == "outcome_scored"


def test_kill_9_during_writes_then_resume_gives_the_uninterrupted_log(tmp_path: Path) -> None:
    reference = _reference()
    path = tmp_path / "recs.sqlite"
    for stop_after in (7, 23):
        child = _writer(path)
        assert child.stdout is not None
        committed = []
        for line in child.stdout:
            committed.append(int(line))
            if len(committed) >= stop_after:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        with EventLog(path, create=False) as log:
            assert log.verify() == []
            last = log.last_snapshot()
            assert last is not None
            # everything reported committed survived; at most the one being written is lost
            assert last.seq >= committed[-1]
        stored = _stored(path)
        assert stored == reference[: len(stored)]  # a prefix: nothing half-written or doubled
    child = _writer(path)
    child.communicate(timeout=300)
    assert child.returncode == 0
    assert _stored(path) == reference
    with EventLog(path) as log:
        assert log.snapshot_count() == SNAPSHOTS
