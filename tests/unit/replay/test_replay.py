"""Replay: the same outputs as a live-style run over the same snapshots; the run folder."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import ReplayError
from eots.engine import EngineParams, run, snapshot_ref
from eots.replay import (
    BARS_SCHEMA,
    LEVEL_ROWS_SCHEMA,
    SNAPSHOT_SCHEMA,
    ReplaySpec,
    RunRecorder,
    replay,
    run_bars,
)
from eots.storage import PriceStore, SnapshotStore
from unit.engine.engine_data import sessions


def _store(tmp_path: Path, snaps) -> Path:
    folder = tmp_path / "store"
    store = SnapshotStore(folder)
    for s in reversed(snaps):  # saved out of order: replay sorts by capture time
        store.save(s)
    return folder


def test_replay_equals_a_live_style_run(tmp_path: Path) -> None:
    snaps = sessions()[:9]
    live = RunRecorder()
    for item in run(((snapshot_ref(s), s) for s in snaps), EngineParams()):
        live.record(item)
    result = replay(
        ReplaySpec(store=_store(tmp_path, snaps), underlying="SPY"),
        EngineParams(),
        tmp_path / "run",
    )
    expected = live.frames()
    for stem in ("snapshots", "levels", "by_strike"):
        assert_frame_equal(result.frames[stem], expected[stem])
        assert_frame_equal(pl.read_parquet(tmp_path / "run" / f"{stem}.parquet"), expected[stem])
    assert result.analysed == 9
    assert live.ids == result.manifest["snapshot_ids"]


def test_run_folder_has_the_declared_schemas_and_manifest(tmp_path: Path) -> None:
    snaps = sessions()[:4]
    out = tmp_path / "run"
    replay(ReplaySpec(store=_store(tmp_path, snaps), underlying="spy"), EngineParams(), out)
    assert pl.read_parquet(out / "snapshots.parquet").schema == SNAPSHOT_SCHEMA
    assert pl.read_parquet(out / "levels.parquet").schema == LEVEL_ROWS_SCHEMA
    assert pl.read_parquet(out / "bars.parquet").schema == BARS_SCHEMA
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["underlying"] == "SPY"
    assert manifest["n_snapshots"] == 4
    assert manifest["config_fingerprint"] == EngineParams().fingerprint()
    assert manifest["bars_source"].startswith("snapshot spots")
    snap = pl.read_parquet(out / "snapshots.parquet")
    assert snap.get_column("spot").to_list() == [s.spot for s in snaps]
    assert not list(out.glob(".*.tmp"))


def test_replay_of_an_empty_range_is_an_error(tmp_path: Path) -> None:
    folder = _store(tmp_path, sessions()[:1])
    with pytest.raises(ReplayError, match="no SPX snapshots"):
        replay(ReplaySpec(store=folder, underlying="SPX"), EngineParams(), tmp_path / "r")


def test_bars_come_from_the_price_store_with_bar_start_times(tmp_path: Path) -> None:
    snaps = sessions()[:3]
    first, last = snaps[0].ts_event, snaps[-1].ts_event
    closes = pl.datetime_range(first, last, "1h", eager=True, time_zone="UTC")
    stored = pl.DataFrame(
        {
            "ts": closes,
            "open": 1.0,
            "high": 2.0,
            "low": 0.5,
            "close": 1.5,
            "volume": 0,
            "interval": "1h",
        }
    ).cast({"ts": pl.Datetime("us", "UTC"), "volume": pl.Int64})
    prices = PriceStore(tmp_path / "prices")
    prices.append("SPY", "1h", stored)
    snapshots = pl.DataFrame({"ts_event": [first], "spot": [1.0]})
    bars, source = run_bars(prices, "SPY", first, last, snapshots)
    assert source == "price store 1h"
    assert bars.get_column("ts").to_list() == [t - (closes[1] - closes[0]) for t in closes]
    assert bars.get_column("interval_minutes").unique().to_list() == [60]
