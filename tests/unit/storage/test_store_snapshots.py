"""SnapshotStore: round trip, duplicates, queries, corrupt and stray files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from builders import et
from eots.chain import ChainSnapshot
from eots.core.errors import SchemaError
from eots.core.time import UTC, TimeBasis
from eots.storage import SnapshotRef, SnapshotStore
from eots.storage._metadata import SCHEMA_VERSION

SnapshotFactory = Callable[..., ChainSnapshot]


def _assert_same(got: ChainSnapshot, want: ChainSnapshot) -> None:
    assert_frame_equal(got.frame, want.frame)
    for name in (
        "underlying",
        "spot",
        "ts_event",
        "ts_recv",
        "time_basis",
        "quality",
        "source",
        "source_format",
    ):
        assert getattr(got, name) == getattr(want, name), name


def test_save_load_round_trip_identical_frame_and_metadata(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    snap = make_snapshot(et(2024, 3, 22, 10, 5))  # the SPX 03-21 row is expired: quality item
    assert snap.quality.dropped
    result = store.save(snap)

    assert not result.duplicate
    assert result.path.is_file()
    assert result.path.parent.name == "session=2024-03-22"
    assert result.path.parent.parent.name == "underlying=SPX"
    (ref,) = store.list("SPX")
    assert ref.path == result.path
    _assert_same(store.load(ref), snap)


def test_save_writes_readable_key_value_metadata(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    snap = make_snapshot(et(2024, 3, 13, 14, 0), spot=5001.25)
    path = store.save(snap).path

    meta = {k.decode(): v.decode() for k, v in pq.read_metadata(path).metadata.items()}
    assert meta["eots.schema_version"] == str(SCHEMA_VERSION)
    assert meta["eots.underlying"] == "SPX"
    assert meta["eots.spot"] == "5001.25"
    assert meta["eots.ts_event"] == "2024-03-13T18:00:00.000000+00:00"
    assert meta["eots.time_basis"] == "source"
    assert json.loads(meta["eots.quality"])["rows_kept"] == 3
    assert len(meta["eots.content_hash"]) == 64


def test_save_same_content_same_time_is_duplicate_and_not_rewritten(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    snap = make_snapshot(et(2024, 3, 13, 14, 0))
    first = store.save(snap)
    mtime = first.path.stat().st_mtime_ns
    later_capture = dataclasses.replace(snap, ts_recv=snap.ts_recv + dt.timedelta(hours=5))

    again = store.save(later_capture)

    assert again.duplicate
    assert again.path == first.path
    assert first.path.stat().st_mtime_ns == mtime
    assert len(store.list("SPX")) == 1


def test_save_different_content_same_time_kept_beside_and_reported(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    when = et(2024, 3, 13, 14, 0)
    first = store.save(make_snapshot(when, open_interest=1200))
    second = store.save(make_snapshot(when, open_interest=1300))

    assert not second.duplicate
    assert second.conflicts == (first.path,)
    assert second.path != first.path
    refs = store.list("SPX")
    assert {r.path for r in refs} == {first.path, second.path}
    loaded = {_call_oi(store.load(r)) for r in refs}
    assert loaded == {1200, 1300}


def _call_oi(snap: ChainSnapshot) -> int:
    oi = snap.frame.filter(pl.col("right") == "C").item(0, "open_interest")
    assert isinstance(oi, int)
    return oi


def test_save_same_quotes_other_spot_is_not_duplicate(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    when = et(2024, 3, 13, 14, 0)
    store.save(make_snapshot(when, spot=5001.0))
    assert not store.save(make_snapshot(when, spot=5002.0)).duplicate


def test_list_sorted_by_ts_event_then_ts_recv_and_filtered_inclusive(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    times = [et(2024, 3, d, h, m) for d, h, m in [(14, 10, 0), (13, 15, 55), (13, 9, 30)]]
    for ts in times:
        store.save(make_snapshot(ts))
    base = make_snapshot(et(2024, 3, 13, 15, 55), open_interest=7)
    store.save(dataclasses.replace(base, ts_recv=base.ts_recv - dt.timedelta(minutes=1)))

    refs = store.list("spx")

    keys = [(r.ts_event, r.ts_recv) for r in refs]
    assert keys == sorted(keys)
    assert [r.ts_event for r in refs] == sorted([*times, times[1]])
    assert refs[1].ts_recv < refs[2].ts_recv  # same ts_event: earlier capture first
    inside = store.list("SPX", et(2024, 3, 13, 15, 55), et(2024, 3, 14, 10, 0))
    assert [r.ts_event for r in inside] == [times[1], times[1], times[0]]
    assert store.list("SPX", end=et(2024, 3, 13, 9, 29)) == ()
    assert store.list("SPY") == ()


def test_between_loads_range_in_order(store: SnapshotStore, make_snapshot: SnapshotFactory) -> None:
    times = [et(2024, 3, 13, 10, m) for m in (0, 5, 10, 15)]
    for i, ts in enumerate(times):
        store.save(make_snapshot(ts, spot=5000.0 + i))

    got = store.between("SPX", times[1], times[2])

    assert [s.spot for s in got] == [5001.0, 5002.0]


def test_queries_refuse_naive_times(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.latest("SPX", dt.datetime(2024, 3, 13, 12))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        store.list("SPX", start=dt.datetime(2024, 3, 13, 12))  # noqa: DTZ001


def test_queries_refuse_unsafe_underlying_names(store: SnapshotStore) -> None:
    with pytest.raises(SchemaError, match="underlying"):
        store.list("../SPX")


# A store of 40 snapshots at random minutes over three sessions (some sharing an instant).
_RNG = random.Random(20240313)
_SESSIONS = [dt.date(2024, 3, 12), dt.date(2024, 3, 13), dt.date(2024, 3, 15)]
_TIMES = sorted(
    et(d.year, d.month, d.day, 9, 30) + dt.timedelta(minutes=_RNG.randrange(0, 391))
    for d in _SESSIONS
    for _ in range(13)
)
_TIMES.append(_TIMES[7])


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory, make_snapshot: SnapshotFactory
) -> SnapshotStore:
    """The 40-snapshot store (built once per module)."""
    store = SnapshotStore(tmp_path_factory.mktemp("history"))
    for i, ts in enumerate(_TIMES):
        store.save(make_snapshot(ts, spot=5000.0 + i, open_interest=1000 + i))
    return store


@given(
    as_of=st.datetimes(
        # hypothesis takes naive bounds and attaches the zone itself
        min_value=dt.datetime(2024, 3, 11, 12),  # noqa: DTZ001
        max_value=dt.datetime(2024, 3, 18, 12),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_latest_never_after_as_of_and_is_newest_before(
    history: SnapshotStore, as_of: dt.datetime
) -> None:
    refs = history.list("SPX")
    expected = max((r for r in refs if r.ts_event <= as_of), default=None)

    got = history.latest_ref("SPX", as_of)

    assert got == expected
    if got is not None:
        assert got.ts_event <= as_of


@given(data=st.data())
def test_latest_loads_ref_at_exact_snapshot_times(
    history: SnapshotStore, data: st.DataObject
) -> None:
    ts = data.draw(st.sampled_from(_TIMES))
    step = data.draw(st.sampled_from([dt.timedelta(0), -dt.timedelta(microseconds=1)]))

    snap = history.latest("SPX", ts + step)

    if step:
        assert snap is None or snap.ts_event < ts
    else:
        assert snap is not None
        assert snap.ts_event == ts


def test_sessions_and_end_of_day(history: SnapshotStore) -> None:
    assert history.sessions("SPX") == tuple(_SESSIONS)
    for day in _SESSIONS:
        eod = history.end_of_day("SPX", day)
        assert eod is not None
        last = max(t for t in _TIMES if t.date() == day)
        assert eod.ts_event == last
    assert history.end_of_day("SPX", dt.date(2024, 3, 14)) is None
    assert history.end_of_day("SPX", dt.date(2024, 3, 16)) is None  # a Saturday


def test_end_of_day_ignores_snapshots_after_the_close(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    store.save(make_snapshot(et(2024, 3, 13, 15, 55), spot=1.0))
    store.save(make_snapshot(et(2024, 3, 13, 16, 0), spot=2.0))
    store.save(make_snapshot(et(2024, 3, 13, 16, 20), spot=3.0))

    eod = store.end_of_day("SPX", dt.date(2024, 3, 13))

    assert eod is not None
    assert eod.spot == 2.0


def test_end_of_day_uses_the_early_close_on_half_days(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    # 2023-11-24 (day after Thanksgiving) closes at 13:00 ET.
    snap = make_snapshot(et(2023, 11, 24, 12, 59))
    store.save(snap)
    store.save(make_snapshot(et(2023, 11, 24, 13, 30), spot=9.0))

    eod = store.end_of_day("SPX", dt.date(2023, 11, 24))

    assert eod is not None
    assert eod.ts_event == snap.ts_event


def test_spot_series_from_metadata(history: SnapshotStore) -> None:
    series = history.spot_series("SPX")

    assert series.schema == pl.Schema({"ts_event": pl.Datetime("us", "UTC"), "spot": pl.Float64()})
    assert series.height == len(set(_TIMES))
    assert series.get_column("ts_event").is_sorted()
    # _TIMES[7] is stored twice; the last captured (the later spot, 5040) wins.
    dup = (
        series.filter(pl.col("ts_event") == _TIMES[7].astimezone(UTC)).get_column("spot").to_list()
    )
    assert dup == [5000.0 + len(_TIMES) - 1]


def _three(store: SnapshotStore, make_snapshot: SnapshotFactory) -> tuple[SnapshotRef, ...]:
    for m in (0, 5, 10):
        store.save(make_snapshot(et(2024, 3, 13, 10, m)))
    return store.list("SPX")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_byte"])
def test_corrupt_file_raises_schema_error_naming_it_others_still_load(
    store: SnapshotStore, make_snapshot: SnapshotFactory, damage: str
) -> None:
    refs = _three(store, make_snapshot)
    bad = refs[1].path
    data = bad.read_bytes()
    if damage == "truncate":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"this is not parquet at all" * 10)
    else:
        middle = len(data) // 3
        bad.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])

    assert store.list("SPX") == refs  # listed, never silently hidden
    with pytest.raises(SchemaError) as e:
        store.load(refs[1])
    assert str(bad) in str(e.value)
    for ref in (refs[0], refs[2]):
        store.load(ref)
    problems = store.verify()
    assert [p.path for p in problems] == [bad]
    with pytest.raises(SchemaError, match=str(bad)):
        store.between("SPX", refs[0].ts_event, refs[2].ts_event)
    if damage != "flip_byte":  # a damaged data page leaves the footer (and spot) readable
        with pytest.raises(SchemaError, match=str(bad)):
            store.spot_series("SPX")


def test_load_refuses_rows_changed_behind_the_hash(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    path = store.save(make_snapshot(et(2024, 3, 13, 10, 0))).path
    table = pq.read_table(path)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    tampered = frame.with_columns(open_interest=pl.col("open_interest") + 1).to_arrow()
    pq.write_table(tampered.replace_schema_metadata(table.schema.metadata), path)

    with pytest.raises(SchemaError, match="content hash mismatch"):
        store.load(store.list("SPX")[0])


def test_load_refuses_newer_schema_version(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    path = store.save(make_snapshot(et(2024, 3, 13, 10, 0))).path
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"eots.schema_version"] = str(SCHEMA_VERSION + 1).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)

    with pytest.raises(SchemaError, match="upgrade eots"):
        store.load(store.list("SPX")[0])


def test_load_refuses_missing_metadata(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    path = store.save(make_snapshot(et(2024, 3, 13, 10, 0))).path
    pq.write_table(pq.read_table(path).replace_schema_metadata(None), path)

    with pytest.raises(SchemaError, match="metadata"):
        store.load(store.list("SPX")[0])


def test_stray_temp_files_ignored_and_removed_by_repair(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    refs = _three(store, make_snapshot)
    folder = refs[0].path.parent
    # 99999999 is above any pid_max: no such writer runs.
    stray = folder / f".{refs[0].path.name}.99999999.deadbeef.tmp"
    stray.write_bytes(refs[0].path.read_bytes()[:100])

    assert store.list("SPX") == refs
    assert [p.path for p in store.verify()] == [stray]

    report = store.repair()

    assert report.removed == (stray,)
    assert not stray.exists()
    assert store.verify() == ()
    assert store.list("SPX") == refs


def test_verify_reports_files_outside_the_layout(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    refs = _three(store, make_snapshot)
    odd = refs[0].path.parent / "notes.parquet"
    odd.write_bytes(b"x")

    assert store.list("SPX") == refs
    assert [p.path for p in store.verify("SPX")] == [odd]
    assert store.verify("SPY") == ()


def test_save_refuses_a_frame_off_schema(
    store: SnapshotStore, make_snapshot: SnapshotFactory
) -> None:
    snap = make_snapshot(et(2024, 3, 13, 10, 0))
    broken = dataclasses.replace(snap, frame=snap.frame.drop("iv_src"))

    with pytest.raises(SchemaError, match="missing=\\['iv_src'\\]"):
        store.save(broken)
    assert store.list("SPX") == ()


def test_empty_or_missing_root_answers_empty(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "nothing")
    assert store.list("SPX") == ()
    assert store.sessions("SPX") == ()
    assert store.latest("SPX", et(2024, 3, 13)) is None
    assert store.spot_series("SPX").height == 0
    assert store.verify() == ()
    assert store.repair().removed == ()


def test_time_basis_round_trips(store: SnapshotStore, make_snapshot: SnapshotFactory) -> None:
    snap = dataclasses.replace(
        make_snapshot(et(2024, 3, 13, 10, 0)), time_basis=TimeBasis.SESSION_CLOSE
    )
    store.save(snap)
    assert store.load(store.list("SPX")[0]).time_basis is TimeBasis.SESSION_CLOSE
