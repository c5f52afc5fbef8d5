"""Unattended operation with real processes: signals stop ``collect``, a killed writer is repaired,
concurrent writers count honestly, a mistyped ``EOTS_REAL_DATA`` fails the run."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eots.cli.main import app
from eots.storage import SnapshotStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals need a POSIX system")

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "fixtures" / "recorded" / "cboe"
runner = CliRunner()


def _env() -> dict[str, str]:
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else src}


def _start_collect(store: Path, *, ignore_sigint: bool) -> subprocess.Popen[str]:
    def ignore() -> None:  # what a shell does to a background job of a script
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [
            *(sys.executable, "-m", "eots", "collect", "SPX", "--recorded", str(RECORDED)),
            *("--every", "1", "--store", str(store)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_env(), "COLUMNS": "200"},
        preexec_fn=ignore if ignore_sigint else None,
    )


@pytest.mark.parametrize(
    ("signum", "ignore_sigint"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
    ids=["sigterm", "sigint", "sigint-in-background"],
)
def test_signal_stops_a_real_collect_cleanly_with_the_summary(
    tmp_path: Path, signum: signal.Signals, ignore_sigint: bool
) -> None:
    proc = _start_collect(tmp_path / "store", ignore_sigint=ignore_sigint)
    assert proc.stdout is not None
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the first round to be stored
            line = proc.stdout.readline()
            lines.append(line)
            if " saved SPX" in line or not line:
                break
        assert any(" saved SPX" in x for x in lines), "".join(lines)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert f"{signum.name}: stopping" in out
    assert "stopped (stop_event) after" in out
    assert "1 saved" in out
    assert "Traceback" not in err
    assert len(SnapshotStore(tmp_path / "store").list("SPX")) == 1


WRITER = textwrap.dedent(
    """
    import dataclasses, datetime as dt, sys
    from pathlib import Path
    from eots.storage import SnapshotStore
    from eots.synthetic import SyntheticParams, synthetic_chain

    store = SnapshotStore(Path(sys.argv[1]))
    start = dt.datetime(2024, 3, 13, 14, 0, tzinfo=dt.UTC)
    snap = synthetic_chain(SyntheticParams(), as_of=start)
    print("ready", flush=True)
    for i in range(10_000):
        ts = start + dt.timedelta(seconds=i)
        store.save(dataclasses.replace(snap, ts_event=ts, ts_recv=ts))
    """
)


def _temps(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(".*.tmp")) if root.exists() else []


def test_killed_writer_then_store_repair_cli(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    root = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root)], stdout=subprocess.PIPE, text=True, env=_env()
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while not _temps(root) and time.monotonic() < deadline:
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    temps = _temps(root)
    assert temps, "expected the kill to land inside a write"

    before = runner.invoke(app, ["store", "verify", "--store", str(root)])
    assert before.exit_code == 1
    assert "eots store repair" in before.stdout

    repaired = runner.invoke(app, ["store", "repair", "--store", str(root)])
    assert repaired.exit_code == 0, repaired.output
    for t in temps:
        assert f"removed {t}" in repaired.stdout
    assert f"{len(temps)} temp files removed, 0 in use" in repaired.stdout
    assert _temps(root) == []

    after = runner.invoke(app, ["store", "verify", "--store", str(root)])
    assert after.exit_code == 0, after.output
    assert "every snapshot verified" in after.stdout


def test_verify_repair_flag_and_a_live_writers_temp_file_is_kept(tmp_path: Path) -> None:
    from eots.synthetic import SyntheticParams, synthetic_chain

    store = SnapshotStore(tmp_path)
    import datetime as dt

    snap = synthetic_chain(SyntheticParams(), as_of=dt.datetime(2024, 3, 13, 15, tzinfo=dt.UTC))
    path = store.save(snap).path
    dead = path.parent / f".{path.name}.99999999.0badf00d.tmp"  # above any pid_max
    live = path.parent / f".{path.name}.{os.getpid()}.0badf00d.tmp"
    dead.write_bytes(b"partial")
    live.write_bytes(b"in flight")

    result = runner.invoke(app, ["store", "verify", "--repair", "--store", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert f"removed {dead}" in result.stdout
    assert f"kept {live}" in result.stdout
    assert not dead.exists()
    assert live.exists()


def test_a_save_removes_temp_files_of_dead_writers_in_its_folder(tmp_path: Path) -> None:
    import datetime as dt

    from eots.synthetic import SyntheticParams, synthetic_chain

    store = SnapshotStore(tmp_path)
    t0 = dt.datetime(2024, 3, 13, 15, tzinfo=dt.UTC)
    snap = synthetic_chain(SyntheticParams(), as_of=t0)
    folder = store.save(snap).path.parent
    dead = folder / ".x.parquet.99999999.0badf00d.tmp"
    live = folder / f".x.parquet.{os.getpid()}.0badf00d.tmp"
    dead.write_bytes(b"partial")
    live.write_bytes(b"in flight")

    later = t0 + dt.timedelta(minutes=5)
    store.save(dataclasses.replace(snap, ts_event=later, ts_recv=later))

    assert not dead.exists()
    assert live.exists()


def test_verify_of_a_missing_store_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["store", "verify", "--store", str(tmp_path / "typo")])
    assert result.exit_code == 2
    assert "no store at" in result.stderr
    assert "verified" not in result.stdout
    repair = runner.invoke(app, ["store", "repair", "--store", str(tmp_path / "typo")])
    assert repair.exit_code == 2


SAVER = textwrap.dedent(
    """
    import dataclasses, datetime as dt, sys, time
    from pathlib import Path
    from eots.storage import SnapshotStore
    from eots.synthetic import SyntheticParams, synthetic_chain

    store = SnapshotStore(Path(sys.argv[1]))
    go = Path(sys.argv[2])
    start = dt.datetime(2024, 3, 13, 14, 0, tzinfo=dt.UTC)
    snap = synthetic_chain(SyntheticParams(), as_of=start)
    snaps = [dataclasses.replace(snap, ts_event=start + dt.timedelta(minutes=i),
                                 ts_recv=start + dt.timedelta(minutes=i)) for i in range(12)]
    while not go.exists():
        time.sleep(0.001)
    stored = sum(not store.save(s).duplicate for s in snaps)
    print(stored, flush=True)
    """
)


def test_two_concurrent_writers_never_both_store_the_same_snapshot(tmp_path: Path) -> None:
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    root, go = tmp_path / "store", tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(root), str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(2)
    ]
    time.sleep(3.0)  # both import and build their snapshots, then wait for "go"
    go.touch()
    counts = [int(p.communicate(timeout=120)[0].strip()) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(counts) == 12, counts  # each snapshot reported stored exactly once
    assert len(SnapshotStore(root).list("SPX")) == 12


def test_a_set_but_missing_real_data_folder_fails_the_test_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:dash", "--co", "-q"),
            str(ROOT / "tests" / "test_architecture.py"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_env(), "EOTS_REAL_DATA": str(tmp_path / "not-there")},
        check=False,
        timeout=300,
    )
    assert result.returncode != 0
    assert "is set but is not a folder" in result.stdout + result.stderr
