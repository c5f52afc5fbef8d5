"""``eots ingest-history``: both layouts through the CLI, counts printed, bad layouts refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from eots.cli.main import app
from eots.storage import SnapshotStore

runner = CliRunner()


def _barchart_rows(expiry: str, shift: float = 0.0) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for side in ("Call", "Put"):
        for k in (4900.0 + 10 * i for i in range(21)):
            mid = (max(5000 - k, 0) if side == "Call" else max(k - 5000, 0)) + 3.0 + shift
            rows.append(
                {
                    "strikePrice": k,
                    "optionType": side,
                    "bidPrice": mid - 0.1,
                    "askPrice": mid + 0.1,
                    "lastPrice": mid,
                    "volume": 1,
                    "openInterest": 10,
                    "volatility": 0.2,
                    "delta": 0.5,
                    "gamma": 0.01,
                    "theta": -1,
                    "vega": 1,
                    "rho": 0,
                    "expirationDate": expiry,
                    "daysToExpiration": 1,
                }
            )
    return rows


def _write(path: Path, date: str, stamp: str, rows: list[dict[str, object]]) -> None:
    doc = {"date": date, "spot": 5012.0, "timestamp": stamp, "expiries": {"2026-04-07": rows}}
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))


def test_ingest_history_barchart_prints_counts_and_writes_the_report(tmp_path: Path) -> None:
    src = tmp_path / "snapshots"
    src.mkdir()
    _write(
        src / "2026-04-02.json.gz",
        "2026-04-02",
        "2026-04-02T21:45:00",
        _barchart_rows("2026-04-07"),
    )
    _write(
        src / "2026-04-03.json.gz",
        "2026-04-03",
        "2026-04-03T21:40:00",
        _barchart_rows("2026-04-07"),
    )
    _write(
        src / "2026-04-06.json.gz",
        "2026-04-06",
        "2026-04-06T21:43:00",
        _barchart_rows("2026-04-07", 0.4),
    )
    report = tmp_path / "report.csv"
    result = runner.invoke(
        app,
        [
            "ingest-history",
            str(src),
            "--layout",
            "barchart",
            "--store",
            str(tmp_path / "s"),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "barchart: 2 snapshots stored, 1 refused" in result.output
    assert "refused: stale duplicate of the previous session" in result.output
    assert "spot from put-call parity" in result.output
    assert len(SnapshotStore(tmp_path / "s").list("SPX")) == 2
    assert "stale duplicate: quotes identical to 2026-04-02.json.gz" in report.read_text()


def test_ingest_history_refuses_an_unknown_layout_and_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest-history", str(tmp_path), "--layout", "csv", "--store", "s"]
    )
    assert result.exit_code == 2
    assert "barchart or zerodte" in " ".join(result.output.split())
    result = runner.invoke(
        app, ["ingest-history", str(tmp_path / "nope"), "--layout", "zerodte", "--store", "s"]
    )
    assert result.exit_code == 2
    assert "not a folder" in " ".join(result.output.split())


def test_ingest_history_zerodte_with_no_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["ingest-history", str(tmp_path), "--layout", "zerodte", "--store", str(tmp_path / "s")],
    )
    assert result.exit_code == 2
    assert "no SPY_*.csv(.gz) recorder file" in result.output
