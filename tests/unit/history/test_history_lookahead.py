"""No look-ahead: the store is never asked past ``as_of``; later data changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eots.chain import ChainSnapshot
from eots.history import AsOfReader, ContextParams, market_context
from eots.storage import SnapshotStore
from unit.history.context_store import (
    ExplodingPrices,
    ExplodingStore,
    assert_same_context,
    fill,
)

PARAMS = ContextParams(intraday_snapshots=4, iv_rank_min_sessions=2, iv_average_sessions=2)


def _as_ofs(snapshots: list[ChainSnapshot]) -> list[dt.datetime]:
    et_close = snapshots[6].ts_event + dt.timedelta(minutes=30)
    return [
        snapshots[3].ts_event,  # mid first session
        snapshots[6].ts_event + dt.timedelta(minutes=10),  # between the last snapshot and close
        et_close + dt.timedelta(hours=1),  # after the close
        snapshots[13].ts_event + dt.timedelta(days=1),  # Saturday
        snapshots[16].ts_event,  # Monday, across the weekend
        snapshots[-1].ts_event,  # the last snapshot
    ]


@pytest.fixture(scope="module")
def full_root(tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]) -> Path:
    root = tmp_path_factory.mktemp("full")
    fill(root, snapshots)
    return root


def test_context_never_asks_the_store_past_as_of(
    full_root: Path, tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    for as_of in _as_ofs(snapshots):
        store = ExplodingStore(full_root, as_of)
        prices = ExplodingPrices(tmp_path, as_of)
        ctx = market_context(AsOfReader(store, prices, as_of), "SPX", as_of, PARAMS)
        assert ctx.as_of == as_of


def test_context_with_later_data_equals_context_without_it(
    full_root: Path, tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    full = SnapshotStore(full_root)
    for i, as_of in enumerate(_as_ofs(snapshots)):
        truncated = fill(tmp_path / f"t{i}", snapshots, until=as_of)
        with_future = market_context(AsOfReader(full, None, as_of), "SPX", as_of, PARAMS)
        without = market_context(AsOfReader(truncated, None, as_of), "SPX", as_of, PARAMS)
        assert_same_context(with_future, without)
