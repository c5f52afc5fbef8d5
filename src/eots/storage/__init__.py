"""Durable history: the Parquet snapshot store, underlying price bars, and bulk ingest of files.

``SnapshotStore`` keeps validated chain snapshots (one Parquet file each, written atomically,
validated on read); ``PriceStore`` keeps OHLC bars per underlying and interval; ``ingest`` fills a
snapshot store from saved chain files; ``FoundationMemo`` keeps each stored snapshot's session
summary beside it. See ``docs/storage.md``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.storage.bars import PRICE_SCHEMA
    from eots.storage.bars_csv import RowRefusal
    from eots.storage.ingest import IngestEvent, IngestOutcome, IngestSummary, Refusal, ingest
    from eots.storage.levels import LevelStore
    from eots.storage.memo import FoundationMemo, MemoProblem
    from eots.storage.prices import AppendResult, ImportResult, PriceStore, bars_from_snapshots
    from eots.storage.snapshots import (
        RepairReport,
        SaveResult,
        SnapshotRef,
        SnapshotStore,
        StoreProblem,
    )

__all__ = [
    "PRICE_SCHEMA",
    "AppendResult",
    "FoundationMemo",
    "ImportResult",
    "IngestEvent",
    "IngestOutcome",
    "IngestSummary",
    "LevelStore",
    "MemoProblem",
    "PriceStore",
    "Refusal",
    "RepairReport",
    "RowRefusal",
    "SaveResult",
    "SnapshotRef",
    "SnapshotStore",
    "StoreProblem",
    "bars_from_snapshots",
    "ingest",
]

lazy_package(
    __name__,
    {
        "eots.storage.bars": ("PRICE_SCHEMA",),
        "eots.storage.bars_csv": ("RowRefusal",),
        "eots.storage.ingest": (
            "IngestEvent",
            "IngestOutcome",
            "IngestSummary",
            "Refusal",
            "ingest",
        ),
        "eots.storage.levels": ("LevelStore",),
        "eots.storage.memo": ("FoundationMemo", "MemoProblem"),
        "eots.storage.prices": (
            "AppendResult",
            "ImportResult",
            "PriceStore",
            "bars_from_snapshots",
        ),
        "eots.storage.snapshots": (
            "RepairReport",
            "SaveResult",
            "SnapshotRef",
            "SnapshotStore",
            "StoreProblem",
        ),
    },
)
