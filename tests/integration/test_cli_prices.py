"""``eots prices`` (import, fetch from recorded Tradier, ls) and ``analyze --prices``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from builders import write_generic_csv
from eots.cli.main import app
from eots.core.time import nyse_calendar
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded" / "tradier"


def _bars_csv(path: Path, sessions: list[dt.date], bad_line: bool = False) -> None:
    lines = ["Date,Open,High,Low,Close,Volume"]
    for i, day in enumerate(sessions):
        base = 500.0 + i
        lines.append(f"{day.isoformat()},{base},{base + 4},{base - 3},{base + 1},1000000")
    if bad_line:
        lines.append(f"{sessions[-1] + dt.timedelta(days=1)},10,9,8,11,5")  # high < close
    path.write_text("\n".join(lines) + "\n")


def _sessions_before(day: dt.date, n: int) -> list[dt.date]:
    cal = nyse_calendar()
    out = [cal.previous_session(day)]
    while len(out) < n:
        out.append(cal.previous_session(out[-1]))
    return sorted(out)


def test_cli_prices_import_refuses_bad_rows_keeps_good(tmp_path: Path) -> None:
    csv = tmp_path / "spy.csv"
    _bars_csv(csv, _sessions_before(dt.date(2026, 11, 20), 5), bad_line=True)
    result = runner.invoke(
        app, ["prices", "import", str(csv), "-u", "SPY", "--prices", str(tmp_path / "p")]
    )
    assert result.exit_code == 1, result.output  # rows were refused
    assert "5 added" in result.stdout
    assert "1 refused" in result.stdout
    assert "refused line 7" in result.stdout
    listing = runner.invoke(app, ["prices", "ls", "SPY", "--prices", str(tmp_path / "p")])
    assert "5 1d bars of SPY" in listing.stdout


def test_cli_prices_fetch_recorded_tradier(tmp_path: Path) -> None:
    args = [
        "prices",
        "fetch",
        "SPY",
        "--recorded",
        str(RECORDED),
        "--end",
        "2024-03-12",
        "--days",
        "6",
        "--prices",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "added" in result.stdout
    again = runner.invoke(app, args)
    assert "0 added" in again.stdout


def test_cli_analyze_with_prices_uses_measured_atr(tmp_path: Path) -> None:
    as_of = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    snap = synthetic_chain(
        SyntheticParams(underlying="SPY", seed=4, leaps_years=0, quarterly_years=0), as_of=as_of
    )
    chain = tmp_path / "chain.csv"
    write_generic_csv(snap, chain)
    csv = tmp_path / "bars.csv"
    _bars_csv(csv, _sessions_before(dt.date(2026, 11, 20), 40))
    prices = tmp_path / "prices"
    runner.invoke(app, ["prices", "import", str(csv), "-u", "SPY", "--prices", str(prices)])
    store = tmp_path / "store"
    result = runner.invoke(
        app, ["analyze", str(chain), "--json", "--store", str(store), "--prices", str(prices)]
    )
    assert result.exit_code == 0, result.output
    notes = [n["note"] for n in json.loads(result.stdout)["metrics"]["notes"]]
    assert not any("ATR proxy" in n for n in notes)
    plain = runner.invoke(app, ["analyze", str(chain), "--json"])
    assert any("ATR proxy" in n["note"] for n in json.loads(plain.stdout)["metrics"]["notes"])


def test_cli_analyze_prices_without_store_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", "x.csv", "--prices", str(tmp_path)])
    assert result.exit_code == 2
    assert "--prices needs --store" in result.output
