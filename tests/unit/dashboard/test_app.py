"""The app's poll and render steps without a browser: messages, never traces."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from dashboard_store import PARAMS, fill_store, session_snapshots
from eots.core.clock import FixedClock
from eots.dashboard.app import _poll, _render
from eots.dashboard.jobs import AnalysisJobs
from eots.dashboard.params import DashboardParams
from eots.synthetic import synthetic_chain

CLOCK = FixedClock(dt.datetime(2024, 3, 13, 16, tzinfo=dt.UTC))


def _text(node: Any) -> str:
    if isinstance(node, list | tuple):
        return " ".join(_text(n) for n in node)
    if isinstance(node, str):
        return node
    return _text(getattr(node, "children", None) or [])


def _render_text(params: DashboardParams, state: dict[str, Any], view: str = "main") -> str:
    jobs = AnalysisJobs(params.store)
    try:
        children, _key = _render(params, jobs, CLOCK, view, 0, "all", 5.0, state, None)
    finally:
        jobs.shutdown()
    return _text(children)


def test_poll_empty_store_says_so_on_the_page(tmp_path: Path) -> None:
    params = DashboardParams(store=tmp_path / "nothing")
    state = _poll(params, AnalysisJobs(params.store), None, None, "all")
    assert state["entries"] == []
    assert "holds no snapshots yet" in state["message"]
    assert "holds no snapshots yet" in _render_text(params, state)


def test_poll_underlying_without_snapshots_says_so(tmp_path: Path) -> None:
    (tmp_path / "underlying=QQQ").mkdir()
    params = DashboardParams(store=tmp_path)
    state = _poll(params, AnalysisJobs(tmp_path), None, None, "all")
    assert state["underlyings"] == ["QQQ"]
    assert state["message"] == f"No snapshots of QQQ in {tmp_path}."
    assert "No snapshots of QQQ" in _render_text(params, state)


def test_poll_prefers_the_configured_underlying_then_follows_the_choice(tmp_path: Path) -> None:
    spx = session_snapshots()[:2]
    spy = synthetic_chain(
        PARAMS.model_copy(update={"underlying": "SPY", "spot": 500.0}), as_of=spx[0].ts_event
    )
    fill_store(tmp_path, [*spx, spy])
    jobs = AnalysisJobs(tmp_path)
    try:
        state = _poll(DashboardParams(store=tmp_path, underlying="SPY"), jobs, None, None, "all")
        assert (state["underlying"], len(state["entries"])) == ("SPY", 1)
        chosen = _poll(DashboardParams(store=tmp_path), jobs, "SPX", "latest", "all")
        assert (chosen["underlying"], len(chosen["entries"])) == ("SPX", 2)
        assert chosen["sessions"] == ["2024-03-13"]
        unknown = _poll(DashboardParams(store=tmp_path), jobs, "NOPE", "1999-01-04", "all")
        assert unknown["underlying"] == "SPX"  # the first held; an unknown session -> latest
    finally:
        jobs.shutdown()


def test_render_corrupt_snapshot_is_a_sentence_naming_the_file(tmp_path: Path) -> None:
    store = fill_store(tmp_path, session_snapshots()[:1])
    ref = store.list("SPX")[0]
    ref.path.write_bytes(b"broken")
    params = DashboardParams(store=tmp_path)
    state = _poll(params, AnalysisJobs(tmp_path), None, None, "all")
    jobs = AnalysisJobs(tmp_path)
    try:
        jobs.wait(state["entries"][0][0], "all", 60.0)
        children, key = _render(params, jobs, CLOCK, "main", 0, "all", 5.0, state, None)
    finally:
        jobs.shutdown()
    text = _text(children)
    assert "cannot analyse this snapshot: SchemaError" in text
    assert ref.path.name in text
    assert "Traceback" not in text
    assert json.loads(key)[-1] == "pending"  # failed views keep asking (cheap: the job is kept)


def test_render_same_key_returns_nothing_to_redraw(tmp_path: Path) -> None:
    fill_store(tmp_path, session_snapshots()[:1])
    params = DashboardParams(store=tmp_path)
    jobs = AnalysisJobs(tmp_path)
    try:
        state = _poll(params, jobs, None, None, "all")
        jobs.wait(state["entries"][0][0], "all", 60.0)
        children, key = _render(params, jobs, CLOCK, "main", 0, "all", 5.0, state, None)
        assert children is not None
        # The 09:30 ET snapshot seen at 12:00 ET: every panel says its age, and STALE.
        assert "2h 30m old · STALE (no update for more than 10m 00s)" in _text(children)
        again, same = _render(params, jobs, CLOCK, "main", 0, "all", 5.0, state, key)
        assert again is None
        assert same == key
        other, _ = _render(params, jobs, CLOCK, "flow", 0, "all", 5.0, state, key)
        assert other is not None
    finally:
        jobs.shutdown()


@pytest.mark.parametrize("view", ["main", "performance"])
def test_views_without_a_run_say_how_to_get_one(tmp_path: Path, view: str) -> None:
    fill_store(tmp_path, session_snapshots()[:1])
    params = DashboardParams(store=tmp_path)
    jobs = AnalysisJobs(tmp_path)
    try:
        state = _poll(params, jobs, None, None, "all")
        jobs.wait(state["entries"][0][0], "all", 60.0)
        children, _ = _render(params, jobs, CLOCK, view, 0, "all", 5.0, state, None)
    finally:
        jobs.shutdown()
    assert "no signals/ideas yet (run eots replay" in _text(children)
