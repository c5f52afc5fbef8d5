"""The ``eots`` command end to end: demo, analyze on a file, JSON output, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.pipeline import analyze
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 11:30 ET, a Friday session


def _generic_csv(tmp_path: Path) -> tuple[Path, float]:
    snap = synthetic_chain(SyntheticParams(underlying="SPY", seed=3), as_of=AS_OF)
    path = write_generic_csv(snap, tmp_path / "my_chain.csv")
    return path, analyze(snap).totals.net_gex


def test_cli_demo_json_has_levels_and_conventions() -> None:
    result = runner.invoke(app, ["sample", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["underlying"] == "SPX"
    assert data["conventions"]["sign"].startswith("classic")
    assert data["zero_gamma"]["status"] in {"crossing", "no_crossing"}
    assert len(data["top_strikes"]["gex"]["strikes"]) == 3
    assert data["walls"]["call_wall"][0]["strike"] > 0
    profile = data["zero_gamma"]["profile"]
    assert len(profile["spot_levels"]) == len(profile["net_gex_usd_per_pct"]) == 61


def test_cli_demo_text_names_units_and_time_basis() -> None:
    result = runner.invoke(app, ["sample", "--underlying", "SPY"])
    assert result.exit_code == 0, result.output
    assert "SPY" in result.stdout
    assert "zero gamma" in result.stdout
    assert "USD per 1% move" in result.stdout


def test_cli_analyze_generic_file_matches_python_api(tmp_path: Path) -> None:
    path, net_gex = _generic_csv(tmp_path)
    result = runner.invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["underlying"] == "SPY"
    assert data["totals"]["net_gex_usd_per_pct"] == pytest.approx(net_gex, rel=1e-6)


def test_cli_analyze_expiry_scope_0dte_restricts_contracts(tmp_path: Path) -> None:
    path, _ = _generic_csv(tmp_path)
    everything = json.loads(runner.invoke(app, ["analyze", str(path), "--json"]).stdout)
    zero = json.loads(
        runner.invoke(app, ["analyze", str(path), "--json", "--expiries", "0dte"]).stdout
    )
    assert zero["expiry_scope"] == "0dte"
    assert 0 < zero["contracts"]["in_scope"] < everything["contracts"]["in_scope"]


def test_cli_analyze_missing_file_fails_with_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_cli_analyze_garbage_file_fails_with_message(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\x00\x01\x02 not a chain \xff")
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2
    assert "garbage.csv" in result.output


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--expiries", "weekly"], "expiry scope"),
        (["--sign", "upside_down"], "sign_convention"),
        (["--as-of", "yesterday"], "ISO 8601"),
    ],
)
def test_cli_demo_bad_option_is_refused(args: list[str], text: str) -> None:
    result = runner.invoke(app, ["sample", *args])
    assert result.exit_code == 2
    assert text in result.output


def test_cli_json_has_every_base_metric_per_strike_and_notes() -> None:
    data = json.loads(runner.invoke(app, ["sample", "--json"]).stdout)
    metrics = data["metrics"]
    row = metrics["strikes"][0]
    for key in (
        "dag_custom",
        "sdag_multiplicative",
        "sdag_directional",
        "sdag_weighted",
        "sdag_volatility_focused",
        "tdpi",
        "ctr",
        "tdfi",
        "vri",
        "vvr",
        "vfi",
        "mspi",
        "sai",
        "ssi",
        "arfi",
    ):
        assert key in row, key
    assert any("proxy" in n["note"] for n in metrics["notes"])
    top = [abs(r["mspi"]) for r in metrics["top_by_abs_mspi"]]
    assert top == sorted(top, reverse=True)
    assert all(-1.0 <= r["mspi"] <= 1.0 for r in metrics["strikes"] if r["mspi"] is not None)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_cli_out_writes_contract_strike_and_profile_frames(tmp_path: Path, fmt: str) -> None:
    result = runner.invoke(app, ["sample", "--out", str(tmp_path), "--format", fmt])
    assert result.exit_code == 0, result.output
    files = sorted(p.name.rsplit("_", 1)[1] for p in tmp_path.iterdir())
    assert files == [f"contracts.{fmt}", f"profile.{fmt}", f"strikes.{fmt}"]
    strikes = next(tmp_path.glob(f"*_strikes.{fmt}"))
    frame = pl.read_parquet(strikes) if fmt == "parquet" else pl.read_csv(strikes)
    assert {"strike", "net_gex", "mspi", "dag_custom"} <= set(frame.columns)


def test_cli_out_bad_format_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", "--out", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "parquet or csv" in result.output


def test_cli_json_has_adaptive_metrics_and_factor_reports() -> None:
    data = json.loads(runner.invoke(app, ["sample", "--json"]).stdout)["metrics"]
    row = data["strikes"][0]
    for key in (
        "a_dag",
        "e_sdag_multiplicative",
        "e_sdag_composite",
        "sdag_conviction_score",
        "d_tdpi",
        "enhanced_ctr",
        "enhanced_tdfi",
        "vri_2_0",
        "enhanced_vvr",
        "enhanced_vfi",
        "a_dag_regime_factor",
        "d_tdpi_time_weight",
    ):
        assert key in row, key
    factors = data["adaptive"]["factors"]
    regime = next(f for f in factors if f["metric"] == "a_dag" and f["factor"] == "regime_factor")
    assert regime["neutral"] is True  # no history in the demo
    assert regime["value"] == 1.0
    assert sum(data["adaptive"]["methodology_weights"].values()) == pytest.approx(1.0)


def test_cli_text_shows_scope_and_format_labels_in_brackets(tmp_path: Path) -> None:
    # Bracketed labels such as "[all]" or "[generic_csv]" must not be eaten as rich markup tags.
    path, _ = _generic_csv(tmp_path)
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["analyze", str(path), "--json"]).stdout)
    assert f"[{data['source_format']}]" in result.stdout
    assert "in scope [all]" in result.stdout
    assert data["warnings"] == []


def test_cli_as_of_bare_date_means_that_sessions_close() -> None:
    data = json.loads(runner.invoke(app, ["sample", "--json", "--as-of", "2026-11-27"]).stdout)
    assert data["as_of_et"].startswith("2026-11-27T13:00")  # day after Thanksgiving: half day
    assert data["session"] == "2026-11-27"


def test_cli_as_of_bare_date_on_a_holiday_is_refused() -> None:
    result = runner.invoke(app, ["sample", "--as-of", "2026-11-26"])
    assert result.exit_code == 2
    assert "not an NYSE session" in result.output
