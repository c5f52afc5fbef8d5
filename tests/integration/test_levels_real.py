"""Key levels on the real consecutive SPX sessions (2023-04-05, 04-06, 04-10, 04-14, 04-17).

Levels as of each snapshot use only what was stored by then: the same levels with or without the
later snapshots in the store, twice in a row; the store-backed evaluation runs over them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from eots.engine.summaries import Summaries, level_inputs, store_foundations
from eots.history import AsOfReader, ContextParams, market_context
from eots.history.levels_eval import evaluate_store
from eots.levels import KeyLevels, LevelHistory, LevelKind, Timeframe, key_levels
from eots.pipeline import AnalysisParams, foundation
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
ANALYSIS = AnalysisParams()
PARAMS = ANALYSIS.levels


def _levels(root: Path, ref: SnapshotRef) -> KeyLevels:
    as_of = ref.ts_event
    store = ExplodingStore(root, as_of)
    ctx = market_context(AsOfReader(store, None, as_of), "SPX", as_of, ContextParams())
    snap = store.load(ref)
    known = Summaries(ANALYSIS).of_priors((*ctx.daily, *ctx.weekly), "SPX")
    inputs = level_inputs(foundation(snap, ANALYSIS))
    return key_levels(inputs, ctx, PARAMS, as_of, LevelHistory(summaries=known))


def test_levels_real_sessions_no_lookahead_determinism_and_evaluation(
    real_data: Path, tmp_path: Path
) -> None:
    manifest = {e["id"]: e for e in json.loads((real_data / "manifest.json").read_text())}
    files = [real_data / manifest[i]["file"] for i in IDS]
    full = SnapshotStore(tmp_path / "full")
    assert not ingest(files, full).refused
    refs = full.list("SPX")
    assert len(refs) == len(IDS)
    for i in (1, len(refs) - 1):
        part = SnapshotStore(tmp_path / f"part{i}")
        ingest(files[: i + 1], part)
        a = _levels(full.root, refs[i])
        b = _levels(full.root, refs[i])
        c = _levels(part.root, part.list("SPX")[i])
        assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=True)
        assert_frame_equal(a.to_frame(), c.to_frame(), check_exact=True)
        assert a.of_kind(LevelKind.CALL_WALL, Timeframe.INTRADAY)
        assert a.of_kind(LevelKind.PUT_WALL, Timeframe.INTRADAY)
        assert a.of_kind(LevelKind.CALL_WALL, Timeframe.DAILY)
        assert [s.session for s in a.sessions][:i] == [r.session for r in refs[:i]]
        assert all(0 <= lv.strength <= 1 and 0 <= lv.conviction <= 1 for lv in a.levels)
    result = evaluate_store(full, "SPX", foundations=store_foundations(full, ANALYSIS))
    assert result.bars_source == "snapshot_spots_proxy"
    assert result.sessions_tested == 3  # 04-06, 04-10, 04-17 follow a stored session
    assert "call_wall" in result.table.get_column("kind").to_list()
