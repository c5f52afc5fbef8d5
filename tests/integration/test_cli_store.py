"""``eots ingest`` and ``eots store``: fill a store from files, list it, verify it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()


def _write_generic(path: Path, as_of: dt.datetime, seed: int) -> None:
    snap = synthetic_chain(
        SyntheticParams(underlying="SPY", seed=seed, leaps_years=0, quarterly_years=0), as_of=as_of
    )
    write_generic_csv(snap, path)


def test_cli_ingest_then_list_then_verify(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    _write_generic(files / "a.csv", dt.datetime(2026, 11, 19, 21, 0, tzinfo=dt.UTC), 1)
    _write_generic(files / "b.csv", dt.datetime(2026, 11, 20, 21, 0, tzinfo=dt.UTC), 2)
    (files / "junk.json").write_text("{not json")
    store = tmp_path / "store"

    first = runner.invoke(app, ["ingest", str(files), "--store", str(store)])
    assert first.exit_code == 0, first.output
    assert "3 files: 2 stored, 0 duplicates, 1 refused" in first.stdout
    assert "junk.json" in first.stdout

    again = runner.invoke(app, ["ingest", str(files), "--store", str(store)])
    assert "0 stored, 2 duplicates, 1 refused" in again.stdout

    listing = runner.invoke(app, ["store", "ls", "SPY", "--store", str(store)])
    assert listing.exit_code == 0, listing.output
    assert "2026-11-19" in listing.stdout
    assert "2026-11-20" in listing.stdout

    summary = runner.invoke(app, ["store", "ls", "--store", str(store)])
    assert summary.exit_code == 0, summary.output
    assert "SPY" in summary.stdout
    assert "2026-11-19" in summary.stdout

    ok = runner.invoke(app, ["store", "verify", "--store", str(store)])
    assert ok.exit_code == 0
    victim = next(store.rglob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])
    bad = runner.invoke(app, ["store", "verify", "--store", str(store)])
    assert bad.exit_code == 1
    assert victim.name in bad.stdout


def test_cli_store_ls_empty_store_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["store", "ls", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "no snapshots in" in result.stdout


def test_cli_store_ls_unknown_underlying_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["store", "ls", "QQQ", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "no snapshots of QQQ" in result.stdout
