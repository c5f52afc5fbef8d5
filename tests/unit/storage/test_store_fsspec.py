"""A store read through fsspec (``memory://``) reads exactly like the same store on local disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import fsspec  # type: ignore[import-untyped]
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import SchemaError
from eots.engine import EngineParams, warm_state
from eots.pipeline import analyze
from eots.storage import LevelStore, PriceStore, SnapshotStore
from eots.storage.fs import is_url, resolve
from unit.engine.engine_data import sessions


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SnapshotStore, SnapshotStore]]:
    """The same four snapshots, a level sidecar and bars: locally and under ``memory://``."""
    local = SnapshotStore(tmp_path / "store")
    snaps = sessions()[:9]
    for s in snaps:
        local.save(s)
    LevelStore(local.root).save("SPY", analyze(snaps[2]).levels)
    bars = pl.DataFrame(
        {
            "ts": [snaps[0].ts_event, snaps[1].ts_event],
            "open": [1.0, 2.0],
            "high": [2.0, 3.0],
            "low": [0.5, 1.5],
            "close": [1.5, 2.5],
            "volume": [0, 0],
            "interval": ["1h", "1h"],
        }
    ).cast({"ts": pl.Datetime("us", "UTC"), "volume": pl.Int64})
    PriceStore(tmp_path / "store" / "_prices").append("SPY", "1h", bars)
    fs = fsspec.filesystem("memory")
    name = f"/eots-test-{tmp_path.name}"
    fs.put(f"{local.root}/", name, recursive=True)
    try:
        yield local, SnapshotStore.open(f"memory://{name}")
    finally:
        fs.rm(name, recursive=True)


def _names(refs: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [
        (r.ts_event, r.ts_recv, r.session, r.content_hash, Path(str(r.path)).name)  # type: ignore[attr-defined]
        for r in refs
    ]


def test_listing_and_loading_agree_with_the_local_store(
    stores: tuple[SnapshotStore, SnapshotStore],
) -> None:
    local, remote = stores
    assert remote.fs is not None
    assert remote.location.startswith("memory://")
    assert remote.underlyings() == local.underlyings() == ("SPY",)
    assert remote.sessions("SPY") == local.sessions("SPY")
    lr, rr = local.list("SPY"), remote.list("SPY")
    assert len(rr) == 9
    assert _names(rr) == _names(lr)
    mid = lr[4].ts_event
    assert _names(remote.list("SPY", mid, None)) == _names(local.list("SPY", mid, None))
    for a, b in zip(lr, rr, strict=True):
        assert_frame_equal(remote.load(b).frame, local.load(a).frame)
        assert remote.metadata(b) == local.metadata(a)
    assert_frame_equal(remote.spot_series("SPY"), local.spot_series("SPY"))
    day = lr[0].session
    left, right = local.end_of_day("SPY", day), remote.end_of_day("SPY", day)
    assert left is not None
    assert right is not None
    assert left.ts_event == right.ts_event
    assert remote.latest_ref("SPY", mid) is not None
    assert remote.latest_ref("SPY", mid).content_hash == local.latest_ref("SPY", mid).content_hash  # type: ignore[union-attr]


def test_bars_and_level_sidecars_are_read_from_the_url(
    stores: tuple[SnapshotStore, SnapshotStore],
) -> None:
    local, remote = stores
    lp = PriceStore(local.root / "_prices")
    rp = PriceStore.open(f"{remote.location}/_prices")
    assert rp.bars("SPY", "1h").height == 2
    assert_frame_equal(rp.bars("SPY", "1h"), lp.bars("SPY", "1h"))
    assert rp.bars("SPY", "5m").height == 0
    last = local.list("SPY")[-1].ts_event
    lv = LevelStore(local.root).previous("SPY", last)
    rv = LevelStore(remote.root, fs=remote.fs).previous("SPY", last)
    assert lv is not None
    assert rv is not None
    assert rv.to_frame().equals(lv.to_frame())
    assert rv.exposures.equals(lv.exposures)


def test_warm_state_from_the_url_equals_the_local_one(
    stores: tuple[SnapshotStore, SnapshotStore],
) -> None:
    local, remote = stores
    before = local.list("SPY")[-1].ts_event
    a = warm_state(local, "SPY", before, EngineParams())
    b = warm_state(remote, "SPY", before, EngineParams())
    assert [h.ref.content_hash for h in a.held()] == [h.ref.content_hash for h in b.held()]
    assert_frame_equal(a.spots, b.spots)
    assert a.previous_levels is not None
    assert b.previous_levels is not None
    assert a.previous_levels.to_frame().equals(b.previous_levels.to_frame())
    assert (a.underlying, a.session, a.last_ts) == (b.underlying, b.session, b.last_ts)


def test_a_corrupt_remote_file_is_named_by_its_url(
    stores: tuple[SnapshotStore, SnapshotStore],
) -> None:
    _, remote = stores
    ref = remote.list("SPY")[0]
    remote.fs.pipe_file(str(ref.path), b"not parquet")
    with pytest.raises(SchemaError, match=r"memory://.*cannot read Parquet file"):
        remote.load(ref)
    with pytest.raises(SchemaError, match=r"memory://.*footer"):
        remote.spot_series("SPY")


def test_writes_need_a_local_folder(stores: tuple[SnapshotStore, SnapshotStore]) -> None:
    _, remote = stores
    with pytest.raises(ValueError, match="read-only"):
        remote.save(sessions()[0])
    with pytest.raises(ValueError, match="read-only"):
        remote.verify()
    with pytest.raises(ValueError, match="read-only"):
        PriceStore.open(remote.location).append("SPY", "1h", pl.DataFrame())


def test_locations_resolve_to_local_paths_or_filesystems(tmp_path: Path) -> None:
    assert resolve(tmp_path) == (None, tmp_path)
    assert resolve(f"file://{tmp_path}") == (None, tmp_path)
    assert resolve(str(tmp_path))[0] is None
    fs, root = resolve("memory://a/b")
    assert fs is not None
    assert str(root) == "/a/b"
    assert is_url("memory://x")
    assert not is_url("relative/store")
    with pytest.raises(ValueError, match="nosuchproto"):
        resolve("nosuchproto://bucket/x")
    assert SnapshotStore.open("memory://eots-empty-nothing-here").list("SPY") == ()
