"""Key levels in ``eots analyze`` output, and ``eots levels evaluate`` over a store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from eots.cli.main import app
from eots.core.time import nyse_calendar
from eots.pipeline import analyze
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()
KINDS = {
    "support",
    "resistance",
    "call_wall",
    "put_wall",
    "abs_gamma",
    "zero_gamma",
    "vol_trigger",
    "cluster",
    "secondary_call_wall",
    "secondary_put_wall",
}


def test_cli_json_levels_collection_is_well_formed() -> None:
    data = json.loads(runner.invoke(app, ["sample", "--json"]).stdout)
    levels = data["levels"]
    assert levels["all"], "no levels"
    kinds = {lv["kind"] for lv in levels["all"]}
    assert kinds <= KINDS
    assert {"call_wall", "put_wall", "abs_gamma"} <= kinds
    for lv in levels["all"]:
        assert 0.0 <= lv["strength"] <= 1.0
        assert 0.0 <= lv["conviction"] <= 1.0
        assert lv["low"] <= lv["price"] <= lv["high"]
    spot = data["spot"]
    assert all(lv["price"] > spot for lv in levels["above_spot"])
    assert all(lv["price"] <= spot for lv in levels["below_spot"])
    walls = {lv["kind"]: lv["price"] for lv in levels["all"] if lv["timeframe"] == "intraday"}
    assert walls["call_wall"] == data["walls"]["call_wall"][0]["strike"]


def test_cli_levels_evaluate_over_stored_sessions(tmp_path: Path) -> None:
    cal = nyse_calendar()
    day = dt.date(2026, 11, 2)
    store = SnapshotStore(tmp_path)
    params = SyntheticParams(underlying="SPY", leaps_years=0, quarterly_years=0, monthly_months=2)
    for i in range(4):
        bounds = cal.session_bounds(day)
        assert bounds is not None
        close = bounds[1] - dt.timedelta(minutes=5)
        store.save(
            synthetic_chain(
                params.model_copy(update={"seed": i, "spot": 500.0 + 3 * i}), as_of=close
            )
        )
        day = cal.next_session(day)
    result = runner.invoke(app, ["levels", "evaluate", "SPY", "--store", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert "call_wall" in result.stdout


def test_levels_measure_with_the_atr_the_metrics_used() -> None:
    as_of = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    a = analyze(synthetic_chain(SyntheticParams(), as_of=as_of))
    assert a.metrics.atr is not None
    assert any(f"atr: {a.metrics.atr:.2f}, the one the metrics used" == n for n in a.levels.notes)
