"""Commands a user can trust: exit codes, messages, round trips, help text, piped output."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import write_generic_csv
from eots import __version__
from eots.cli.main import app
from eots.config import load_config
from eots.core.clock import FixedClock
from eots.core.time import nyse_calendar
from eots.synthetic import SyntheticParams, synthetic_chain

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "fixtures" / "recorded" / "cboe"
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def _chain(tmp_path: Path, underlying: str = "SPY") -> Path:
    snap = synthetic_chain(
        SyntheticParams(underlying=underlying, seed=4, leaps_years=0, quarterly_years=0),
        as_of=AS_OF,
    )
    return write_generic_csv(snap, tmp_path / "chain.csv")


# -- config -------------------------------------------------------------------------------------


def test_config_show_output_loads_back_with_config(tmp_path: Path) -> None:
    edited = tmp_path / "mine.json"
    edited.write_text(
        json.dumps(
            {
                "pricing": {"rate": 0.031},
                "sources": {"cboe": {"base_url": "http://127.0.0.1:9/x/", "deadline_s": 7}},
                "collect": {"every_s": 30},
            }
        )
    )
    shown = runner.invoke(app, ["config", "show", "--config", str(edited)])
    assert shown.exit_code == 0, shown.output
    saved = tmp_path / "c.json"
    saved.write_text(shown.stdout)
    document = json.loads(shown.stdout)
    assert document["fingerprint"]
    assert document["sources"]["cboe"]["deadline_s"] == 7

    again = runner.invoke(app, ["config", "show", "--config", str(saved)])
    assert again.exit_code == 0, again.output
    assert again.stdout == shown.stdout  # a fixed point: show -> load -> show

    loaded = load_config(saved)
    assert loaded == load_config(edited)
    assert loaded.collect.every_s == 30
    assert loaded.sources.cboe.policy().deadline_s == 7

    analyzed = runner.invoke(app, ["analyze", str(_chain(tmp_path)), "--config", str(saved)])
    assert analyzed.exit_code == 0, analyzed.output


@pytest.mark.parametrize(
    ("section", "text"),
    [
        ({"sources": {"cboe": {"base_url": "ftp://x/"}}}, "sources.cboe.base_url"),
        ({"sources": {"cboe": {"base_url": "http://x/", "deadline_s": 0}}}, "deadline_s"),
        ({"sources": {"yahoo": {}}}, "sources.yahoo"),
        ({"collect": {"every_s": 0.1}}, "collect.every_s"),
        ({"collect": {"source": "yahoo"}}, "collect.source"),
    ],
)
def test_config_bad_sources_or_collect_section_is_refused_by_name(
    tmp_path: Path, section: dict[str, object], text: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(section))
    result = runner.invoke(app, ["config", "show", "--config", str(path)])
    assert result.exit_code == 2
    assert text in result.output


def test_sources_and_collect_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("{}")
    b.write_text(json.dumps({"collect": {"every_s": 5}}))
    assert load_config(a).analysis.fingerprint() == load_config(b).analysis.fingerprint()


# -- version, help, piped output ---------------------------------------------------------------


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"eots {__version__}"


def test_analyze_help_shows_the_defaults() -> None:
    result = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())  # rich's box, lines rejoined
    for default in ("classic", "0.15", "quote", "all"):
        assert f"[default: {default}, or the config's]" in text, default


def test_piped_output_is_not_wrapped_at_80_columns(tmp_path: Path) -> None:
    chain = _chain(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(ROOT / "src")
    result = subprocess.run(
        [sys.executable, "-m", "eots", "analyze", str(chain)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_out_pointing_at_a_file_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("x")
    result = runner.invoke(app, ["analyze", str(_chain(tmp_path)), "--out", str(target)])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert f"--out {target} is a file: give a folder" in text
    assert "Errno" not in text


def test_as_of_far_after_the_capture_time_warns(tmp_path: Path) -> None:
    chain = _chain(tmp_path)
    later = runner.invoke(app, ["analyze", str(chain), "--as-of", "2026-12-30T11:00"])
    assert later.exit_code == 0, later.output
    assert "warning: --as-of 2026-12-30 16:00 UTC is 39 days after" in later.stderr
    near = runner.invoke(app, ["analyze", str(chain), "--as-of", "2026-11-20T12:00"])
    assert near.exit_code == 0, near.output
    assert "warning" not in near.stderr


# -- --prices: ATR and realised vol with their source ---------------------------------------------


def _bars_csv(path: Path, n: int) -> None:
    cal = nyse_calendar()
    days = [cal.previous_session(dt.date(2026, 11, 20))]
    while len(days) < n:
        days.append(cal.previous_session(days[-1]))
    lines = ["Date,Open,High,Low,Close,Volume"]
    for i, day in enumerate(sorted(days)):
        base = 500.0 + i  # true range: max(7, |H - C_prev| = 4, |L - C_prev| = 3) = 7
        lines.append(f"{day.isoformat()},{base},{base + 4},{base - 3},{base + 1},1000000")
    path.write_text("\n".join(lines) + "\n")


def test_analyze_with_prices_reports_atr_and_realised_vol_with_their_source(
    tmp_path: Path,
) -> None:
    chain = _chain(tmp_path)
    csv, prices, store = tmp_path / "bars.csv", tmp_path / "prices", tmp_path / "store"
    _bars_csv(csv, 40)
    assert runner.invoke(app, ["prices", "import", str(csv), "-u", "SPY", "--prices", str(prices)])
    args = ["analyze", str(chain), "--store", str(store), "--prices", str(prices)]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    atr = data["market_context"]["atr"]
    assert atr["value"] == pytest.approx(7.0)  # Wilder ATR of a constant 7-point true range
    assert atr["source"] == "bars_1d"
    assert atr["sufficient"]
    rv = [k for k in data["market_context"] if k.startswith("realized_vol_")]
    assert rv
    text = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert "ATR 7.00 $ (bars_1d" in text.stdout
    assert "realised vol" in text.stdout
    without = json.loads(runner.invoke(app, ["analyze", str(chain), "--json"]).stdout)
    assert "market_context" not in without


# -- store and ingest messages ---------------------------------------------------------------------


def test_ingest_skips_manifests_prints_each_refusal_once_without_bogus_advice(
    tmp_path: Path,
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    chain = _chain(files)
    (files / "manifest.json").write_text('{"files": []}')
    (files / "index.json").write_text("{}")
    undated = files / "undated.csv"
    lines = chain.read_text().splitlines()
    header = lines[0].split(",")
    keep = [i for i, h in enumerate(header) if h != "ts_event"]
    undated.write_text(
        "\n".join(",".join(row.split(",")[i] for i in keep) for row in lines[:50]) + "\n"
    )
    result = runner.invoke(app, ["ingest", str(files), "--store", str(tmp_path / "s")])
    assert "manifest.json" not in result.stdout
    assert "index.json" not in result.stdout
    for line in result.stdout.splitlines():
        assert line.count(str(files)) <= 1, line
    assert "pass --as-of" not in result.stdout
    assert "pass as_of" not in result.stdout
    assert "1 stored, 0 duplicates, 1 refused" in result.stdout
    assert f"refused {undated}: " in result.stdout
    assert "analyze it with eots analyze FILE --as-of TIME (ingest cannot date it)" in result.stdout
    assert result.exit_code == 0  # not every file was refused


def test_ingest_of_a_missing_path_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


# -- recordings ---------------------------------------------------------------------------------


def _recording(tmp_path: Path, index: str, files: dict[str, bytes] | None = None) -> Path:
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "index.json").write_text(index)
    for name, body in (files or {}).items():
        (folder / name).write_bytes(body)
    return folder


@pytest.mark.parametrize(
    ("index", "text"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object of request keys"),
        ('{"GET /x": {"file": 3}}', "field 'GET /x'"),
        ('{"GET /x": {"file": "gone.json"}}', "'gone.json' is missing"),
        ('{"GET /x": {"file": "../secret.json"}}', "outside the recording folder"),
        ('{"GET /x": {"file": "/etc/hostname"}}', "outside the recording folder"),
    ],
)
def test_collect_recorded_bad_recording_is_a_clear_error(
    tmp_path: Path, index: str, text: str
) -> None:
    (tmp_path / "secret.json").write_text("{}")
    folder = _recording(tmp_path, index)
    result = runner.invoke(
        app, ["collect", "SPX", "--recorded", str(folder), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2, result.output
    assert text in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_collect_recorded_ignores_the_market_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saturday = dt.datetime(2024, 3, 16, 3, 0, tzinfo=dt.UTC)  # a weekend night
    monkeypatch.setattr("eots.core.clock.LiveClock", lambda: FixedClock(saturday))
    result = runner.invoke(
        app,
        [
            "collect",
            "SPX",
            "--recorded",
            str(RECORDED),
            "--max-polls",
            "1",
            "--store",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "waiting" not in result.stdout
    assert "1 saved" in result.stdout
    assert "calendar ignored" in result.stdout


def test_collect_record_and_recorded_together_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["collect", "SPX", "--recorded", str(RECORDED), "--record", str(tmp_path / "r")],
    )
    assert result.exit_code == 2
    assert "give one of them" in result.stderr


# -- levels evaluate: progress, n, intervals, baseline ---------------------------------------------


def test_levels_evaluate_shows_progress_n_intervals_and_baseline(tmp_path: Path) -> None:
    from eots.storage import SnapshotStore

    cal = nyse_calendar()
    day = dt.date(2026, 11, 2)
    store = SnapshotStore(tmp_path)
    params = SyntheticParams(underlying="SPY", leaps_years=0, quarterly_years=0, monthly_months=2)
    for i in range(4):
        bounds = cal.session_bounds(day)
        assert bounds is not None
        store.save(
            synthetic_chain(
                params.model_copy(update={"seed": i, "spot": 500.0 + 3 * i}),
                as_of=bounds[1] - dt.timedelta(minutes=5),
            )
        )
        day = cal.next_session(day)
    args = ["levels", "evaluate", "SPY", "--store", str(tmp_path)]
    text = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert text.exit_code == 0, text.output
    assert "levels evaluate: 0/5 levels of 2026-11-02" in text.stderr
    assert "levels evaluate: 4/5 daily bars and statistics" in text.stderr
    assert "held [95% CI]" in text.stdout
    assert "base" in text.stdout
    assert "rest on fewer than 20 sessions" in text.stdout
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    point = [r for r in data["table"] if r["test"] != "regime" and r["n_sessions"] > 0]
    assert point
    for row in point:
        assert row["held_ci_low"] <= row["held_rate"] <= row["held_ci_high"]
        assert "baseline_held_rate" in row
        assert "n_baseline" in row
