"""The foundation memo beside the store: reused, keyed by content and parameters, never trusted."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from polars.testing import assert_frame_equal

from eots.engine import EngineParams, warm_state
from eots.engine.summaries import Summaries, summary_fingerprint
from eots.exposures import ExposureParams
from eots.greeks.params import PricingParams
from eots.levels import LevelParams
from eots.levels.model import SessionSummary
from eots.pipeline import AnalysisParams
from eots.storage import FoundationMemo, SnapshotRef, SnapshotStore
from unit.engine.engine_data import sessions

PARAMS = AnalysisParams()


def _store(tmp_path: Path) -> tuple[SnapshotStore, tuple[SnapshotRef, ...]]:
    store = SnapshotStore(tmp_path)
    for s in sessions()[::4]:
        store.save(s)
    return store, store.list("SPY")


def _same(a: SessionSummary, b: SessionSummary) -> None:
    assert_frame_equal(a.strikes, b.strikes, check_exact=True)
    for name in ("session", "ts_event", "content_hash", "spot"):
        assert getattr(a, name) == getattr(b, name)
    for name in ("call_wall", "put_wall", "abs_gamma", "zero_gamma"):
        x, y = getattr(a, name), getattr(b, name)
        assert x == y or (math.isnan(x) and math.isnan(y))


def test_memo_round_trip_is_exact_and_reused(tmp_path: Path) -> None:
    store, refs = _store(tmp_path)
    ref = refs[0]
    memo = FoundationMemo(store.root)
    first = Summaries(PARAMS, memo)
    made = first.of(ref, store.load(ref))
    assert (first.computed, first.reused) == (1, 0)
    assert memo.path("SPY", ref.content_hash, first.fingerprint).is_file()
    again = Summaries(PARAMS, memo)
    loaded = again.of(ref, lambda: pytest.fail("the memo must be read, not the snapshot"))
    assert (again.computed, again.reused) == (0, 1)
    _same(loaded, made)
    assert store.verify() == ()


def test_another_fingerprint_or_content_recomputes(tmp_path: Path) -> None:
    store, refs = _store(tmp_path)
    memo = FoundationMemo(store.root)
    Summaries(PARAMS, memo).of(refs[0], store.load(refs[0]))
    other = AnalysisParams(pricing=PricingParams(rate=0.01))
    assert summary_fingerprint(other) != summary_fingerprint(PARAMS)
    changed = Summaries(other, memo)
    changed.of(refs[0], store.load(refs[0]))
    assert changed.computed == 1
    second = Summaries(PARAMS, memo)
    second.of(refs[1], store.load(refs[1]))  # another snapshot: another content hash
    assert second.computed == 1
    # a level-only change keeps every memo file valid
    levels_only = AnalysisParams(levels=LevelParams(mspi_source="enhanced"))
    assert summary_fingerprint(levels_only) == summary_fingerprint(PARAMS)
    scoped = AnalysisParams(exposures=ExposureParams(expiries="0dte"))
    assert summary_fingerprint(scoped) != summary_fingerprint(PARAMS)


def test_a_corrupt_memo_is_ignored_with_a_warning_and_recomputed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, refs = _store(tmp_path)
    ref = refs[0]
    memo = FoundationMemo(store.root)
    made = Summaries(PARAMS, memo).of(ref, store.load(ref))
    path = memo.path("SPY", ref.content_hash, summary_fingerprint(PARAMS))
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = store.verify()
    assert [p.path for p in problems] == [path]
    assert problems[0].message.startswith("foundation memo:")
    provider = Summaries(PARAMS, memo)
    with caplog.at_level(logging.WARNING, logger="eots.engine.summaries"):
        again = provider.of(ref, store.load(ref))
    assert provider.computed == 1
    assert any("memo not used" in r.getMessage() for r in caplog.records)
    _same(again, made)
    assert store.verify() == ()  # rewritten


def test_a_tampered_memo_fails_its_digest_and_repair_removes_it(tmp_path: Path) -> None:
    store, refs = _store(tmp_path)
    ref = refs[0]
    memo = FoundationMemo(store.root)
    fp = summary_fingerprint(PARAMS)
    made = Summaries(PARAMS, memo).of(ref, store.load(ref))
    # a valid Parquet file whose numbers were changed: checksums pass, the digest does not
    bent = made.strikes.with_columns(pl.col("net_gex") * 2)
    path = memo.path("SPY", ref.content_hash, fp)
    good = path.read_bytes()
    meta = pq.read_table(path).schema.metadata
    pq.write_table(bent.to_arrow().replace_schema_metadata(meta), path)
    found, why = memo.get("SPY", ref.content_hash, fp)
    assert found is None
    assert why is not None
    assert "digest mismatch" in why
    orphan = memo.path("SPY", "0" * 16, fp)
    orphan.write_bytes(good)
    stray = path.parent / "notes.txt"
    stray.write_text("x")
    messages = {p.path: p.message for p in store.verify()}
    assert set(messages) == {path, orphan, stray}
    assert "orphaned" in messages[orphan] or "content_hash" in messages[orphan]
    report = store.repair()
    assert {path, orphan, stray} <= set(report.removed)
    assert store.verify() == ()


def test_warm_state_reads_prior_summaries_from_the_memo(tmp_path: Path) -> None:
    snaps = sessions()
    store = SnapshotStore(tmp_path)
    for s in snaps:
        store.save(s)
    ref = store.list("SPY")[-1]
    params = EngineParams()
    cold = warm_state(store, "SPY", ref.ts_event, params)
    assert len(cold.summaries) == len(cold.end_of_day) == 2
    files = sorted((tmp_path / "_foundations").rglob("*.parquet"))
    assert len(files) == 2
    stamps = [f.stat().st_mtime_ns for f in files]
    warm = warm_state(store, "SPY", ref.ts_event, params)
    assert [f.stat().st_mtime_ns for f in files] == stamps  # read, not rewritten
    for a, b in zip(cold.summaries, warm.summaries, strict=True):
        _same(a, b)


def test_a_step_reports_every_stage_in_the_one_diagnostics_shape() -> None:
    from eots.core.diagnostics import Diagnostic
    from eots.engine import analyze_snapshot
    from eots.engine.diagnostics import step_diagnostics

    snap = sessions()[0]
    result = analyze_snapshot(snap, EngineParams())
    found = step_diagnostics(result)
    assert found
    assert all(isinstance(d, Diagnostic) for d in found)
    stages = {d.stage for d in found}
    assert "levels" in stages  # no context: the levels say which fallbacks they took
    codes = {d.code for d in found if d.stage == "levels"}
    assert "levels.atr.metrics" in codes or "levels.atr.iv_implied" in codes
    assert [d.message for d in found if d.stage == "levels"] == list(result.analysis.levels.notes)


def test_levels_evaluate_prices_each_session_once_then_reads_the_memo(tmp_path: Path) -> None:
    from eots.engine.summaries import store_foundations
    from eots.history.levels_eval import evaluate_store

    snaps = sessions()
    store = SnapshotStore(tmp_path)
    for s in snaps:
        store.save(s)
    first = store_foundations(store, PARAMS)
    a = evaluate_store(store, "SPY", foundations=first)
    assert first.provider.computed == len(store.sessions("SPY"))  # each last snapshot, once
    second = store_foundations(store, PARAMS)
    b = evaluate_store(store, "SPY", foundations=second)
    assert second.provider.computed == 0
    assert second.provider.reused >= first.provider.computed
    assert_frame_equal(a.levels, b.levels)
