"""``eots recs ls|show|export`` over a log written by the lifecycle."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.storage.events import EventLog
from eots.tracking import OUTCOME_SCHEMA, Book, TrackingParams, advance
from tracking_builders import session

runner = CliRunner()


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recs") / "recs.sqlite"
    book = Book()
    with EventLog(path) as log:
        for m, ideas in session(40):
            book, ev = advance(book, m, ideas, TrackingParams())
            log.append(ev)
    return path


def test_ls_lists_open_and_closed_with_the_win_rate_interval(log_path: Path) -> None:
    result = runner.invoke(app, ["recs", "ls", "--log", str(log_path)])
    assert result.exit_code == 0, result.output
    assert "closed (" in result.output
    assert "95% CI" in result.output


def test_show_prints_the_lifecycle_in_order(log_path: Path) -> None:
    result = runner.invoke(app, ["recs", "show", "idea-000", "--log", str(log_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("idea_proposed") < out.index("entry_filled") < out.index("idea_closed")
    missing = runner.invoke(app, ["recs", "show", "nope", "--log", str(log_path)])
    assert missing.exit_code != 0
    assert "no recommendation 'nope'" in missing.output


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_outcomes(log_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"outcomes.{fmt}"
    args = ["recs", "export", "--log", str(log_path), "--format", fmt, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with EventLog(log_path) as log:
        expected = log.closed()
    assert expected.height > 0
    if fmt == "parquet":
        got = pl.read_parquet(out)
        assert got.schema == OUTCOME_SCHEMA
        assert got.equals(expected)
    elif fmt == "json":
        rows = json.loads(out.read_text())
        assert [r["idea_id"] for r in rows] == expected["idea_id"].to_list()
    else:
        got = pl.read_csv(out)
        assert got["pnl_bidask"].to_list() == pytest.approx(expected["pnl_bidask"].to_list())
        assert got["signals"][0] == ";".join(expected["signals"][0])


def test_export_weights_and_bad_options(log_path: Path) -> None:
    result = runner.invoke(
        app, ["recs", "export", "--log", str(log_path), "--what", "weights", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["group"] == "level_kind"
    bad = runner.invoke(app, ["recs", "export", "--log", str(log_path), "--format", "xls"])
    assert bad.exit_code != 0
    assert "expected csv, json or parquet" in bad.output
    no_out = runner.invoke(app, ["recs", "export", "--log", str(log_path), "--format", "parquet"])
    assert "parquet needs --out" in no_out.output
    nolog = runner.invoke(app, ["recs", "ls", "--log", str(log_path.with_name("missing.sqlite"))])
    assert nolog.exit_code != 0
    assert "no event log there" in nolog.output
