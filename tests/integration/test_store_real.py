"""Ingest every real snapshot under $EOTS_REAL_DATA into a fresh store, then ingest it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import EotsError
from eots.sources import load_chain
from eots.storage import IngestEvent, IngestOutcome, SnapshotStore, ingest
from eots.storage.ingest import refusal_reason

pytestmark = pytest.mark.real_data


def test_ingest_real_folder_stores_or_refuses_every_manifest_entry_then_all_duplicates(
    real_data: Path, tmp_path: Path
) -> None:
    store = SnapshotStore(tmp_path / "store")
    events: list[IngestEvent] = []

    first = ingest([real_data], store, on_progress=events.append)

    outcome = {e.path: e for e in events}
    manifest = json.loads((real_data / "manifest.json").read_text())
    assert manifest
    for entry in manifest:
        event = outcome[real_data / entry["file"]]
        if event.outcome is IngestOutcome.REFUSED:
            with pytest.raises(EotsError) as e:
                load_chain(event.path)
            assert event.detail == refusal_reason(e.value, event.path), entry["id"]
            assert not event.detail.startswith(str(event.path))
        else:
            assert event.outcome is IngestOutcome.STORED, entry["id"]
    stored = [e for e in events if e.outcome is IngestOutcome.STORED]
    assert len(stored) == len(first.stored) > 0
    assert {r.underlying for r in store.list("SPX")} == {"SPX"}
    # One stored snapshot read back equals what the reader gives.
    spx = next(e for e in stored if "spx_2023" in str(e.path))
    ref = next(r for r in store.list("SPX") if str(r.path) == spx.detail)
    assert_frame_equal(store.load(ref).frame, load_chain(spx.path).frame)

    second = ingest([real_data], store)

    assert second.stored == ()
    assert len(second.duplicates) == len(first.stored)
    assert [r.reason for r in second.refused] == [r.reason for r in first.refused]
    assert store.verify() == ()
