"""No look-ahead on real consecutive sessions: SPX 2023-04-05, 04-06, 04-10, 04-14, 04-17.

The snapshots are ingested into a temporary store; for each one the market context as of its quote
time is built twice, from the full store (which fails the test if asked for anything later) and
from a store holding only the snapshots up to it, and the adaptive metrics must be identical.
Small look-backs make the history factors (IV and ATR ratios, IV percentile) active by the later
sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from eots.adaptive import AdaptiveMetrics, adaptive_metrics
from eots.history import AsOfReader, ContextParams, MarketContext, market_context
from eots.metrics import CONTRACT_METRIC_COLUMNS, FLOW_LABEL_COLUMNS, MetricInputs, base_metrics
from eots.pipeline import History, analyze
from eots.storage import SnapshotRef, SnapshotStore, ingest
from unit.history.context_store import ExplodingStore

pytestmark = pytest.mark.real_data

IDS = (
    "spx_20230405_post",
    "spx_20230406_post",
    "spx_20230410_post",
    "spx_20230414_post",
    "spx_20230417_post",
)
PARAMS = ContextParams(
    iv_average_sessions=2,
    iv_rank_min_sessions=2,
    atr_period=2,
    atr_average_sessions=2,
    daily_sessions=0,
    weekly_weeks=0,
)


def _adaptive(store: SnapshotStore, ref: SnapshotRef, ctx: MarketContext) -> AdaptiveMetrics:
    snapshot = store.load(ref)
    metrics = analyze(snapshot, history=History(flows=ctx.flows_by_contract)).metrics
    computed = set(CONTRACT_METRIC_COLUMNS) | set(FLOW_LABEL_COLUMNS)
    frame = metrics.contracts.drop([c for c in metrics.contracts.columns if c in computed])
    inputs = MetricInputs(as_of=ref.ts_event, spot=snapshot.spot)
    return adaptive_metrics(base_metrics(frame, inputs), frame, ctx, inputs)


def test_adaptive_real_sessions_identical_without_later_snapshots(
    real_data: Path, tmp_path: Path
) -> None:
    manifest = {e["id"]: e for e in json.loads((real_data / "manifest.json").read_text())}
    store = SnapshotStore(tmp_path / "full")
    summary = ingest([real_data / manifest[i]["file"] for i in IDS], store)
    assert not summary.refused, summary.refused
    refs = store.list("SPX")
    assert len(refs) == len(IDS)
    active = []
    for i, ref in enumerate(refs):
        as_of = ref.ts_event
        full_ctx = market_context(
            AsOfReader(ExplodingStore(store.root, as_of), None, as_of), "SPX", as_of, PARAMS
        )
        partial = SnapshotStore(tmp_path / f"upto{i}")
        for earlier in refs[: i + 1]:
            partial.save(store.load(earlier))
        cut_ctx = market_context(AsOfReader(partial, None, as_of), "SPX", as_of, PARAMS)
        full = _adaptive(store, ref, full_ctx)
        cut = _adaptive(partial, partial.list("SPX")[-1], cut_ctx)
        assert_frame_equal(full.contracts, cut.contracts)
        assert_frame_equal(full.strikes, cut.strikes)
        assert full.factors == cut.factors
        assert full.contracts.get_column("a_dag").is_not_nan().sum() > 1000
        active.append(sorted(r.factor for r in full.factors if r.active and not r.neutral))
    assert "regime_factor" not in active[0]  # no history on the first session
    assert "regime_factor" in active[-1], active[-1]
