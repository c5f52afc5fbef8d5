"""The as-of reader refuses every query past ``as_of``; session helpers pick EOD and weekly refs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from eots.chain import ChainSnapshot
from eots.core.errors import ReplayError
from eots.history import AsOfReader, Visibility
from eots.history.sessions import sessions_before, split_refs, weekly_refs
from eots.storage import SnapshotStore
from unit.history.context_store import SESSIONS, fill


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]
) -> SnapshotStore:
    return fill(tmp_path_factory.mktemp("reader"), snapshots)


def test_reader_refs_stop_at_as_of(store: SnapshotStore, snapshots: list[ChainSnapshot]) -> None:
    as_of = snapshots[9].ts_event
    refs = AsOfReader(store, None, as_of).snapshot_refs("SPX")
    assert [r.ts_event for r in refs] == [s.ts_event for s in snapshots[:10]]


def test_reader_refuses_range_end_after_as_of(store: SnapshotStore) -> None:
    as_of = dt.datetime(2024, 3, 8, 18, tzinfo=dt.UTC)
    reader = AsOfReader(store, None, as_of)
    later = as_of + dt.timedelta(microseconds=1)
    with pytest.raises(ReplayError, match="look-ahead"):
        reader.snapshot_refs("SPX", end=later)
    with pytest.raises(ReplayError, match="look-ahead"):
        reader.spot_series("SPX", end=later)
    with pytest.raises(ReplayError, match="look-ahead"):
        reader.bars("SPX", "1d", end=later)


def test_reader_refuses_loading_a_later_snapshot(store: SnapshotStore) -> None:
    refs = store.list("SPX")
    reader = AsOfReader(store, None, refs[3].ts_event)
    assert reader.load(refs[3]).ts_event == refs[3].ts_event
    with pytest.raises(ReplayError, match="look-ahead"):
        reader.load(refs[4])


def test_reader_capture_time_hides_snapshots_received_after_as_of(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    late = dataclasses.replace(snapshots[0], ts_recv=snapshots[0].ts_event + dt.timedelta(hours=3))
    store = fill(tmp_path, [late])
    as_of = snapshots[0].ts_event + dt.timedelta(hours=1)
    assert len(AsOfReader(store, None, as_of).snapshot_refs("SPX")) == 1
    strict = AsOfReader(store, None, as_of, Visibility.CAPTURE_TIME)
    assert strict.snapshot_refs("SPX") == ()
    assert strict.spot_series("SPX").height == 0
    with pytest.raises(ReplayError):
        strict.load(store.list("SPX")[0])


def test_reader_without_price_store_gives_empty_bars(store: SnapshotStore) -> None:
    bars = AsOfReader(store, None, dt.datetime(2024, 3, 8, tzinfo=dt.UTC)).bars("SPX", "1d")
    assert bars.height == 0
    assert "close" in bars.columns


def test_reader_needs_aware_as_of(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AsOfReader(store, None, dt.datetime(2024, 3, 8))  # noqa: DTZ001 - the case under test


def test_split_refs_eod_is_last_snapshot_of_each_prior_session(store: SnapshotStore) -> None:
    refs = store.list("SPX")
    split = split_refs(refs, SESSIONS[2])
    assert [r.session for r in split.end_of_day] == list(SESSIONS[:2])
    assert [r.ts_event.astimezone(dt.UTC).hour for r in split.end_of_day] == [20, 20]  # 15:30 ET
    assert [r.session for r in split.current] == [SESSIONS[2]] * 7
    assert weekly_refs(split.end_of_day, SESSIONS[2], 4) == (split.end_of_day[-1],)
    assert weekly_refs(split.end_of_day, SESSIONS[1], 4) == ()
    assert weekly_refs(split.end_of_day, SESSIONS[2], 0) == ()


def test_sessions_before_skips_weekends() -> None:
    assert sessions_before(dt.date(2024, 3, 11), 1) == dt.date(2024, 3, 8)
    assert sessions_before(dt.date(2024, 3, 11), 0) == dt.date(2024, 3, 11)


def test_spot_series_under_quote_time_matches_snapshots(
    store: SnapshotStore, snapshots: list[ChainSnapshot]
) -> None:
    spots = AsOfReader(store, None, snapshots[5].ts_event).spot_series("SPX")
    assert spots.get_column("spot").to_list() == [s.spot for s in snapshots[:6]]
    assert spots.schema["ts_event"] == pl.Datetime("us", "UTC")
