"""Ingest: a folder of good, duplicate and garbage files; refusals never stop the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from eots.storage import IngestEvent, IngestOutcome, SnapshotStore, ingest
from eots.storage.ingest import chain_files

HEADER = "root,expiry,strike,right,bid,ask,volume,open_interest,iv_src,spot,ts_event\n"


def _generic_csv(path: Path, *, ts: str, oi: int = 150) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        HEADER
        + f"SPXW,2023-04-06,4000,C,94,96.2,120,{oi},0.1523,4090.38,{ts}\n"
        + f"SPXW,2023-04-06,4000,P,3.1,3.3,800,900,0.1822,4090.38,{ts}\n"
    )
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two good snapshots, a copy of one, garbage, an empty JSON and an ignored text file."""
    root = tmp_path / "in"
    _generic_csv(root / "a.csv", ts="2023-04-05T15:00:00-04:00")
    _generic_csv(root / "deeper" / "b.csv", ts="2023-04-05T16:00:00-04:00")
    _generic_csv(root / "deeper" / "b_copy.csv", ts="2023-04-05T16:00:00-04:00")
    (root / "garbage.csv").write_bytes(b"\x00\x01 not a chain \xff")
    (root / "empty.json").write_text("")
    (root / "README.txt").write_text("not a chain file")
    (root / ".hidden").mkdir()
    _generic_csv(root / ".hidden" / "skipped.csv", ts="2023-04-05T12:00:00-04:00")
    return root


def test_ingest_counts_stored_duplicates_and_refused_with_reasons(
    folder: Path, store: SnapshotStore
) -> None:
    events: list[IngestEvent] = []

    summary = ingest([folder], store, on_progress=events.append)

    assert summary.files == 5
    assert len(summary.stored) == 2
    assert [d.path for d in summary.duplicates] == [summary.stored[1].path]
    refused = {r.path.name: r.reason for r in summary.refused}
    assert set(refused) == {"garbage.csv", "empty.json"}
    # The summary names the file; the reason does not repeat its path.
    assert refused["garbage.csv"] == (
        "binary data, not a chain file (NUL bytes; UTF-16/32 text is read by load_chain)"
    )
    assert all(reason for reason in refused.values())
    assert [(e.done, e.total) for e in events] == [(i, 5) for i in range(1, 6)]
    assert {e.outcome for e in events} == set(IngestOutcome)
    assert len(store.list("SPX")) == 2


def test_ingest_twice_stores_nothing_new(folder: Path, store: SnapshotStore) -> None:
    ingest([folder], store)

    again = ingest([folder], store)

    assert again.stored == ()
    assert len(again.duplicates) == 3
    assert len(again.refused) == 2


def test_ingest_explicit_file_and_missing_path(folder: Path, store: SnapshotStore) -> None:
    summary = ingest([folder / "a.csv", folder / "nope.csv"], store)

    assert len(summary.stored) == 1
    (refusal,) = summary.refused
    assert refusal.path.name == "nope.csv"


def test_ingest_reports_conflicting_content_at_same_time(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "store")
    _generic_csv(tmp_path / "in" / "x.csv", ts="2023-04-05T15:00:00-04:00", oi=150)
    _generic_csv(tmp_path / "in" / "y.csv", ts="2023-04-05T15:00:00-04:00", oi=151)

    summary = ingest([tmp_path / "in"], store)

    assert len(summary.stored) == 2
    assert [c.path for c in summary.conflicts] == [summary.stored[1].path]


def test_chain_files_walks_sorted_skipping_hidden_and_other_suffixes(folder: Path) -> None:
    names = [p.relative_to(folder).as_posix() for p in chain_files([folder])]
    assert names == ["a.csv", "deeper/b.csv", "deeper/b_copy.csv", "empty.json", "garbage.csv"]


def test_ingest_with_injected_reader_refuses_on_any_reader_error(
    folder: Path, store: SnapshotStore
) -> None:
    def broken(path: Path) -> object:
        raise KeyError(path.name)

    summary = ingest([folder / "a.csv"], store, read=broken)  # type: ignore[arg-type]

    (refusal,) = summary.refused
    assert refusal.reason == "KeyError: 'a.csv'"
