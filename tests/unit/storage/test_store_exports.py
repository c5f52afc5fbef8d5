"""The public surface of eots.storage."""

from __future__ import annotations

import eots.storage


def test_storage_exports_are_the_documented_surface() -> None:
    assert sorted(eots.storage.__all__) == [
        "AppendResult",
        "FoundationMemo",
        "ImportResult",
        "IngestEvent",
        "IngestOutcome",
        "IngestSummary",
        "LevelStore",
        "MemoProblem",
        "PRICE_SCHEMA",
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
    for name in eots.storage.__all__:
        assert getattr(eots.storage, name) is not None
