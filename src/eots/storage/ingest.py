"""Bulk import of saved chain files into the snapshot store (what ``eots ingest PATH...`` runs).

Files and folders are walked (folders recursively, hidden entries skipped, in sorted order); a
folder contributes every ``*.csv``, ``*.json`` and ``*.parquet`` file except the bookkeeping files
``manifest.json`` (a data set's description) and ``index.json`` (a recording's manifest); a file
named explicitly is always tried. Each file is read with ``eots.sources.load_chain`` (which
validates it), and the
snapshot is saved; a snapshot already stored (same underlying, quote time and content) counts as
a duplicate. A file the reader refuses never stops the run: its error text is kept in the summary
(without the file's path, which the summary already gives). Only store failures (disk full,
permissions) stop it. Ingest takes no ``--as-of``: a file with no quote time of its own (in its
content or name) is refused with that reason, and ``eots analyze FILE --as-of TIME`` can read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import SchemaError
from eots.storage.snapshots import SaveResult, SnapshotStore

CHAIN_SUFFIXES = frozenset({".csv", ".json", ".parquet"})
#: Files inside data folders that are not chains (skipped when a folder is walked).
NOT_CHAINS = frozenset({"manifest.json", "index.json"})

Reader = Callable[[Path], ChainSnapshot]


class IngestOutcome(StrEnum):
    """What happened to one file."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestEvent:
    """Progress after one file: ``done`` of ``total`` files, and what happened to ``path``.

    ``detail`` is the stored file's path, or the reason the file was refused.
    """

    done: int
    total: int
    path: Path
    outcome: IngestOutcome
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """A file that was not stored, and the reader's (or the store's) reason."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestSummary:
    """Everything one ``ingest`` run did, file by file."""

    stored: tuple[SaveResult, ...]
    duplicates: tuple[SaveResult, ...]
    refused: tuple[Refusal, ...]

    @property
    def files(self) -> int:
        """Number of files tried."""
        return len(self.stored) + len(self.duplicates) + len(self.refused)

    @property
    def conflicts(self) -> tuple[SaveResult, ...]:
        """Stored snapshots that sit beside different content quoted at the same instant."""
        return tuple(r for r in self.stored if r.conflicts)


def chain_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the files ``ingest`` would try, in order (see the module docstring)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in CHAIN_SUFFIXES
                and p.name.lower() not in NOT_CHAINS
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def ingest(
    paths: Iterable[Path],
    store: SnapshotStore,
    *,
    on_progress: Callable[[IngestEvent], None] | None = None,
    read: Reader | None = None,
) -> IngestSummary:
    """Read every chain file under ``paths`` and save each valid snapshot into ``store``.

    Parameters
    ----------
    paths
        Files and folders (walked recursively).
    store
        Where snapshots go.
    on_progress
        Called after each file with an ``IngestEvent`` (e.g. to draw a progress bar).
    read
        The file reader; ``eots.sources.load_chain`` by default (tests inject others).

    Returns
    -------
    IngestSummary
        Stored, duplicate and refused files with reasons.
    """
    reader = read if read is not None else _default_reader()
    files = list(chain_files(paths))
    stored: list[SaveResult] = []
    duplicates: list[SaveResult] = []
    refused: list[Refusal] = []
    for done, path in enumerate(files, start=1):
        outcome, detail = _ingest_one(path, store, reader, (stored, duplicates, refused))
        if on_progress is not None:
            on_progress(
                IngestEvent(done=done, total=len(files), path=path, outcome=outcome, detail=detail)
            )
    return IngestSummary(stored=tuple(stored), duplicates=tuple(duplicates), refused=tuple(refused))


def _ingest_one(
    path: Path,
    store: SnapshotStore,
    reader: Reader,
    into: tuple[list[SaveResult], list[SaveResult], list[Refusal]],
) -> tuple[IngestOutcome, str]:
    stored, duplicates, refused = into
    try:
        snapshot = reader(path)
    except Exception as e:  # any reader failure refuses the file, never the run
        reason = refusal_reason(e, path)
        refused.append(Refusal(path=path, reason=reason))
        return IngestOutcome.REFUSED, reason
    try:
        result = store.save(snapshot)
    except SchemaError as e:  # other errors (disk full, permissions) stop the run
        reason = refusal_reason(e, path)
        refused.append(Refusal(path=path, reason=reason))
        return IngestOutcome.REFUSED, reason
    if result.duplicate:
        duplicates.append(result)
        return IngestOutcome.DUPLICATE, str(result.path)
    stored.append(result)
    return IngestOutcome.STORED, str(result.path)


#: The readers' advice for a file without a quote time names ``--as-of``, which ingest lacks.
_AS_OF_ADVICE = re.compile(r"pass as_of \(CLI: --as-of[^)]*\)")


def refusal_reason(e: Exception, path: Path) -> str:
    """Return the text ingest keeps for a refused file.

    The error without the file's own path
    (the summary shows it) and with the readers' ``--as-of`` advice rewritten for ingest.
    """
    text = str(e) if isinstance(e, SchemaError) else f"{type(e).__name__}: {e}"
    for prefix in (f"{path}: ", f"{path}, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return _AS_OF_ADVICE.sub(
        "analyze it with eots analyze FILE --as-of TIME (ingest cannot date it)", text
    )


def _default_reader() -> Reader:
    from eots.sources import load_chain  # deferred: storage does not need sources to read

    return load_chain


__all__ = [
    "CHAIN_SUFFIXES",
    "IngestEvent",
    "IngestOutcome",
    "IngestSummary",
    "Refusal",
    "chain_files",
    "ingest",
    "refusal_reason",
]
