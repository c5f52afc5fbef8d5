"""``eots analyze --trades``: a side-classified trade feed supplies the flows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 11:30 ET


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Path, pl.DataFrame]:
    snap = synthetic_chain(
        SyntheticParams(underlying="SPY", seed=9, leaps_years=0, quarterly_years=0), as_of=AS_OF
    )
    path = tmp_path / "chain.csv"
    write_generic_csv(snap, path)
    return path, snap.frame


def test_cli_analyze_trades_net_flow_by_strike(
    tmp_path: Path, chain: tuple[Path, pl.DataFrame]
) -> None:
    path, frame = chain
    row = frame.filter(pl.col("open_interest") > 0).row(0, named=True)
    sym = row["symbol"]
    trades = tmp_path / "trades.csv"
    trades.write_text(
        "ts,symbol,price,size,side\n"
        f"2026-11-20T10:00:00-05:00,{sym},1.00,30,buy\n"
        f"2026-11-20T10:05:00-05:00,{sym},1.00,10,sell\n"
        f"2026-11-20T12:00:00-05:00,{sym},1.00,500,buy\n"  # after as_of: never read
    )
    result = runner.invoke(app, ["analyze", str(path), "--json", "--trades", str(trades)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["metrics"]
    assert "flows from 3 trades" in data["history"]
    by_strike = {r["strike"]: r for r in data["strikes"]}
    assert by_strike[row["strike"]]["true_net_volume_flow"] == pytest.approx(20.0)


def test_cli_analyze_bad_trades_file_names_the_line(
    tmp_path: Path, chain: tuple[Path, pl.DataFrame]
) -> None:
    path, _ = chain
    trades = tmp_path / "trades.csv"
    trades.write_text("ts,symbol,price,size\n2026-11-20T10:00:00-05:00,SPY261120C00500000,-1,3\n")
    result = runner.invoke(app, ["analyze", str(path), "--trades", str(trades)])
    assert result.exit_code == 2
    assert "line 2" in result.output
    assert "price" in result.output
