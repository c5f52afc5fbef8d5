"""The recommendation event log: append-only SQLite (WAL), one transaction per snapshot.

Layout (``schema_version`` 1)::

    snapshots(seq INTEGER PRIMARY KEY, snapshot_id TEXT UNIQUE, ts_event TEXT, ts_init INTEGER,
              fingerprint TEXT, n_events INTEGER)          one row per processed snapshot
    events(seq, idx, snapshot_id, kind, idea_id, ts_event, body)  PRIMARY KEY (seq, idx)
                                                         body = the event's JSON (pydantic)

``append`` writes a snapshot's row and all its events in one ``BEGIN IMMEDIATE`` transaction
with ``synchronous=FULL``: a process killed (``kill -9``) mid-write leaves the log as it was
before that snapshot, never half of it, and SQLite's journal keeps the file consistent. The
unique snapshot id and the strictly increasing ``ts_event`` refuse a snapshot written twice, so a
``--resume`` that starts from ``last_snapshot()`` never doubles anything. Rows are never updated
or deleted. Reads return events in write order; ``book()`` folds them (``eots.tracking.fold``)
and the read models (open recommendations, closed ones with outcomes, weight history) are frames
for the CLI and the dashboard.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from eots.core.errors import ReplayError, SchemaError
from eots.tracking import (
    Book,
    Event,
    Status,
    WeightChanged,
    event_from_json,
    event_to_json,
    fold,
    outcomes_frame,
)

SCHEMA_VERSION = 1
_UTC = pl.Datetime("us", "UTC")

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS snapshots (
        seq INTEGER PRIMARY KEY,
        snapshot_id TEXT NOT NULL UNIQUE,
        ts_event TEXT NOT NULL,
        ts_init INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        n_events INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER NOT NULL REFERENCES snapshots(seq),
        idx INTEGER NOT NULL,
        snapshot_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        idea_id TEXT,
        ts_event TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (seq, idx))""",
    "CREATE INDEX IF NOT EXISTS events_idea ON events(idea_id)",
    "CREATE INDEX IF NOT EXISTS events_kind ON events(kind)",
)

#: ``open_recommendations()`` columns.
OPEN_SCHEMA = pl.Schema(
    {
        "idea_id": pl.String(),
        "underlying": pl.String(),
        "strategy": pl.String(),
        "direction": pl.String(),
        "stars": pl.Int64(),
        "status": pl.String(),
        "ts_proposed": _UTC,
        "ts_entry": _UTC,
        "entry_bidask": pl.Float64(),
        "value_bidask": pl.Float64(),
        "pnl_bidask": pl.Float64(),
        "open_fraction": pl.Float64(),
        "target": pl.Float64(),
        "stop": pl.Float64(),
        "horizon_end": _UTC,
    }
)

#: ``weight_history()`` columns.
WEIGHT_HISTORY_SCHEMA = pl.Schema(
    {
        "ts_event": _UTC,
        "snapshot_id": pl.String(),
        "group": pl.String(),
        "name": pl.String(),
        "old": pl.Float64(),
        "new": pl.Float64(),
        "target": pl.Float64(),
        "n": pl.Int64(),
        "hits": pl.Int64(),
        "hit_rate": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "baseline": pl.Float64(),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotRecord:
    """One processed snapshot in the log."""

    seq: int
    snapshot_id: str
    ts_event: dt.datetime
    ts_init: int
    fingerprint: str
    n_events: int


def _iso(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        raise ReplayError(f"expected a timezone-aware ts_event, was {ts.isoformat()}")
    return ts.astimezone(dt.UTC).isoformat(timespec="microseconds")


class EventLog:
    """An append-only event log in one SQLite file (created on first use).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with EventLog(pathlib.Path(tempfile.mkdtemp()) / "recs.sqlite") as log:
    ...     log.last_snapshot() is None
    True
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        if not create and not path.exists():
            raise ReplayError(f"{path}: no event log there")
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            for ddl in _DDL:
                self._db.execute(ddl)
            self._check_version()
        except sqlite3.DatabaseError as e:
            raise SchemaError(f"not a readable event log: {e}", source=str(path)) from e

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row[0]) != SCHEMA_VERSION:
            raise SchemaError(
                f"event log schema_version {row[0]}, this eots reads {SCHEMA_VERSION}",
                source=str(self.path),
            )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, events: Sequence[Event]) -> SnapshotRecord:
        """Append one snapshot's events in one transaction and return its record.

        Every event must carry the same ``snapshot_id``, ``ts_event``, ``ts_init`` and
        fingerprint (``advance`` makes them so).

        Raises
        ------
        ReplayError
            No events, events of several snapshots, a snapshot already in the log, or one not
            after the last one.
        """
        if not events:
            raise ReplayError("expected the events of one snapshot, got none")
        head = events[0]
        keys = {(e.snapshot_id, e.ts_event, e.ts_init, e.fingerprint) for e in events}
        if len(keys) != 1:
            raise ReplayError(f"expected the events of one snapshot, got {len(keys)} snapshots")
        last = self.last_snapshot()
        if last is not None and head.ts_event <= last.ts_event:
            raise ReplayError(
                f"snapshot {head.snapshot_id} at {head.ts_event.isoformat()} is not after the "
                f"last one in the log ({last.snapshot_id} at {last.ts_event.isoformat()})"
            )
        ts = _iso(head.ts_event)
        rows = [
            (i, head.snapshot_id, e.kind, getattr(e, "idea_id", None), ts, event_to_json(e))
            for i, e in enumerate(events)
        ]
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            cur = db.execute(
                "INSERT INTO snapshots (snapshot_id, ts_event, ts_init, fingerprint, n_events) "
                "VALUES (?, ?, ?, ?, ?)",
                (head.snapshot_id, ts, head.ts_init, head.fingerprint, len(events)),
            )
            seq = cur.lastrowid
            db.executemany(
                "INSERT INTO events (seq, idx, snapshot_id, kind, idea_id, ts_event, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(seq, *row[:-1], row[-1].decode()) for row in rows],
            )
            db.execute("COMMIT")
        except sqlite3.IntegrityError as e:
            db.execute("ROLLBACK")
            raise ReplayError(
                f"snapshot {head.snapshot_id} is already in the log {self.path}: {e}"
            ) from e
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        assert seq is not None
        return SnapshotRecord(
            seq=seq,
            snapshot_id=head.snapshot_id,
            ts_event=head.ts_event,
            ts_init=head.ts_init,
            fingerprint=head.fingerprint,
            n_events=len(events),
        )

    def last_snapshot(self) -> SnapshotRecord | None:
        """The last snapshot written completely (where ``--resume`` continues), or None."""
        row = self._db.execute(
            "SELECT seq, snapshot_id, ts_event, ts_init, fingerprint, n_events "
            "FROM snapshots ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return SnapshotRecord(
            seq=row[0],
            snapshot_id=row[1],
            ts_event=dt.datetime.fromisoformat(row[2]),
            ts_init=row[3],
            fingerprint=row[4],
            n_events=row[5],
        )

    def snapshot_count(self) -> int:
        """How many snapshots the log holds."""
        return int(self._db.execute("SELECT count(*) FROM snapshots").fetchone()[0])

    def events(self, *, idea_id: str | None = None, kind: str | None = None) -> Iterator[Event]:
        """Yield the events in write order (optionally one idea's, or one kind's)."""
        sql = "SELECT body, seq, idx FROM events"
        where, args = [], []
        if idea_id is not None:
            where.append("idea_id = ?")
            args.append(idea_id)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if where:
            sql += " WHERE " + " AND ".join(where)
        for body, seq, idx in self._db.execute(sql + " ORDER BY seq, idx", args):
            try:
                yield event_from_json(body)
            except ValueError as e:
                raise SchemaError(
                    f"event {seq}/{idx} cannot be read: {e}", source=str(self.path)
                ) from e

    def verify(self) -> list[str]:
        """Return problems found (empty: consistent): SQLite's integrity check, event counts."""
        problems = [
            f"sqlite: {r[0]}" for r in self._db.execute("PRAGMA integrity_check") if r[0] != "ok"
        ]
        rows = self._db.execute(
            "SELECT s.snapshot_id, s.n_events, count(e.idx) FROM snapshots s "
            "LEFT JOIN events e ON e.seq = s.seq GROUP BY s.seq HAVING s.n_events != count(e.idx)"
        )
        problems += [f"snapshot {sid}: {n} events recorded, {m} stored" for sid, n, m in rows]
        return problems

    def book(self, start: Book | None = None) -> Book:
        """The fold of every event (the state ``--resume`` continues from)."""
        return fold(self.events(), start)

    def open_recommendations(self, book: Book | None = None) -> pl.DataFrame:
        """Proposed and open recommendations with their last marks (``OPEN_SCHEMA``)."""
        book = book or self.book()
        rows = []
        for p in book.positions.values():
            if p.status not in (Status.PROPOSED, Status.OPEN):
                continue
            entry = p.entry.bid_ask if p.entry else None
            mark = book.marks.get(p.idea.idea_id)
            value = mark.value.bid_ask if mark is not None else None
            pnl = None
            if p.entry is not None and value is not None:
                pnl = p.realised.bid_ask + p.open_fraction * value - p.entry.bid_ask
            rows.append(
                {
                    "idea_id": p.idea.idea_id,
                    "underlying": p.idea.underlying,
                    "strategy": p.idea.strategy.value,
                    "direction": p.idea.direction.value,
                    "stars": p.idea.stars,
                    "status": p.status.value,
                    "ts_proposed": p.proposed_at,
                    "ts_entry": p.ts_entry,
                    "entry_bidask": entry,
                    "value_bidask": value,
                    "pnl_bidask": pnl,
                    "open_fraction": p.open_fraction,
                    "target": p.target if p.entry else None,
                    "stop": p.stop if p.entry else None,
                    "horizon_end": p.idea.horizon_end,
                }
            )
        return pl.DataFrame(rows, schema=OPEN_SCHEMA)

    def closed(self, book: Book | None = None) -> pl.DataFrame:
        """Closed recommendations with their outcomes (``OUTCOME_SCHEMA``)."""
        return outcomes_frame((book or self.book()).outcomes)

    def weight_history(self) -> pl.DataFrame:
        """Every learned-weight change with its evidence (``WEIGHT_HISTORY_SCHEMA``)."""
        rows = []
        for e in self.events(kind="weight_changed"):
            assert isinstance(e, WeightChanged)
            rows.append(
                {
                    "ts_event": e.ts_event,
                    "snapshot_id": e.snapshot_id,
                    "group": e.group.value,
                    "name": e.name,
                    "old": e.old,
                    "new": e.new,
                    "target": e.target,
                    "n": e.n,
                    "hits": e.hits,
                    "hit_rate": e.hit_rate,
                    "ci_low": e.ci_low,
                    "ci_high": e.ci_high,
                    "baseline": e.baseline,
                }
            )
        return pl.DataFrame(rows, schema=WEIGHT_HISTORY_SCHEMA)

    def events_frame(self, idea_id: str | None = None) -> pl.DataFrame:
        """One row per event (seq, idx, snapshot_id, ts_event, kind, idea_id, body JSON)."""
        sql = "SELECT seq, idx, snapshot_id, ts_event, kind, idea_id, body FROM events"
        args: tuple[str, ...] = ()
        if idea_id is not None:
            sql += " WHERE idea_id = ?"
            args = (idea_id,)
        rows = self._db.execute(sql + " ORDER BY seq, idx", args).fetchall()
        frame = pl.DataFrame(
            rows,
            schema={
                "seq": pl.Int64(),
                "idx": pl.Int64(),
                "snapshot_id": pl.String(),
                "ts_event": pl.String(),
                "kind": pl.String(),
                "idea_id": pl.String(),
                "body": pl.String(),
            },
            orient="row",
        )
        return frame.with_columns(pl.col("ts_event").str.to_datetime(time_zone="UTC"))


__all__ = [
    "OPEN_SCHEMA",
    "SCHEMA_VERSION",
    "WEIGHT_HISTORY_SCHEMA",
    "EventLog",
    "SnapshotRecord",
]
