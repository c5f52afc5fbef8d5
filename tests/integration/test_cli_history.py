"""``eots analyze --store``: the store's earlier snapshots of the session supply inferred flows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_session

runner = CliRunner()
PARAMS = SyntheticParams(
    underlying="SPY", seed=5, leaps_years=0, quarterly_years=0, monthly_months=2
)


def test_cli_analyze_with_store_uses_inferred_flows(tmp_path: Path) -> None:
    session = synthetic_session(
        PARAMS, session=dt.date(2026, 11, 20), every=dt.timedelta(minutes=30)
    )
    store = tmp_path / "store"
    snapshots = SnapshotStore(store)
    for snap in session[:5]:
        snapshots.save(snap)
    current = session[5]
    path = tmp_path / "now.csv"
    write_generic_csv(current, path)

    without = json.loads(runner.invoke(app, ["analyze", str(path), "--json"]).stdout)
    result = runner.invoke(app, ["analyze", str(path), "--json", "--store", str(store)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)

    assert data["metrics"]["history"].startswith("0 prior sessions, 6 snapshots this session")
    assert "flows from 5 increments" in data["metrics"]["history"]
    notes = {n["note"] for n in data["metrics"]["notes"]}
    assert not any("proxy dxvolm" in n for n in notes)  # delta flow now comes from the store
    assert any("proxy dxvolm" in n["note"] for n in without["metrics"]["notes"])
    strikes = data["metrics"]["strikes"]
    assert any(r["true_net_volume_flow"] not in (None, 0.0) for r in strikes)
    assert len(snapshots.list("SPY")) == 6  # the analysed file was added to the store


def test_cli_analyze_with_store_carries_levels_between_runs(tmp_path: Path) -> None:
    session = synthetic_session(
        PARAMS, session=dt.date(2026, 11, 20), every=dt.timedelta(minutes=30)
    )
    store = tmp_path / "store"
    first = write_generic_csv(session[3], tmp_path / "a.csv")
    second = write_generic_csv(session[4], tmp_path / "b.csv")
    runner.invoke(app, ["analyze", str(first), "--store", str(store)])
    data = json.loads(
        runner.invoke(app, ["analyze", str(second), "--json", "--store", str(store)]).stdout
    )
    carried = [lv for lv in data["levels"]["all"] if lv["updates"] == 2]
    assert carried, "no level persisted from the first run"
    assert all(lv["first_seen"] <= session[3].ts_event.isoformat() for lv in carried)
    assert len(list((store / "_levels").rglob("*_levels.parquet"))) == 2
    verify = runner.invoke(app, ["store", "verify", "--store", str(store)])
    assert verify.exit_code == 0, verify.output
