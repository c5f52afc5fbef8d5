"""Replay the real consecutive-session snapshots through ingest and the market context.

SPX 2023-04-05, 04-06, 04-10, 04-14, 04-17; SPX 2023-06-08 and 06-09 13:40; SPY 2025-04-30 ..
05-07 (manifest entries of $EOTS_REAL_DATA). For each snapshot, the context as of its quote time
must list exactly the earlier ingested sessions as prior end-of-day references, have a finite ATM
IV, a daily IV history that grows by one per session, and never ask the store past ``as_of``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eots.history import AsOfReader, ContextParams, market_context
from eots.storage import SnapshotStore, ingest
from unit.history.context_store import ExplodingStore

pytestmark = pytest.mark.real_data

GROUPS = {
    "SPX": (
        "spx_20230405_post",
        "spx_20230406_post",
        "spx_20230410_post",
        "spx_20230414_post",
        "spx_20230417_post",
        "spx_20230608_post",
        "spx_20230609_1340",
    ),
    "SPY": (
        "spy_20250430_post",
        "spy_20250501_post",
        "spy_20250502_post",
        "spy_20250506_post",
        "spy_20250508_pre",
    ),
}
PARAMS = ContextParams(daily_sessions=10, weekly_weeks=10)


@pytest.mark.parametrize("underlying", sorted(GROUPS))
def test_context_real_sessions_prior_refs_iv_and_no_lookahead(
    real_data: Path, tmp_path: Path, underlying: str
) -> None:
    manifest = {e["id"]: e for e in json.loads((real_data / "manifest.json").read_text())}
    files = [real_data / manifest[i]["file"] for i in GROUPS[underlying]]
    store = SnapshotStore(tmp_path / "store")
    summary = ingest(files, store)
    assert not summary.refused, summary.refused
    refs = store.list(underlying)
    assert len(refs) == len(files)

    history_lengths = []
    for i, ref in enumerate(refs):
        as_of = ref.ts_event
        reader = AsOfReader(ExplodingStore(store.root, as_of), None, as_of)
        ctx = market_context(reader, underlying, as_of, PARAMS)
        earlier = [r.session for r in refs[:i]]
        assert [p.session for p in ctx.daily] == earlier
        assert [p.content_hash for p in ctx.daily] == [r.content_hash for r in refs[:i]]
        assert ctx.snapshot is not None
        assert ctx.snapshot.ts_event == as_of
        assert math.isfinite(ctx.atm_iv.value), ctx.atm_iv
        assert 0.05 < ctx.atm_iv.value < 1.0
        assert ctx.term_structure.height > 3
        assert ctx.iv_daily.get_column("session").to_list() == earlier
        assert all(math.isfinite(v) for v in ctx.iv_daily.get_column("atm_iv").to_list())
        history_lengths.append(ctx.iv_daily.height)
        assert ctx.oi_by_dte.get_column("open_interest").sum() > 0
        # Proxy bars of completed sessions within the bar look-back (34 sessions) only.
        assert 1 <= ctx.daily_bars.height <= len(earlier) + 1
        assert ctx.daily_bars.get_column("ts").max() <= as_of  # type: ignore[operator]
    assert history_lengths == list(range(len(refs)))
