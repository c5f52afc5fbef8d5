"""A context built with a cache kept across builds equals one built from scratch, exactly.

The cache holds the session's contract index, each increment aligned once and the window's last
sums; a build that reuses them must give the very frames a fresh build gives: over a sliding
window (``intraday_snapshots=3``), over the whole session (``None``: the sums only grow), and
across session rolls (the index starts again).
"""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from eots.chain import ChainSnapshot
from eots.history import AsOfReader, ContextCache, ContextParams, market_context
from eots.storage import SnapshotStore
from unit.history.context_store import fill

FRAMES = (
    "flows_by_contract",
    "flows_by_strike",
    "flow_increments",
    "charm_history",
    "iv_intraday",
    "term_intraday",
    "iv_daily",
    "term_daily",
    "daily_bars",
    "spot_path",
)


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]
) -> SnapshotStore:
    return fill(tmp_path_factory.mktemp("cache"), snapshots)


@pytest.mark.parametrize("window", [3, None])
def test_cached_builds_equal_fresh_builds_at_every_snapshot(
    store: SnapshotStore, snapshots: list[ChainSnapshot], window: int | None
) -> None:
    params = ContextParams(intraday_snapshots=window, iv_rank_min_sessions=2)
    cache = ContextCache()
    sessions = set()
    for snap in snapshots:
        as_of = snap.ts_event
        reader = AsOfReader(store, None, as_of)
        cached = market_context(reader, "SPX", as_of, params, cache=cache)
        fresh = market_context(reader, "SPX", as_of, params)
        for name in FRAMES:
            assert_frame_equal(getattr(cached, name), getattr(fresh, name), check_exact=True)
        assert cached.flow_coverage == fresh.flow_coverage
        assert repr(cached.estimates()) == repr(fresh.estimates())  # NaN-aware
        sessions.add(cached.session)
        assert cache.session_flows is not None
        assert cache.session_flows.session == cached.session
        # the kept term structure is the current snapshot's, whether cached or not
        for built in (cached, fresh):
            assert built.term_source is not None
            assert_frame_equal(built.term_source.term, built.term_structure, check_exact=True)
            assert built.term_source.spot == snap.spot
        assert cached.term_source is not None
        assert fresh.term_source is not None
        assert_frame_equal(cached.term_source.rows, fresh.term_source.rows, check_exact=True)
    assert len(sessions) == 4  # three session rolls crossed


def test_retain_drops_the_kept_term_structures_with_their_snapshots(
    store: SnapshotStore, snapshots: list[ChainSnapshot]
) -> None:
    params = ContextParams(intraday_snapshots=3)
    cache = ContextCache()
    for snap in snapshots[:4]:
        market_context(
            AsOfReader(store, None, snap.ts_event), "SPX", snap.ts_event, params, cache=cache
        )
    assert set(cache.terms) == set(cache.observed)
    kept = next(iter(cache.terms))
    cache.retain({kept})
    assert set(cache.terms) == {kept}
