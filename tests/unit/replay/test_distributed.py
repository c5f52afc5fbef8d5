"""A replay on a real Dask ``LocalCluster`` (worker processes) equals the local replay under the
session-boundary rule, file for file and in its evaluation, and survives a killed worker."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from distributed import Client, LocalCluster
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from eots.cli.main import app
from eots.engine import EngineParams
from eots.evaluation import evaluate_run
from eots.replay import ReplayResult, ReplaySpec, replay
from eots.replay.distributed import (
    collect_replay,
    connect,
    parse_cluster,
    replay_distributed,
    submit_replay,
)
from eots.replay.sessions import SESSION_RULE
from eots.replay.sweep import read_replay

FILES = (
    "snapshots.parquet",
    "levels.parquet",
    "by_strike.parquet",
    "bars.parquet",
    "signals.parquet",
    "weights.parquet",
    "outcomes.parquet",
    "baseline_outcomes.parquet",
)
LOGS = ("events.sqlite", "baseline_events.sqlite")


@pytest.fixture(scope="module")
def local_run(spec: ReplaySpec, tmp_path_factory: pytest.TempPathFactory) -> ReplayResult:
    out = tmp_path_factory.mktemp("local") / "run"
    return replay(spec, EngineParams(), out, session_boundaries=True)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="1GiB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _rows(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT * FROM events ORDER BY seq, idx").fetchall()


def _same_run(a: Path, b: Path) -> None:
    """Bit for bit: every Parquet frame exactly equal (floats compared exactly, NaN = NaN),
    the manifests equal and the event logs' rows identical (docs/scaling.md, "Floating point")."""
    for name in FILES:
        assert_frame_equal(pl.read_parquet(a / name), pl.read_parquet(b / name), check_exact=True)
    ma = json.loads((a / "manifest.json").read_text())
    mb = json.loads((b / "manifest.json").read_text())
    assert ma == mb
    for name in LOGS:
        assert _rows(a / name) == _rows(b / name)


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert_frame_equal(a, b, check_exact=True)


def test_distributed_run_equals_the_local_run(
    spec: ReplaySpec, local_run: ReplayResult, client: Client, tmp_path: Path
) -> None:
    order: list[dt.date] = []
    result = replay_distributed(
        spec,
        EngineParams(),
        tmp_path / "run",
        client,
        after_session=lambda r: order.append(r.session),
    )
    assert result.manifest["state_rule"] == SESSION_RULE
    assert result.analysed == local_run.analysed == 12
    assert order == sorted(set(local_run.frames["snapshots"].get_column("session").to_list()))
    _same_run(local_run.out, result.out)
    for stem, frame in local_run.frames.items():
        _same(result.frames[stem], frame)
    a, b = evaluate_run(read_replay(local_run.out)), evaluate_run(read_replay(result.out))
    assert int(a.levels.get_column("hold_n").sum()) > 0  # something was scored
    assert local_run.frames["outcomes"].height > 0  # ideas were tracked to an outcome
    for name in ("levels", "gamma_vol", "signals", "ideas"):
        _same(getattr(a, name), getattr(b, name))


def test_the_same_replay_submitted_twice_shares_its_tasks(
    spec: ReplaySpec, local_run: ReplayResult, client: Client, tmp_path: Path
) -> None:
    first = submit_replay(spec, EngineParams(), client)
    again = submit_replay(spec, EngineParams(), client)
    other = submit_replay(spec, EngineParams(limits={"prior_sessions": 10}), client)
    for f in other.futures:
        f.cancel()
    assert [f.key for f in first.futures] == [f.key for f in again.futures]
    assert len({f.key for f in first.futures}) == 3
    assert not {f.key for f in other.futures} & {f.key for f in first.futures}
    collect_replay(first, tmp_path / "a")
    collect_replay(again, tmp_path / "b")
    _same_run(local_run.out, tmp_path / "a")
    _same_run(local_run.out, tmp_path / "b")


def test_cli_replay_on_a_scheduler_address(
    spec: ReplaySpec, local_run: ReplayResult, client: Client, tmp_path: Path
) -> None:
    scheduler = client.scheduler
    assert scheduler is not None
    address = scheduler.address
    assert isinstance(address, str), address
    assert parse_cluster(address) == (None, address)
    out = tmp_path / "cli"
    args = ["replay", "--store", str(spec.store), "--prices", str(spec.prices)]
    result = CliRunner().invoke(app, [*args, "--cluster", address, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "replayed 12 snapshots" in result.output
    _same_run(local_run.out, out)
    bad = CliRunner().invoke(app, [*args, "--cluster", "local:0", "--out", str(out)])
    assert bad.exit_code != 0
    assert "local:N with N >= 1" in bad.output


def test_a_killed_worker_loses_and_duplicates_no_session(
    spec: ReplaySpec, local_run: ReplayResult, client: Client, tmp_path: Path
) -> None:
    client.wait_for_workers(2)
    pids: dict[str, int] = client.run(os.getpid)
    killed: list[tuple[int, tuple[str, ...]]] = []

    def kill_a_busy_worker(done: int, total: int, session: dt.date) -> None:
        if killed:
            return
        for address, keys in client.processing().items():
            if keys and address in pids:
                os.kill(pids[address], signal.SIGKILL)
                killed.append((pids[address], tuple(str(k) for k in keys)))
                return

    result = replay_distributed(
        spec, EngineParams(), tmp_path / "run", client, progress=kill_a_busy_worker
    )
    assert killed, "no worker was busy when the first session finished"
    pid, lost = killed[0]
    assert any("eots-session-" in k for k in lost)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    _same_run(local_run.out, result.out)
    ids = result.frames["snapshots"].get_column("snapshot_id")
    assert ids.n_unique() == ids.len() == 12
    assert result.frames["snapshots"].get_column("session").n_unique() == 3


def test_connect_refuses_a_bad_cluster_spec() -> None:
    with pytest.raises(ValueError, match="local:N"), connect("local:x"):
        pass
    with pytest.raises(ValueError, match="local:N"):
        parse_cluster("")
