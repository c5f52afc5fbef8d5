"""``eots synth``: a simulated history in a store, its trade feed read by ``analyze --trades``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.simulator import read_trades, trades_path
from eots.storage import SnapshotStore

runner = CliRunner()
DAY = dt.date(2024, 3, 12)


def test_cli_synth_writes_a_store_whose_feed_analyze_reads(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ["synth", "--store", str(store), "--sessions", "1", "--every", "60m", "--seed", "3"]
    result = runner.invoke(app, [*args, "--listing", "small", "--start", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 sessions, 8 snapshots" in result.stdout
    refs = SnapshotStore(store).list("SPX")
    assert len(refs) == 8
    snap = SnapshotStore(store).load(refs[3])  # 12:30 ET
    chain = write_generic_csv(snap, tmp_path / "chain.csv")
    feed = trades_path(store, "SPX", DAY, feed=True)
    result = runner.invoke(app, ["analyze", str(chain), "--json", "--trades", str(feed)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["metrics"]
    truth = read_trades(store, "SPX", DAY, DAY)
    assert f"flows from {truth.height} trades" in data["history"]
    so_far = truth.filter(pl.col("ts") <= snap.ts_event)
    net = so_far.group_by("strike").agg(
        net=pl.when(pl.col("side") == "buy").then(pl.col("size")).otherwise(-pl.col("size")).sum()
    )
    by_strike = {r["strike"]: r for r in data["strikes"]}
    checked = 0
    for strike, value in net.iter_rows():
        if strike in by_strike:
            assert by_strike[strike]["true_net_volume_flow"] == pytest.approx(value)
            checked += 1
    assert checked > 20


def test_cli_synth_refuses_bad_options(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--store", str(tmp_path), "--underlying", "QQQ"])
    assert result.exit_code == 2
    assert "SPX or SPY" in result.output
    result = runner.invoke(app, ["synth", "--store", str(tmp_path), "--every", "7m"])
    assert result.exit_code == 2
    assert "--every" in result.output
