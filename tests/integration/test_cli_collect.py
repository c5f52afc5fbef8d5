"""``eots collect`` over recorded CBOE payloads (never the network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.storage import SnapshotStore

runner = CliRunner()
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


def test_cli_collect_recorded_stores_each_underlying(tmp_path: Path) -> None:
    args = [
        "collect",
        "SPX",
        "SPY",
        "--recorded",
        str(RECORDED / "cboe"),
        "--always",
        "--max-polls",
        "1",
        "--store",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 saved, 0 unchanged, 0 failed" in result.stdout
    store = SnapshotStore(tmp_path)
    assert len(store.list("SPX")) == 1
    assert len(store.list("SPY")) == 1


def test_cli_collect_unrecorded_symbol_fails_but_keeps_going(tmp_path: Path) -> None:
    args = [
        "collect",
        "QQQ",
        "SPX",
        "--recorded",
        str(RECORDED / "cboe"),
        "--always",
        "--max-polls",
        "1",
        "--store",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "failed QQQ" in result.stdout
    assert "1 saved, 0 unchanged, 1 failed" in result.stdout


def test_cli_collect_tradier_without_token_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADIER_TOKEN", raising=False)
    result = runner.invoke(
        app,
        [
            "collect",
            "SPX",
            "--source",
            "tradier",
            "--always",
            "--max-polls",
            "1",
            "--store",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "TRADIER_TOKEN" in result.output


def test_cli_collect_unknown_source_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect", "SPX", "--source", "yahoo", "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "cboe or tradier" in result.output


def test_cli_collect_analyze_prints_a_summary_and_saves_levels(tmp_path: Path) -> None:
    args = [
        "collect",
        "SPX",
        "--recorded",
        str(RECORDED / "cboe"),
        "--always",
        "--max-polls",
        "1",
        "--store",
        str(tmp_path),
        "--analyze",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "net GEX" in result.stdout
    assert "zero gamma" in result.stdout
    assert len(list((tmp_path / "_levels").rglob("*_levels.parquet"))) == 1
