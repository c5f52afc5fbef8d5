"""The foundation memo: each stored snapshot's session summary kept beside it, never trusted.

A prior session's ``SessionSummary`` (the by-strike ``strike, net_gex, dex, mspi`` frame and the
scalars spot, call wall, put wall, abs-gamma strike and zero gamma) is what the daily and weekly
levels, the engine's prior sessions and ``levels evaluate`` read of an end-of-day snapshot.
Computing it prices the whole chain; the memo keeps it so that the next run reads a small file
instead. Layout, beside the snapshots (``SnapshotStore`` lists no snapshot here)::

    root/_foundations/underlying=SPX/<content_hash16>_<fingerprint16>.parquet

keyed by the snapshot's content hash and the fingerprint of the parameters the summary depends on
(``eots.engine.summaries.summary_fingerprint``): another fingerprint or another snapshot content
is another file, so a changed config or a changed snapshot is recomputed, never served stale.

Each file holds the strikes frame and, as Parquet key-value metadata (``eots.memo``), the scalars,
the key, the memo format and a SHA-256 ``digest`` of the whole payload (the scalars' JSON and the
columns' little-endian float64 bytes). Writes are atomic (``_atomic.write_atomic``: temp file and
rename). A read checks page checksums, the schema, the key against the name and the digest; a file
that fails is treated as absent (``get`` returns None and says why, the caller recomputes and
overwrites it), never used. ``verify`` lists memo files that do not match (unreadable, digest or
key mismatch, names outside the layout, or no stored snapshot with that content hash) and
``repair`` removes them; ``SnapshotStore.verify``/``repair`` include them (``eots store
verify``/``repair``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from eots.core.errors import SchemaError
from eots.levels.model import SessionSummary
from eots.storage._atomic import is_temp, write_atomic
from eots.storage.fs import FileSystem, files, read_table, refuse_remote_write, subfolders, url

#: Top-level folder of the memo beside the snapshots.
MEMO_SIDECAR = "_foundations"
#: Bumped when what a summary holds (or how it is computed) changes: older files stop matching.
MEMO_FORMAT = 1
_META_KEY = b"eots.memo"
_KEY_CHARS = 16
_NAME = re.compile(r"^(?P<hash>[0-9a-f]{16})_(?P<fp>[0-9a-f]{16})\.parquet$")
#: The strikes frame of a summary, as stored.
SUMMARY_STRIKES_SCHEMA = pl.Schema(
    {
        "strike": pl.Float64(),
        "net_gex": pl.Float64(),
        "dex": pl.Float64(),
        "mspi": pl.Float64(),
    }
)
_SCALARS = ("spot", "call_wall", "put_wall", "abs_gamma", "zero_gamma")


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoProblem:
    """A memo file that does not match, and why."""

    path: Path
    message: str


@dataclass(frozen=True, slots=True)
class FoundationMemo:
    """Session summaries of stored snapshots under ``root/_foundations`` (module docstring)."""

    root: Path
    #: None: ``root`` is a local folder; else the fsspec filesystem it lives in (read only).
    fs: FileSystem = field(default=None, kw_only=True)

    def path(self, underlying: str, content_hash: str, fingerprint: str) -> Path:
        """Return the file that holds (or would hold) one summary."""
        name = f"{content_hash[:_KEY_CHARS]}_{fingerprint[:_KEY_CHARS]}.parquet"
        return self.root / MEMO_SIDECAR / f"underlying={underlying.upper()}" / name

    def get(
        self, underlying: str, content_hash: str, fingerprint: str
    ) -> tuple[SessionSummary | None, str | None]:
        """Return the memoised summary (None when absent or not matching) and why not.

        The second item is None when the file is absent or matches; else it names the file and
        what is wrong (the caller logs it and recomputes).
        """
        path = self.path(underlying, content_hash, fingerprint)
        present = dict(files(self.fs, path.parent))
        if path.name not in present:
            return None, None
        try:
            summary = _read(self.fs, path, underlying.upper(), fingerprint)
        except SchemaError as e:
            return None, str(e)
        return summary, None

    def put(self, underlying: str, fingerprint: str, summary: SessionSummary) -> Path | None:
        """Store ``summary`` atomically (replacing a file that did not match); return its path.

        On object storage nothing is written (the memo is an optimisation) and None is returned.
        """
        path = self.path(underlying, summary.content_hash, fingerprint)
        if self.fs is not None:
            return None
        frame = summary.strikes.select(
            [pl.col(c).cast(t) for c, t in SUMMARY_STRIKES_SCHEMA.items()]
        )
        meta = _meta(summary, underlying.upper(), fingerprint)
        meta["digest"] = _digest(meta, frame)
        write_atomic(path, _writer(frame, json.dumps(meta)))
        return path

    def verify(self, stored: Callable[[str], set[str]]) -> tuple[MemoProblem, ...]:
        """Return every memo file that does not match (module docstring).

        ``stored(underlying)`` gives the content hashes (16 hex digits) of that underlying's
        stored snapshots; a memo of any other content is reported as orphaned.
        """
        base = self.root / MEMO_SIDECAR
        problems: list[MemoProblem] = []
        for name, folder in subfolders(self.fs, base):
            if not name.startswith("underlying="):
                problems.append(MemoProblem(path=folder, message="unexpected folder in the memo"))
                continue
            underlying = name.removeprefix("underlying=")
            hashes = stored(underlying)
            for file_name, path in files(self.fs, folder):
                problem = self._problem(path, file_name, underlying, hashes)
                if problem is not None:
                    problems.append(MemoProblem(path=path, message=problem))
        for file_name, path in files(self.fs, base):
            problems.append(MemoProblem(path=path, message=f"unexpected file {file_name}"))
        return tuple(problems)

    def repair(self, stored: Callable[[str], set[str]]) -> tuple[Path, ...]:
        """Remove the memo files ``verify`` reports (they are recomputed when needed)."""
        refuse_remote_write(self.fs, self.root, "repair the memo")
        removed = []
        for problem in self.verify(stored):
            if problem.path.is_file():
                problem.path.unlink(missing_ok=True)
                removed.append(problem.path)
        return tuple(removed)

    def _problem(self, path: Path, name: str, underlying: str, hashes: set[str]) -> str | None:
        if is_temp(path):
            return None  # a write in flight, or an orphan that the next write/repair removes
        match = _NAME.match(name)
        if match is None:
            return "unexpected file (name outside the memo layout)"
        try:
            _read(self.fs, path, underlying, match["fp"])
        except SchemaError as e:
            return str(e)
        if match["hash"] not in hashes:
            return "memo of a snapshot that is not stored (orphaned)"
        return None


def _meta(summary: SessionSummary, underlying: str, fingerprint: str) -> dict[str, Any]:
    return {
        "format": MEMO_FORMAT,
        "underlying": underlying,
        "fingerprint": fingerprint[:_KEY_CHARS],
        "content_hash": summary.content_hash,
        "session": summary.session.isoformat(),
        "ts_event": summary.ts_event.isoformat(),
        **{k: float(getattr(summary, k)) for k in _SCALARS},
    }


def _digest(meta: dict[str, Any], frame: pl.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({k: v for k, v in meta.items() if k != "digest"}, sort_keys=True).encode())
    for name in SUMMARY_STRIKES_SCHEMA:
        h.update(name.encode())
        h.update(np.ascontiguousarray(frame.get_column(name).to_numpy(), dtype="<f8").tobytes())
    return h.hexdigest()


def _writer(frame: pl.DataFrame, meta: str) -> Callable[[BinaryIO], None]:
    def write(f: BinaryIO) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # deferred (eots.storage.fs)

        table = frame.to_arrow()
        table = table.replace_schema_metadata({_META_KEY: meta.encode()})
        pq.write_table(table, f, write_page_checksum=True)

    return write


def _read(fs: FileSystem, path: Path, underlying: str, fingerprint: str) -> SessionSummary:
    source = url(fs, path)
    table = read_table(fs, path)
    try:
        meta = json.loads((table.schema.metadata or {})[_META_KEY])
        frame = pl.from_arrow(table.replace_schema_metadata(None))
    except (KeyError, ValueError) as e:
        raise SchemaError(f"memo file without readable metadata: {e}", source=source) from e
    if not isinstance(frame, pl.DataFrame) or frame.schema != SUMMARY_STRIKES_SCHEMA:
        raise SchemaError("memo strikes do not match SUMMARY_STRIKES_SCHEMA", source=source)
    try:
        expected = {
            "format": MEMO_FORMAT,
            "underlying": underlying,
            "fingerprint": fingerprint[:_KEY_CHARS],
            "content_hash": path.name[:_KEY_CHARS],
        }
        for key, value in expected.items():
            if meta.get(key) != value:
                raise SchemaError(
                    f"memo {key} is {meta.get(key)!r}, its name and format say {value!r}",
                    source=source,
                )
        if meta.get("digest") != _digest(meta, frame):
            raise SchemaError("memo digest mismatch (the file was changed)", source=source)
        return SessionSummary(
            session=dt.date.fromisoformat(meta["session"]),
            ts_event=dt.datetime.fromisoformat(meta["ts_event"]),
            content_hash=meta["content_hash"],
            strikes=frame,
            **{k: float(meta[k]) for k in _SCALARS},
        )
    except (KeyError, TypeError, ValueError) as e:
        raise SchemaError(f"memo metadata incomplete: {e}", source=source) from e


__all__ = ["MEMO_FORMAT", "MEMO_SIDECAR", "SUMMARY_STRIKES_SCHEMA", "FoundationMemo", "MemoProblem"]
