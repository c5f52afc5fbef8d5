"""Saved key levels: round trip, strictly-before lookup, damaged files reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eots.core.errors import SchemaError
from eots.pipeline import History, analyze
from eots.storage import LevelStore, SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_chain

T1 = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(minutes=30)
PARAMS = SyntheticParams(underlying="SPY", seed=2, leaps_years=0, quarterly_years=0)


def test_level_store_round_trip_and_lookup_strictly_before(tmp_path: Path) -> None:
    levels = analyze(synthetic_chain(PARAMS, as_of=T1)).levels
    store = LevelStore(tmp_path)
    store.save("SPY", levels)
    assert store.previous("SPY", T1) is None  # never the same instant, never later
    loaded = store.previous("SPY", T2)
    assert loaded is not None
    assert loaded.as_of == T1
    assert loaded.to_frame().equals(levels.to_frame())  # NaN evidence compares equal here
    assert len(loaded.levels) == len(levels.levels)
    assert loaded.conviction_threshold == levels.conviction_threshold
    assert loaded.metric_weights == levels.metric_weights
    assert loaded.exposures.equals(levels.exposures.select("strike", "net_gex", "dex"))
    assert store.previous("QQQ", T2) is None


def test_level_store_persistence_spans_two_analyses(tmp_path: Path) -> None:
    store = LevelStore(tmp_path)
    first = analyze(synthetic_chain(PARAMS, as_of=T1)).levels
    store.save("SPY", first)
    second = analyze(
        synthetic_chain(PARAMS, as_of=T2),
        history=History(previous_levels=store.previous("SPY", T2)),
    ).levels
    carried = [lv for lv in second.levels if lv.updates == 2]
    assert carried
    assert all(lv.first_seen <= T1 for lv in carried)


def test_level_store_damaged_file_is_reported_and_snapshot_verify_ignores_it(
    tmp_path: Path,
) -> None:
    store = LevelStore(tmp_path)
    path = store.save("SPY", analyze(synthetic_chain(PARAMS, as_of=T1)).levels)
    path.write_bytes(b"garbage")
    with pytest.raises(SchemaError, match=path.name):
        store.previous("SPY", T2)
    assert SnapshotStore(tmp_path).verify() == ()
