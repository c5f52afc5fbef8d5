"""The session-boundary rule and the sweep's scoring, on one process (no cluster)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import fsspec  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import ReplayError
from eots.engine import EngineParams
from eots.evaluation import EvaluationParams, wilson
from eots.replay import ReplaySpec, RunRecorder, replay
from eots.replay.sessions import SessionResult, merge, plan_sessions
from eots.replay.sweep import (
    SWEEP_SCHEMA,
    SweepConfig,
    period_frames,
    read_replay,
    score,
    split_sessions,
    sweep,
)
from eots.storage import SnapshotStore
from unit.engine.engine_data import sessions


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three sessions of a small SPY listing, three snapshots each (saved out of order)."""
    folder = tmp_path_factory.mktemp("store")
    s = SnapshotStore(folder)
    snaps = [x for x in sessions() if x.ts_event.hour in (14, 17, 20)]
    for x in reversed(snaps):
        s.save(x)
    return folder


def test_plan_groups_by_session_in_capture_order(store: Path) -> None:
    refs = SnapshotStore(store).list("SPY")
    plan = plan_sessions(reversed(refs))
    assert [t.session for t in plan] == sorted({r.session for r in refs})
    assert sum(len(t.refs) for t in plan) == len(refs)
    for t in plan:
        assert all(r.session == t.session for r in t.refs)
        assert list(t.refs) == sorted(t.refs, key=lambda r: (r.ts_recv, r.ts_event))


def test_one_session_under_the_rule_equals_the_continuous_fold(store: Path, tmp_path: Path) -> None:
    first = plan_sessions(SnapshotStore(store).list("SPY"))[0]
    spec = ReplaySpec(store=store, underlying="SPY", end=first.refs[-1].ts_event)
    a = replay(spec, EngineParams(), tmp_path / "a")
    b = replay(spec, EngineParams(), tmp_path / "b", session_boundaries=True)
    for stem in ("snapshots", "levels", "by_strike", "bars"):
        assert_frame_equal(a.frames[stem], b.frames[stem])
    assert (a.manifest["state_rule"], b.manifest["state_rule"]) == (
        "continuous",
        "session_boundaries",
    )


def test_later_sessions_differ_from_the_continuous_fold_only_in_level_persistence(
    store: Path, tmp_path: Path
) -> None:
    spec = ReplaySpec(store=store, underlying="SPY")
    a = replay(spec, EngineParams(), tmp_path / "a")
    b = replay(spec, EngineParams(), tmp_path / "b", session_boundaries=True)
    # the context rebuilt from the store (IV, ATR, prior sessions) gives the same snapshot rows
    # and the same levels (daily ones read prior sessions); only persistence-driven strength,
    # conviction and stars may differ
    assert_frame_equal(a.frames["snapshots"], b.frames["snapshots"])
    assert_frame_equal(a.frames["by_strike"], b.frames["by_strike"])
    keys = ["snapshot_id", "kind", "timeframe", "price"]
    assert_frame_equal(a.frames["levels"].select(keys), b.frames["levels"].select(keys))
    assert "daily" in b.frames["levels"].get_column("timeframe").to_list()
    assert a.manifest["snapshot_ids"] == b.manifest["snapshot_ids"]


def test_a_memory_url_store_replays_like_the_local_folder(store: Path, tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    name = f"/eots-sessions-{tmp_path.name}"
    fs.put(f"{store}/", name, recursive=True)
    try:
        remote = ReplaySpec(store=f"memory://{name}", underlying="SPY")
        r = replay(remote, EngineParams(), tmp_path / "mem", session_boundaries=True)
    finally:
        fs.rm(name, recursive=True)
    local = replay(
        ReplaySpec(store=store, underlying="SPY"),
        EngineParams(),
        tmp_path / "local",
        session_boundaries=True,
    )
    for stem in ("snapshots", "levels", "by_strike", "bars"):
        assert_frame_equal(r.frames[stem], local.frames[stem])
    assert r.manifest["store"] == f"memory://{name}"


def _result(day: dt.date, ids: list[str]) -> SessionResult:
    rec = RunRecorder()
    rec.ids.extend(ids)
    return SessionResult(session=day, recorder=rec, analysed=len(ids), skipped=0)


def test_merge_puts_sessions_in_order_and_refuses_lost_or_twice_returned_ones() -> None:
    d1, d2, d3 = dt.date(2024, 3, 11), dt.date(2024, 3, 12), dt.date(2024, 3, 13)
    merged = merge([_result(d3, ["c"]), _result(d1, ["a"]), _result(d2, ["b"])], [d1, d2, d3])
    assert merged.ids == ["a", "b", "c"]
    with pytest.raises(ReplayError, match="returned twice"):
        merge([_result(d1, ["a"]), _result(d1, ["a"])], [d1])
    with pytest.raises(ReplayError, match="missing"):
        merge([_result(d1, ["a"])], [d1, d2])
    with pytest.raises(ReplayError, match="recorded twice"):
        merge([_result(d1, ["a"]), _result(d2, ["a"])], [d1, d2])


def test_split_holds_out_the_last_sessions() -> None:
    days = [dt.date(2024, 3, d) for d in (11, 12, 13, 14)]
    sel, held = split_sessions(list(reversed(days)), 0.5)
    assert (sel, held) == (tuple(days[:2]), tuple(days[2:]))
    assert split_sessions(days, 0.1) == (tuple(days[:3]), (days[3],))
    assert split_sessions(days, 0.9) == ((days[0],), tuple(days[1:]))
    with pytest.raises(ValueError, match="holdout_fraction"):
        split_sessions(days, 1.0)


def test_level_edge_is_the_pooled_hold_rate_minus_the_pooled_baseline(
    store: Path, tmp_path: Path
) -> None:
    spec = ReplaySpec(store=store, underlying="SPY")
    replay(spec, EngineParams(), tmp_path / "run", session_boundaries=True)
    run = read_replay(tmp_path / "run")
    assert run.signals.height > 0  # the engine's signals are recorded per session too
    from eots.evaluation import evaluate_run

    ev = evaluate_run(run).levels
    s = score(run, "level_edge")
    k, n = int(ev["n_held"].sum()), int(ev["hold_n"].sum())
    assert n > 0
    assert s.n == n
    assert s.value == pytest.approx(k / n)
    assert (s.low, s.high) == pytest.approx((wilson(k, n).low, wilson(k, n).high))
    w = ev.filter(pl.col("baseline_n") > 0)
    pooled = float((w["baseline_rate"] * w["baseline_n"]).sum()) / float(w["baseline_n"].sum())
    assert s.baseline == pytest.approx(pooled)
    assert s.edge == pytest.approx(k / n - pooled)
    other = score(run, "level_edge", EvaluationParams(touch_atr=0.5))
    assert other.n != s.n or other.value != s.value  # the scoring params are used
    ideas = score(run, "idea_edge")  # the lifecycle carries across sessions: outcomes exist
    assert run.outcomes is not None
    assert ideas.n == run.outcomes.height > 0
    no_ideas = dataclasses.replace(run, outcomes=run.outcomes.head(0))
    empty = score(no_ideas, "idea_edge")
    assert empty.n == 0
    assert math.isnan(empty.edge)


def test_period_frames_keep_only_that_periods_decisions(store: Path, tmp_path: Path) -> None:
    spec = ReplaySpec(store=store, underlying="SPY")
    replay(spec, EngineParams(), tmp_path / "run", session_boundaries=True)
    run = read_replay(tmp_path / "run")
    days = run.snapshots.get_column("session").unique().sort().to_list()
    part = period_frames(run, days[1:])
    assert set(part.snapshots.get_column("session").to_list()) == set(days[1:])
    ids = set(part.snapshots.get_column("snapshot_id").to_list())
    assert set(part.levels.get_column("snapshot_id").to_list()) <= ids
    assert part.manifest["n_snapshots"] == len(ids) == len(part.manifest["snapshot_ids"])
    assert part.bars.height == run.bars.height
    assert run.manifest["n_snapshots"] > part.manifest["n_snapshots"]


def test_sweep_ranks_on_the_selection_period_and_reports_the_held_out_one(
    store: Path, tmp_path: Path
) -> None:
    spec = ReplaySpec(store=store, underlying="SPY")
    base = EngineParams()
    walls = EngineParams(
        analysis=base.analysis.model_copy(
            update={
                "levels": base.analysis.levels.model_copy(update={"detectors": ("walls", "gamma")})
            }
        )
    )
    configs = [SweepConfig(name="default", params=base), SweepConfig(name="walls", params=walls)]
    result = sweep(spec, configs, tmp_path / "sweep", holdout_fraction=0.2)
    t = result.table
    assert t.schema == SWEEP_SCHEMA
    assert t.height == 6
    sel = t.filter(pl.col("period") == "selection").sort("rank")
    assert sel.get_column("rank").to_list() == [1, 2]
    edges = sel.get_column("edge").to_list()
    assert edges[0] >= edges[1]
    assert result.best == sel.item(0, "config")
    p = sel.get_column("p_value").to_numpy()
    assert np.isfinite(p).all()
    assert sel.get_column("p_bonferroni").to_list() == pytest.approx([min(1.0, 2 * x) for x in p])
    held = t.filter(pl.col("period") == "held_out")
    assert held.get_column("rank").null_count() == 2
    first_held, last_selected = held["first_session"].min(), sel["last_session"].max()
    assert isinstance(first_held, dt.date), first_held
    assert isinstance(last_selected, dt.date), last_selected
    assert first_held > last_selected
    assert result.first_held_out == held.item(0, "first_session")
    assert any("held out" in n for n in result.notes)
    assert any("optimistic" in n for n in result.notes)
    doc = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert doc["best"] == result.best
    assert (tmp_path / "sweep" / "default" / "manifest.json").is_file()
    same = dataclasses.replace(configs[1], name="again")
    with pytest.raises(ReplayError, match="identical parameters"):
        sweep(spec, [*configs, same], tmp_path / "x")
    with pytest.raises(ReplayError, match="given twice"):
        sweep(spec, [configs[0], configs[0]], tmp_path / "x")


def test_sweep_cli_refuses_bad_options(store: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from eots.cli.main import app

    good = tmp_path / "a.json"
    good.write_text("{}")
    bad = tmp_path / "b.json"
    bad.write_text('{"levels": {"detectors": "nonsense"}}')
    base = ["sweep", str(good), "--store", str(store), "--out", str(tmp_path / "o")]
    runner = CliRunner()
    r = runner.invoke(app, [*base, "--metric", "sharpe"])
    assert r.exit_code != 0
    assert "level_edge" in r.output
    r = runner.invoke(app, [*base, "--holdout", "1.5"])
    assert r.exit_code != 0
    assert "holdout" in r.output
    r = runner.invoke(app, [*base, "--cluster", "local:0"])
    assert r.exit_code != 0
    assert "local:N" in r.output
    r = runner.invoke(app, ["sweep", str(good), str(bad), "--store", str(store)])
    assert r.exit_code != 0
    assert "b.json" in r.output
    assert not (tmp_path / "o").exists()
