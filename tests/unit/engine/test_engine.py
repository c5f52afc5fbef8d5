"""The engine's fold: the same history as the store-based path, age limits, order, no look-ahead."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.chain import ChainSnapshot
from eots.core.errors import ReplayError
from eots.engine import (
    Components,
    EngineParams,
    HistoryLimits,
    HistoryState,
    Skipped,
    Step,
    fold,
    run,
    snapshot_ref,
    step,
    warm_state,
)
from eots.engine.reader import StateReader
from eots.history import AsOfReader, market_context
from eots.pipeline import AnalysisParams, Foundation, History, analyze
from eots.storage import SnapshotStore
from unit.engine.engine_data import sessions

#: The history machinery alone (no signals, ideas or learning): what the store-built path computes.
BARE = EngineParams(components=Components(signals=False, ideas=False, tracking=False))


def _stream(snaps):
    return ((snapshot_ref(s), s) for s in snaps)


def _steps(snaps, params=None):
    return [s for s in run(_stream(snaps), params or EngineParams()) if isinstance(s, Step)]


def test_fold_metrics_equal_the_store_built_context(tmp_path: Path) -> None:
    snaps = sessions()
    steps = _steps(snaps, BARE)
    store = SnapshotStore(tmp_path)
    for s in snaps:
        store.save(s)
    last = snaps[-1]
    ctx = market_context(AsOfReader(store, None, last.ts_event), last.underlying, last.ts_event)
    expected = analyze(last, history=History.from_context(ctx))
    got = steps[-1].analysis
    assert_frame_equal(got.metrics.strikes, expected.metrics.strikes)
    assert_frame_equal(got.adaptive.strikes, expected.adaptive.strikes)
    assert got.totals == expected.totals
    assert got.history.context is not None
    assert ctx.flow_coverage.n_obs > 0
    assert got.history.context.flow_coverage == ctx.flow_coverage
    assert_frame_equal(got.history.context.flows_by_contract, ctx.flows_by_contract)


def test_warm_state_from_store_gives_the_fold_result(tmp_path: Path) -> None:
    snaps = sessions()
    steps = _steps(snaps, BARE)
    store = SnapshotStore(tmp_path)
    for s in snaps:
        store.save(s)
    ref = store.list(snaps[-1].underlying)[-1]
    warm = warm_state(store, snaps[-1].underlying, ref.ts_event, BARE)
    warm = dataclasses.replace(warm, previous_levels=steps[-2].analysis.levels)
    result, _ = step(ref, store.load(ref), warm, BARE)
    assert_frame_equal(result.analysis.metrics.strikes, steps[-1].analysis.metrics.strikes)
    assert result.analysis.levels.to_frame().equals(steps[-1].analysis.levels.to_frame())


def test_previous_update_from_an_old_session_is_not_current() -> None:
    snaps = sessions()
    day1 = [s for s in snaps if s.ts_event.date() == dt.date(2024, 3, 11)]
    day3 = [s for s in snaps if s.ts_event.date() == dt.date(2024, 3, 13)]
    strict = EngineParams(limits=HistoryLimits(previous_update_sessions=0))
    items = list(fold(_stream([day1[-1], day3[0]]), strict))
    last = items[-1][0]
    assert isinstance(last, Step)
    assert last.analysis.history.previous_levels is None
    assert any("older than 0 session" in n for n in last.notes)
    same = list(fold(_stream(day3[:2]), strict))[-1][0]
    assert isinstance(same, Step)
    assert same.analysis.history.previous_levels is not None
    assert all(lv.updates >= 1 for lv in same.analysis.levels.levels)
    assert max(lv.updates for lv in same.analysis.levels.levels) == 2


def test_session_roll_keeps_each_prior_sessions_last_snapshot_before_the_close() -> None:
    snaps = sessions()
    state = HistoryState()
    for item, state in fold(_stream(snaps), EngineParams()):  # noqa: B007
        assert isinstance(item, Step)
    eod = [h.ref.ts_event for h in state.end_of_day]
    days = (dt.date(2024, 3, 11), dt.date(2024, 3, 12))
    closes = [max(s.ts_event for s in snaps if s.ts_event.date() == d) for d in days]
    assert eod == closes
    assert all(h.ref.session == dt.date(2024, 3, 13) for h in state.current)


def test_intraday_window_keeps_only_the_latest_snapshots_whole() -> None:
    snaps = [s for s in sessions(every_minutes=30) if s.ts_event.date() == dt.date(2024, 3, 11)]
    params = EngineParams(
        history=EngineParams().history.model_copy(update={"intraday_snapshots": 3})
    )
    state = HistoryState()
    for _item, state in fold(_stream(snaps), params):  # noqa: B007
        pass
    whole = [h for h in state.current if h.snapshot is not None]
    assert len(state.current) == len(snaps)
    assert [h.ref.ts_event for h in whole] == [s.ts_event for s in snaps[-3:]]
    held = {h.ref.content_hash for h in state.held() if h.snapshot is not None}
    assert set(state.cache.priced) <= {h.ref.content_hash for h in state.held()}
    assert len(held) == 3
    # derived work is kept for the window only: a long session does not grow the cache
    window = {h.ref.content_hash for h in whole}
    assert set(state.cache.observed) == window
    assert set(state.cache.charm) == window
    assert len(state.cache.flows) == 2
    assert {k[1] for k in state.cache.flows} <= window
    assert state.cache.session_flows is not None
    assert set(state.cache.session_flows.aligned) == set(state.cache.flows)


def test_fold_skips_a_repeated_quote_time_and_step_refuses_an_earlier_one() -> None:
    snaps = sessions()[:3]
    items = [i for i, _ in fold(_stream([snaps[0], snaps[1], snaps[1]]), EngineParams())]
    assert isinstance(items[2], Skipped)
    assert "same quote time" in items[2].reason
    _, state = step(snapshot_ref(snaps[1]), snaps[1], HistoryState(), EngineParams())
    with pytest.raises(ReplayError, match="time order"):
        step(snapshot_ref(snaps[0]), snaps[0], state, EngineParams())


def test_fold_refuses_a_second_underlying() -> None:
    from eots.synthetic import SyntheticParams, synthetic_chain

    spy = sessions()[0]
    spx = synthetic_chain(
        SyntheticParams(underlying="SPX", leaps_years=0, quarterly_years=0),
        as_of=spy.ts_event + dt.timedelta(minutes=5),
    )
    _, state = step(snapshot_ref(spy), spy, HistoryState(), EngineParams())
    with pytest.raises(ReplayError, match="expected SPY snapshots"):
        step(snapshot_ref(spx), spx, state, EngineParams())


def test_state_reader_refuses_look_ahead() -> None:
    snaps = sessions()[:2]
    state = HistoryState()
    for _i, state in fold(_stream(snaps), EngineParams()):  # noqa: B007
        pass
    early = StateReader(state, None, snaps[0].ts_event)
    assert [r.ts_event for r in early.snapshot_refs(snaps[0].underlying)] == [snaps[0].ts_event]
    late_ref = state.current[-1].ref
    with pytest.raises(ReplayError, match="look-ahead"):
        early.load(late_ref)
    with pytest.raises(ReplayError, match="look-ahead"):
        early.spot_series(snaps[0].underlying, end=snaps[1].ts_event)
    assert early.spot_series(snaps[0].underlying).height == 1


def test_fold_is_deterministic() -> None:
    snaps = sessions()[:4]
    a = [s.analysis.levels.to_frame() for s in _steps(snaps)]
    b = [s.analysis.levels.to_frame() for s in _steps(snaps)]
    assert all(x.equals(y) for x, y in zip(a, b, strict=True))
    assert isinstance(a[0], pl.DataFrame)


def test_conviction_alignment_uses_e_sdag_and_the_levels_can_use_the_enhanced_mspi() -> None:
    from eots.levels import LevelKind
    from eots.levels.params import LevelParams, MspiSource
    from eots.pipeline import AnalysisParams

    snap = sessions()[3]
    a = analyze(snap)
    assert "e_sdag_composite" in dict(a.levels.metric_weights)
    assert "mspi_enhanced" in a.strike_metrics.columns
    enhanced = AnalysisParams(levels=LevelParams(mspi_source=MspiSource.ENHANCED))
    b = analyze(snap, enhanced)
    sr = [
        lv
        for lv in b.levels.levels
        if lv.kind in (LevelKind.SUPPORT, LevelKind.RESISTANCE) and lv.value("mspi") is not None
    ]
    table = dict(b.strike_metrics.select("strike", "mspi_enhanced").iter_rows())
    assert sr
    assert all(lv.value("mspi") == pytest.approx(table[lv.price]) for lv in sr)


def test_prior_sessions_are_reduced_from_their_foundation_not_priced_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from eots.pipeline import foundation

    snaps = sessions()
    state = HistoryState()
    calls: list[str] = []
    real = foundation

    def counting(snapshot: ChainSnapshot, params: AnalysisParams) -> Foundation:
        calls.append(snapshot.source)
        return real(snapshot, params)

    monkeypatch.setattr("eots.engine.summaries.foundation", counting)
    for _item, state in fold(_stream(snaps), EngineParams()):  # noqa: B007
        pass
    assert calls == []
    assert [s.content_hash for s in state.summaries] == [
        h.ref.content_hash for h in state.end_of_day
    ]
