"""``eots report RUN_DIR`` and ``eots levels export FILE`` end to end."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.levels_export import levels_csv, levels_pine, levels_thinkscript
from eots.cli.main import app
from eots.pipeline import analyze
from eots.synthetic import SyntheticParams, synthetic_chain
from unit.evaluation.run_builder import rich_run

runner = CliRunner()
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    snap = synthetic_chain(SyntheticParams(underlying="SPY", seed=3), as_of=AS_OF)
    path = write_generic_csv(snap, tmp_path_factory.mktemp("chain") / "spy.csv")
    return path, analyze(snap).levels.to_frame()


def test_report_writes_the_page_and_the_evaluation(tmp_path: Path) -> None:
    root = rich_run(tmp_path / "run")
    result = runner.invoke(app, ["report", str(root)])
    assert result.exit_code == 0, result.output
    assert "Levels: held when tested" in result.stdout
    assert f"wrote {root / 'report.html'}" in result.stdout
    page = (root / "report.html").read_text()
    assert page.count('class="plotly-graph-div"') == 12
    doc = json.loads((root / "evaluation.json").read_text())
    assert {"levels", "signals", "ideas", "weights", "flow", "notes"} <= set(doc)
    assert (root / "evaluation_ideas.parquet").is_file()


def test_report_on_a_broken_run_names_the_problem(tmp_path: Path) -> None:
    root = rich_run(tmp_path / "run")
    (root / "signals.parquet").unlink()
    result = runner.invoke(app, ["report", str(root)])
    assert result.exit_code == 2
    assert "signals.parquet: required file is missing" in result.output


def test_export_csv_matches_the_analysis(chain_file: tuple[Path, pl.DataFrame]) -> None:
    path, levels = chain_file
    result = runner.invoke(app, ["levels", "export", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    got = pl.read_csv(result.stdout.encode())
    assert got.columns == ["kind", "timeframe", "price", "strength", "conviction"]
    assert got.height == levels.height
    assert sorted(got["price"].to_list()) == pytest.approx(sorted(levels["price"].round(2)))
    assert got["price"].to_list() == sorted(got["price"].to_list(), reverse=True)


def test_export_tradingview_and_thinkscript(
    chain_file: tuple[Path, pl.DataFrame], tmp_path: Path
) -> None:
    path, levels = chain_file
    out = tmp_path / "levels.pine"
    result = runner.invoke(
        app, ["levels", "export", str(path), "--format", "tradingview", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pine = out.read_text()
    assert pine.startswith("//@version=5\n")
    assert 'indicator("eots levels SPY 2026-11-20 16:30 UTC", overlay=true)' in pine
    assert len(re.findall(r"^hline\(", pine, re.M)) == levels.height
    result = runner.invoke(app, ["levels", "export", str(path), "-f", "thinkscript", "--top", "3"])
    assert result.exit_code == 0, result.output
    plots = re.findall(r"^plot (L\d+_\w+) = ([0-9.]+);$", result.stdout, re.M)
    assert len(plots) == 3
    assert len({name for name, _ in plots}) == 3
    top3 = levels.sort("conviction", "strength", descending=True).head(3)["price"]
    assert sorted(float(p) for _, p in plots) == pytest.approx(sorted(top3.round(2)))


def test_export_refuses_an_unknown_format_and_a_missing_file(
    chain_file: tuple[Path, pl.DataFrame], tmp_path: Path
) -> None:
    path, _ = chain_file
    bad = runner.invoke(app, ["levels", "export", str(path), "--format", "ninja"])
    assert bad.exit_code == 2
    assert "expected --format csv, tradingview or thinkscript" in bad.output
    missing = runner.invoke(app, ["levels", "export", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    assert "error:" in missing.output


LEVELS = pl.DataFrame(
    {
        "kind": ["call_wall", "zero_gamma", "put_wall"],
        "timeframe": ["intraday", "daily", "intraday"],
        "price": [5100.0, 4987.456, 4900.0],
        "strength": [0.9, 0.4, 0.7],
        "conviction": [0.75, 0.32, 0.55],
        "stars": [4, 2, 3],
    }
)


def test_formatters_golden() -> None:
    assert levels_csv(LEVELS) == (
        "kind,timeframe,price,strength,conviction\n"
        "call_wall,intraday,5100.00,0.900,0.750\n"
        "zero_gamma,daily,4987.46,0.400,0.320\n"
        "put_wall,intraday,4900.00,0.700,0.550\n"
    )
    pine = levels_pine(LEVELS, "t")
    assert (
        'hline(4987.46, "zero_gamma (daily) **", color=color.new(#6a1b9a, 0), '
        "linestyle=hline.style_dashed, linewidth=2)"
    ) in pine
    ts = levels_thinkscript(LEVELS, "t")
    assert "plot L1_call_wall = 5100.00;" in ts
    assert "L1_call_wall.SetDefaultColor(CreateColor(46, 125, 50));" in ts
    assert "L2_zero_gamma.SetStyle(Curve.SHORT_DASH);" in ts
    assert "L3_put_wall.SetLineWeight(2);" in ts
