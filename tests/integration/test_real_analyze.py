"""The whole foundation pipeline on every real snapshot under $EOTS_REAL_DATA (read in place).

Loading itself (counts, times, intended refusals) is covered by test_real_snapshots.py; here each
snapshot that loads must analyze to finite, self-consistent exposures and levels.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import polars as pl
import pytest

from eots.core.errors import EotsError
from eots.pipeline import Analysis, analyze
from eots.sources import load_chain

_ROOT = os.environ.get("EOTS_REAL_DATA")
_IDS = (
    [e["id"] for e in json.loads((Path(_ROOT) / "manifest.json").read_text())]
    if _ROOT and (Path(_ROOT) / "manifest.json").is_file()
    else ["(no data)"]
)
_CACHE: dict[str, Analysis] = {}


def _analysis(real_data: Path, snapshot_id: str) -> Analysis:
    if snapshot_id not in _CACHE:
        entry = next(
            e
            for e in json.loads((real_data / "manifest.json").read_text())
            if e["id"] == snapshot_id
        )
        try:
            snap = load_chain(real_data / entry["file"])
        except EotsError as e:
            pytest.skip(f"{snapshot_id} is refused at load ({e}); see test_real_snapshots")
        _CACHE[snapshot_id] = analyze(snap)
    return _CACHE[snapshot_id]


@pytest.mark.parametrize("snapshot_id", _IDS)
def test_real_analyze_totals_finite_and_consistent(real_data: Path, snapshot_id: str) -> None:
    a = _analysis(real_data, snapshot_id)
    t = a.totals
    for value in (t.net_gex, t.call_gex, t.put_gex, t.net_dex, t.net_vanna, t.net_charm):
        assert math.isfinite(value)
    assert t.call_gex >= 0 >= t.put_gex
    in_scope = a.contracts.filter(pl.col("exposure_ok"))
    assert t.net_gex == pytest.approx(in_scope.get_column("gex_usd_per_pct").sum(), rel=1e-9)
    finite = in_scope.select(
        pl.all_horizontal(
            pl.col(
                "gex_usd_per_pct", "dex_usd", "vanna_usd_per_vol_pt", "charm_usd_per_day"
            ).is_finite()
        ).all()
    ).item()
    assert finite


@pytest.mark.parametrize("snapshot_id", _IDS)
def test_real_analyze_iv_covers_open_interest(real_data: Path, snapshot_id: str) -> None:
    a = _analysis(real_data, snapshot_id)
    live_oi = float(a.contracts.get_column("open_interest").sum())
    # Contracts without an IV (no usable source IV and no two-sided quote) must be a small share
    # of open interest, or the exposures would silently miss part of the chain.
    assert a.totals.oi_without_iv <= 0.10 * live_oi, (a.totals.oi_without_iv, live_oi)


@pytest.mark.parametrize("snapshot_id", _IDS)
def test_real_analyze_levels_well_formed(real_data: Path, snapshot_id: str) -> None:
    a = _analysis(real_data, snapshot_id)
    by = a.by_strike
    if a.walls.call_wall:
        assert a.walls.call_wall[0].value == pytest.approx(by.get_column("net_gex").max())
    if a.walls.put_wall:
        assert a.walls.put_wall[0].value == pytest.approx(by.get_column("net_gex").min())
    lo, hi = a.zero_gamma.band
    assert all(lo <= c <= hi for c in a.zero_gamma.crossings)
    assert list(a.zero_gamma.crossings) == sorted(a.zero_gamma.crossings)
