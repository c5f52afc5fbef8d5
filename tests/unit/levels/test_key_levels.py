"""``key_levels`` end to end on four synthetic sessions in a store: timeframes, persistence across
updates, reuse of prior summaries, bounds, determinism and no look-ahead."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.chain import ChainSnapshot
from eots.engine.summaries import Summaries, level_inputs
from eots.history import AsOfReader, ContextParams, market_context
from eots.levels import (
    KeyLevels,
    LevelHistory,
    LevelInputs,
    LevelKind,
    Timeframe,
    key_levels,
)
from eots.pipeline import AnalysisParams, foundation
from unit.history.context_store import ExplodingStore, fill, session_snapshots

ANALYSIS = AnalysisParams()
PARAMS = ANALYSIS.levels


def snapshot_inputs(snap: ChainSnapshot) -> LevelInputs:
    """The levels' view of a snapshot's foundation (base metrics, no history)."""
    return level_inputs(foundation(snap, ANALYSIS))


CONTEXT = ContextParams(intraday_snapshots=3)


@pytest.fixture(scope="module")
def snapshots() -> list[ChainSnapshot]:
    return session_snapshots()


def _levels(
    root: Path, snaps: list[ChainSnapshot], i: int, previous: KeyLevels | None = None
) -> KeyLevels:
    snap = snaps[i]
    as_of = snap.ts_event
    reader = AsOfReader(ExplodingStore(root, as_of), None, as_of)
    ctx = market_context(reader, snap.underlying, as_of, CONTEXT)
    known = Summaries(ANALYSIS).of_priors((*ctx.daily, *ctx.weekly), snap.underlying)
    history = LevelHistory(previous=previous, summaries=known)
    return key_levels(snapshot_inputs(snap), ctx, PARAMS, as_of, history)


def test_key_levels_all_timeframes_bounds_and_persistence(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    fill(tmp_path, snapshots)
    last = len(snapshots) - 1
    a = _levels(tmp_path, snapshots, last - 2)
    b = _levels(tmp_path, snapshots, last - 1, a)
    c = _levels(tmp_path, snapshots, last, b)
    timeframes = {lv.timeframe for lv in c.levels}
    assert {Timeframe.INTRADAY, Timeframe.DAILY, Timeframe.WEEKLY} <= timeframes
    kinds = {lv.kind for lv in c.levels}
    assert {LevelKind.CALL_WALL, LevelKind.PUT_WALL, LevelKind.ABS_GAMMA} <= kinds
    assert all(0.0 <= lv.strength <= 1.0 and 0.0 <= lv.conviction <= 1.0 for lv in c.levels)
    assert all(lv.low <= lv.price <= lv.high for lv in c.levels)
    # Three prior sessions, two ISO weeks before: daily summaries reused, not recomputed.
    assert [s.session for s in c.sessions][:3] == [dt.date(2024, 3, d) for d in (7, 8, 11)]
    assert all(x is y for x, y in zip(b.sessions, c.sessions, strict=True))
    daily_cw = c.of_kind(LevelKind.CALL_WALL, Timeframe.DAILY)
    assert len(daily_cw) == 1
    assert daily_cw[0].value("session_age_days") == 1.0
    # Persistence: daily levels do not move within a session, so they persisted 3 updates, and
    # they were first seen in the prior sessions' data, before this session's first update.
    assert all(
        lv.updates == 3 and lv.first_seen < a.as_of
        for lv in c.levels
        if lv.timeframe is Timeframe.DAILY
    )
    assert daily_cw[0].first_seen == c.sessions[2].ts_event  # the latest prior session
    assert c.positioning.get_column("d_net_gex_update").is_not_nan().all()
    frame = c.to_frame()
    assert frame.height == len(c.levels)
    assert frame.get_column("high_conviction").sum() == len(c.high_conviction)


def test_key_levels_deterministic_and_blind_to_later_snapshots(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    i = 20
    full = tmp_path / "full"
    part = tmp_path / "part"
    fill(full, snapshots)
    fill(part, snapshots, until=snapshots[i].ts_event)
    one = _levels(full, snapshots, i).to_frame()
    two = _levels(full, snapshots, i).to_frame()
    cut = _levels(part, snapshots, i).to_frame()
    assert_frame_equal(one, two, check_exact=True)
    assert_frame_equal(one, cut, check_exact=True)


def test_key_levels_without_context_uses_fallbacks(snapshots: list[ChainSnapshot]) -> None:
    snap = snapshots[-1]
    out = key_levels(snapshot_inputs(snap), None, PARAMS, snap.ts_event)
    assert {lv.timeframe for lv in out.levels} <= {Timeframe.INTRADAY, Timeframe.MULTI}
    assert any(n.startswith("atr: iv-implied") for n in out.notes)
    assert out.conviction_threshold == PARAMS.conviction_framework.minimum_conviction_score
    weights = dict(out.metric_weights)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert len(set(weights.values())) == 1  # the neutral prior: equal weights
    no_metrics = dataclasses.replace(snapshot_inputs(snap), strike_metrics=None)
    bare = key_levels(no_metrics, None, PARAMS, snap.ts_event)
    assert not bare.of_kind(LevelKind.SUPPORT)
    assert not bare.of_kind(LevelKind.RESISTANCE)
    assert isinstance(bare.to_frame(), pl.DataFrame)


def test_a_prior_without_a_summary_is_left_out_and_named(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    fill(tmp_path, snapshots)
    snap = snapshots[-1]
    as_of = snap.ts_event
    ctx = market_context(AsOfReader(ExplodingStore(tmp_path, as_of), None, as_of), "SPX", as_of)
    known = Summaries(ANALYSIS).of_priors(ctx.daily, snap.underlying)
    assert len(known) >= 2
    dropped = known[-1]
    out = key_levels(snapshot_inputs(snap), ctx, PARAMS, as_of, LevelHistory(summaries=known[:-1]))
    assert dropped.content_hash not in {s.content_hash for s in out.sessions}
    assert any(n.startswith("daily: no summary") and dropped.content_hash in n for n in out.notes)
    full = key_levels(snapshot_inputs(snap), ctx, PARAMS, as_of, LevelHistory(summaries=known))
    assert not any("no summary" in n for n in full.notes)
