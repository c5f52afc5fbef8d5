"""The snapshot store: validated chain snapshots kept as Parquet files in a folder (no server).

Layout, one file per snapshot::

    root/underlying=SPX/session=2023-04-05/<ts_event>_<ts_recv>_<hash16>.parquet

``session`` is the NYSE session ``ts_event`` belongs to (``eots.core.time.session_of``); the
times are UTC, written ``20230405T200000.000000Z`` so that names sort in time order; ``hash16``
is the first 16 hex digits of the content hash (``eots.storage._metadata``). Both times are in the
name so that ``list`` and the queries built on it never open a file. Each file holds the
``CHAIN_SCHEMA`` frame and the snapshot's other fields as ``eots.*`` key-value metadata.

Writes are atomic (``eots.storage._atomic``): a killed writer loses at most the snapshot in
flight and leaves at most a hidden ``.*.tmp`` file, which reads ignore; the next save into that
folder and ``repair`` remove it once its writer is dead. ``save`` checks for the same content and
writes under an exclusive lock (``root/.eots.lock``) and creates the file only if its name is
free, so of two writers saving the same snapshot at once exactly one reports it stored and the
other a duplicate.
Reads validate: Parquet page checksums, the metadata, ``CHAIN_SCHEMA``, the agreement of the
metadata with the file name, and the content hash (so a loaded snapshot has exactly the rows that
passed ``build_snapshot`` when it was saved). A file that fails any check raises ``SchemaError``
naming it; the other files stay readable, and ``verify`` lists every bad file.

Replay and the market context read history through ``list``/``load``, ``latest(as_of)`` and
``between``; ``latest`` never returns a snapshot quoted after ``as_of``.

The store may live on object storage: ``SnapshotStore.open("s3://bucket/store")`` (any fsspec
URL) reads it through ``eots.storage.fs``, with ``SnapshotRef.path`` the path inside that
filesystem; writing (``save``) and ``verify``/``repair`` need a local folder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from eots.chain.schema import CHAIN_SCHEMA, check_schema
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import SchemaError
from eots.core.time import ET, UTC, nyse_calendar, session_of
from eots.storage._atomic import (
    LOCK_NAME,
    is_temp,
    orphaned,
    store_lock,
    write_atomic,
)
from eots.storage._metadata import StoredMeta, content_hash, decode, encode, utc_iso
from eots.storage.fs import (
    FileSystem,
    files,
    read_footer,
    read_table,
    refuse_remote_write,
    resolve,
    subfolders,
    url,
)
from eots.storage.memo import MEMO_SIDECAR, FoundationMemo

HASH_CHARS = 16
_UNDERLYING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NAME = re.compile(
    r"^(?P<event>\d{8}T\d{6}\.\d{6}Z)_(?P<recv>\d{8}T\d{6}\.\d{6}Z)_(?P<hash>[0-9a-f]{16})\.parquet$"
)
_SESSION_DIR = re.compile(r"^session=(\d{4}-\d{2}-\d{2})$")
# A file in session D is quoted at or after D's open and before the next session's open, which is
# at most a few calendar days later (long weekends); range pruning keeps this margin.
_SESSION_SPAN = dt.timedelta(days=7)

#: Top-level folder of the key levels saved beside the snapshots (``eots.storage.levels``).
LEVELS_SIDECAR = "_levels"
#: Top-level folders of simulated trades and bars written beside the snapshots
#: (``eots.simulator.store``).
TRADES_SIDECAR = "_trades"
PRICES_SIDECAR = "_prices"
_SIDECARS = frozenset({LEVELS_SIDECAR, TRADES_SIDECAR, PRICES_SIDECAR, MEMO_SIDECAR})


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class SnapshotRef:
    """A stored snapshot's identity, known from its file name alone (ordering: time, then path)."""

    ts_event: dt.datetime
    ts_recv: dt.datetime
    underlying: str
    session: dt.date
    content_hash: str
    path: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveResult:
    """What ``save`` did.

    ``duplicate`` is True when the same underlying, ``ts_event`` and content were already stored
    (nothing was written; ``path`` is the existing file). ``conflicts`` lists other files quoted at
    the same ``ts_event`` with different content (kept side by side; worth a look).
    """

    path: Path
    duplicate: bool
    conflicts: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreProblem:
    """A file under the store root that cannot be read as a snapshot, and why."""

    path: Path
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RepairReport:
    """What ``repair`` removed (temp files of interrupted writes) and what it left.

    ``in_use`` lists temp files whose writer is still running (left alone).
    """

    removed: tuple[Path, ...]
    in_use: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class SnapshotStore:
    """A folder of Parquet snapshots (see the module docstring for layout and guarantees).

    Examples
    --------
    >>> import tempfile
    >>> store = SnapshotStore(Path(tempfile.mkdtemp()))
    >>> store.list("SPX"), store.latest("SPX", dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    ((), None)
    """

    root: Path
    #: None: ``root`` is a local folder; else the fsspec filesystem ``root`` lives in.
    fs: FileSystem = field(default=None, kw_only=True)

    @classmethod
    def open(cls, location: str | Path) -> SnapshotStore:
        """Return the store at a local folder or an fsspec URL (``s3://...``, ``memory://...``)."""
        fs, root = resolve(location)
        return cls(root, fs=fs)

    @property
    def location(self) -> str:
        """The store's folder or URL, as ``open`` takes it."""
        return url(self.fs, self.root)

    def save(self, snapshot: ChainSnapshot) -> SaveResult:
        """Store ``snapshot`` atomically unless the same content is already stored at its time.

        Raises
        ------
        SchemaError
            If the frame does not follow ``CHAIN_SCHEMA`` or the underlying name is unusable.
        """
        refuse_remote_write(self.fs, self.root, "save a snapshot")
        check_schema(snapshot.frame, CHAIN_SCHEMA, what=f"snapshot from {snapshot.source}")
        underlying = _underlying(snapshot.underlying)
        digest = content_hash(snapshot)
        session = _session(snapshot.ts_event)
        folder = self._underlying_dir(underlying) / f"session={session.isoformat()}"
        event = _stamp(snapshot.ts_event)
        path = folder / f"{event}_{_stamp(snapshot.ts_recv)}_{digest[:HASH_CHARS]}.parquet"
        table = snapshot.frame.to_arrow()
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), **encode(snapshot, digest)}
        )

        def write(f: BinaryIO) -> None:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]  # deferred (eots.storage.fs)

            pq.write_table(table, f, compression="zstd", write_page_checksum=True)

        with store_lock(self.root):
            same_time = sorted(folder.glob(f"{event}_*.parquet")) if folder.is_dir() else []
            same_content = [
                p for p in same_time if p.name.endswith(f"_{digest[:HASH_CHARS]}.parquet")
            ]
            if same_content:
                return SaveResult(path=same_content[0], duplicate=True)
            if not write_atomic(path, write, exclusive=True):  # taken without the lock (Windows)
                return SaveResult(path=path, duplicate=True)
        return SaveResult(path=path, duplicate=False, conflicts=tuple(same_time))

    def list(
        self,
        underlying: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> tuple[SnapshotRef, ...]:
        """Return refs of ``underlying`` with ``start <= ts_event <= end``, oldest first.

        Sorted by ``ts_event``, then ``ts_recv``, then path. Built from folder and file names only
        (no file is opened), so a corrupt file is listed like any other and fails on ``load``.
        """
        underlying = _underlying(underlying)
        lo = None if start is None else _aware(start, "start")
        hi = None if end is None else _aware(end, "end")
        refs = [
            ref
            for session, folder in _session_dirs(self.fs, self._underlying_dir(underlying))
            if _may_hold(session, lo, hi)
            for ref in _refs_in(self.fs, folder, underlying, session)
            if (lo is None or ref.ts_event >= lo) and (hi is None or ref.ts_event <= hi)
        ]
        return tuple(sorted(refs))

    def load(self, ref: SnapshotRef) -> ChainSnapshot:
        """Read and validate one stored snapshot.

        Raises
        ------
        SchemaError
            If the file is unreadable, truncated, or fails any check of the module docstring;
            the message starts with the file's path.
        """
        source = url(self.fs, ref.path)
        table = read_table(self.fs, ref.path)
        meta = decode(table.schema.metadata, source=source)
        frame = pl.from_arrow(table.replace_schema_metadata(None))
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - a table always gives a frame
            raise SchemaError("expected a table", source=source)
        check_schema(frame, CHAIN_SCHEMA, what=source)
        _check_agrees(ref, meta, frame, source)
        snapshot = ChainSnapshot(
            underlying=meta.underlying,
            spot=meta.spot,
            ts_event=meta.ts_event.astimezone(UTC),
            ts_recv=meta.ts_recv.astimezone(UTC),
            time_basis=meta.time_basis,
            frame=frame,
            quality=meta.quality,
            source=meta.source,
            source_format=meta.source_format,
        )
        if content_hash(snapshot) != meta.content_hash:
            raise SchemaError(
                f"content hash mismatch: metadata says {meta.content_hash[:HASH_CHARS]}, "
                f"the rows hash to {content_hash(snapshot)[:HASH_CHARS]}",
                source=source,
            )
        return snapshot

    def between(
        self, underlying: str, start: dt.datetime, end: dt.datetime
    ) -> tuple[ChainSnapshot, ...]:
        """Load every snapshot with ``start <= ts_event <= end``, oldest first.

        Fails fast: a corrupt file in the range raises ``SchemaError`` naming it. To read around
        bad files, iterate ``list`` and ``load`` and catch ``SchemaError`` per file.
        """
        return tuple(self.load(ref) for ref in self.list(underlying, start, end))

    def latest(self, underlying: str, as_of: dt.datetime) -> ChainSnapshot | None:
        """Return the last snapshot with ``ts_event <= as_of`` (never a later one), or None.

        Among snapshots quoted at the same instant the one captured last (``ts_recv``) wins.
        Only the newest session folder holding a candidate is listed.
        """
        ref = self.latest_ref(underlying, as_of)
        return None if ref is None else self.load(ref)

    def latest_ref(self, underlying: str, as_of: dt.datetime) -> SnapshotRef | None:
        """Return the ref ``latest`` would load, without reading the file."""
        underlying = _underlying(underlying)
        as_of = _aware(as_of, "as_of")
        last_day = as_of.astimezone(ET).date()
        # Session folders partition time in order, so the newest folder with a candidate has
        # the answer.
        for session, folder in reversed(_session_dirs(self.fs, self._underlying_dir(underlying))):
            if session > last_day:
                continue
            candidates = [
                r for r in _refs_in(self.fs, folder, underlying, session) if r.ts_event <= as_of
            ]
            if candidates:
                return max(candidates)
        return None

    def underlyings(self) -> tuple[str, ...]:
        """Return the underlyings with a folder in the store, sorted (from folder names only)."""
        prefix = "underlying="
        return tuple(
            sorted(
                name.removeprefix(prefix)
                for name, _ in subfolders(self.fs, self.root)
                if name.startswith(prefix)
            )
        )

    def sessions(self, underlying: str) -> tuple[dt.date, ...]:
        """Return the sessions that hold at least one snapshot of ``underlying``, ascending."""
        underlying = _underlying(underlying)
        return tuple(
            session
            for session, folder in _session_dirs(self.fs, self._underlying_dir(underlying))
            if any(True for _ in _refs_in(self.fs, folder, underlying, session))
        )

    def end_of_day(self, underlying: str, session: dt.date) -> ChainSnapshot | None:
        """Return the last snapshot of ``session`` quoted at or before its close, or None.

        The close is the XNYS close of that day (13:00 ET on half days). None when the day is not
        a session or holds no snapshot up to the close.
        """
        bounds = nyse_calendar().session_bounds(session)
        if bounds is None:
            return None
        underlying = _underlying(underlying)
        folder = self._underlying_dir(underlying) / f"session={session.isoformat()}"
        refs = [
            r for r in _refs_in(self.fs, folder, underlying, session) if r.ts_event <= bounds[1]
        ]
        return self.load(max(refs)) if refs else None

    def spot_series(
        self,
        underlying: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """Return ``(ts_event, spot)`` of stored snapshots, ascending, from file metadata only.

        One row per ``ts_event``; when several snapshots share it, the last captured one's spot.
        Reads only each file's footer. A file whose footer is unreadable raises ``SchemaError``.

        Returns
        -------
        pl.DataFrame
            ``ts_event`` (Datetime us UTC), ``spot`` (Float64, $).
        """
        latest: dict[dt.datetime, float] = {}
        for ref in self.list(underlying, start, end):
            latest[ref.ts_event] = _footer_spot(self.fs, ref)
        return pl.DataFrame(
            {"ts_event": list(latest), "spot": list(latest.values())},
            schema={"ts_event": pl.Datetime("us", "UTC"), "spot": pl.Float64()},
        )

    def metadata(self, ref: SnapshotRef) -> StoredMeta:
        """Read and validate only a file's ``eots.*`` metadata (its footer)."""
        source = url(self.fs, ref.path)
        meta = decode(read_footer(self.fs, ref.path).metadata, source=source)
        if meta.content_hash[:HASH_CHARS] != ref.content_hash or meta.ts_event != ref.ts_event:
            raise SchemaError(
                "metadata disagrees with the file name (ts_event or content hash)",
                source=source,
            )
        return meta

    def verify(self, underlying: str | None = None) -> tuple[StoreProblem, ...]:
        """Fully read every file (of one underlying, or all) and return what is wrong.

        Reports corrupt or inconsistent snapshot files, ``.parquet`` files or folders whose
        names do not follow the layout, temp files left by interrupted writes (of writers no
        longer running; a write in flight is not a problem), and foundation-memo files that do
        not match (``eots.storage.memo``: unreadable, changed, or of no stored snapshot).
        """
        refuse_remote_write(self.fs, self.root, "verify a store")
        problems: list[StoreProblem] = []
        if not self.root.is_dir():
            return ()
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if relative.parts[0] in _SIDECARS:  # levels, simulated trades and bars
                continue
            if relative.parts == (LOCK_NAME,):  # the writers' lock file
                continue
            if underlying is not None and relative.parts[0] != f"underlying={underlying.upper()}":
                continue
            problem = self._problem(path)
            if problem is not None:
                problems.append(problem)
        memo = FoundationMemo(self.root).verify(self._stored_hashes)
        problems += [
            StoreProblem(path=m.path, message=f"foundation memo: {m.message}")
            for m in memo
            if underlying is None or f"underlying={underlying.upper()}" in m.path.parts
        ]
        return tuple(problems)

    def _stored_hashes(self, underlying: str) -> set[str]:
        try:
            return {r.content_hash for r in self.list(underlying)}
        except SchemaError:  # a memo folder of a name that is no underlying: nothing stored
            return set()

    def repair(self) -> RepairReport:
        """Remove temp files of dead writers and foundation-memo files that do not match.

        Safe while writers run: a temp file whose writer (the process id in its name) is alive
        is left alone and listed in ``in_use``. Corrupt snapshot files are left in place
        (``verify`` lists them); a memo file is derived data, recomputed when next needed.
        """
        refuse_remote_write(self.fs, self.root, "repair a store")
        if not self.root.is_dir():
            return RepairReport(removed=())
        removed, in_use = [], []
        for path in sorted(self.root.rglob("*")):
            if not (path.is_file() and is_temp(path)):
                continue
            if orphaned(path):
                path.unlink(missing_ok=True)
                removed.append(path)
            else:
                in_use.append(path)
        removed += FoundationMemo(self.root).repair(self._stored_hashes)
        return RepairReport(removed=tuple(removed), in_use=tuple(in_use))

    def _underlying_dir(self, underlying: str) -> Path:
        return self.root / f"underlying={underlying}"

    def _problem(self, path: Path) -> StoreProblem | None:
        parts = path.relative_to(self.root).parts
        if is_temp(path):
            if not orphaned(path):
                return None  # a write in flight
            return StoreProblem(
                path=path, message="temp file of an interrupted write: run eots store repair"
            )
        if path.is_dir():
            ok = (len(parts) == 1 and parts[0].startswith("underlying=")) or (
                len(parts) == 2 and _SESSION_DIR.match(parts[1]) is not None
            )
            return None if ok else StoreProblem(path=path, message="unexpected folder")
        ref = _ref_of(path, parts)
        if ref is None:
            return StoreProblem(path=path, message="unexpected file (name outside the layout)")
        try:
            self.load(ref)
        except SchemaError as e:
            return StoreProblem(path=path, message=str(e))
        return None


def _footer_spot(fs: FileSystem, ref: SnapshotRef) -> float:
    # Only the keys needed, not the full StoredMeta: spot_series reads a footer per snapshot.
    source = url(fs, ref.path)
    raw = read_footer(fs, ref.path).metadata or {}
    digest = raw.get(b"eots.content_hash", b"").decode(errors="replace")
    if not digest.startswith(ref.content_hash) or raw.get(b"eots.ts_event") != (
        utc_iso(ref.ts_event).encode()
    ):
        raise SchemaError(
            "metadata disagrees with the file name (ts_event or content hash)", source=source
        )
    text = raw.get(b"eots.spot", b"").decode(errors="replace")
    try:
        spot = float(text)
    except ValueError:
        spot = float("nan")
    if not (0.0 < spot < float("inf")):
        raise SchemaError(f"expected a positive finite spot, was {text!r}", source=source)
    return spot


def _session_dirs(fs: FileSystem, base: Path) -> list[tuple[dt.date, Path]]:
    found = []
    for name, path in subfolders(fs, base):
        match = _SESSION_DIR.match(name)
        if match:
            found.append((dt.date.fromisoformat(match.group(1)), path))
    return sorted(found)


def _ref_of(path: Path, parts: tuple[str, ...]) -> SnapshotRef | None:
    if len(parts) != 3 or not parts[0].startswith("underlying="):
        return None
    match = _SESSION_DIR.match(parts[1])
    if match is None:
        return None
    return _parse(path, parts[0].removeprefix("underlying="), dt.date.fromisoformat(match[1]))


def _refs_in(
    fs: FileSystem, folder: Path, underlying: str, session: dt.date
) -> Iterator[SnapshotRef]:
    for _, path in files(fs, folder):
        ref = _parse(path, underlying, session)
        if ref is not None:
            yield ref


def _parse(path: Path, underlying: str, session: dt.date) -> SnapshotRef | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    return SnapshotRef(
        ts_event=_unstamp(match["event"]),
        ts_recv=_unstamp(match["recv"]),
        underlying=underlying,
        session=session,
        content_hash=match["hash"],
        path=path,
    )


def _stamp(ts: dt.datetime) -> str:
    return _aware(ts, "timestamp").astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _unstamp(text: str) -> dt.datetime:
    # Slicing is ~10x faster than strptime, and list() parses every name in range.
    return dt.datetime(
        int(text[0:4]),
        int(text[4:6]),
        int(text[6:8]),
        int(text[9:11]),
        int(text[11:13]),
        int(text[13:15]),
        int(text[16:22]),
        tzinfo=UTC,
    )


def _session(ts: dt.datetime) -> dt.date:
    try:
        return session_of(ts)
    except ValueError:  # before the calendar's first session: the US/Eastern date
        return ts.astimezone(ET).date()


def _may_hold(session: dt.date, lo: dt.datetime | None, hi: dt.datetime | None) -> bool:
    if hi is not None and session > hi.astimezone(ET).date():
        return False
    return lo is None or session + _SESSION_SPAN >= lo.astimezone(ET).date()


def _underlying(name: str) -> str:
    if not _UNDERLYING.match(name):
        raise SchemaError(f"expected an underlying symbol like SPX, was {name!r}")
    return name.upper()


def _aware(ts: dt.datetime, what: str) -> dt.datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware {what}, was {ts!r}")
    return ts


def _check_agrees(ref: SnapshotRef, meta: StoredMeta, frame: pl.DataFrame, source: str) -> None:
    checks = [
        ("underlying", meta.underlying, ref.underlying),
        ("ts_event", meta.ts_event, ref.ts_event),
        ("ts_recv", meta.ts_recv, ref.ts_recv),
        ("content_hash", meta.content_hash[:HASH_CHARS], ref.content_hash),
        ("session", _session(meta.ts_event), ref.session),
        ("rows", meta.rows, frame.height),
    ]
    for name, stored, expected in checks:
        if stored != expected:
            raise SchemaError(
                f"metadata {name} is {stored!s}, the file's name or rows say {expected!s}",
                source=source,
                field=name,
            )


__all__ = ["RepairReport", "SaveResult", "SnapshotRef", "SnapshotStore", "StoreProblem"]
