"""Issue 10: close pairs of zero-gamma crossings between two grid points are found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from eots.levels.vol_trigger import crossings
from eots.levels.zero_gamma import grid_crossings


def _pair(a: float, b: float, tilt: float = 0.0):
    return lambda v: (v - a) * (v - b) * (1.0 + tilt * (v - 100.0))


def test_close_pair_between_grid_points_found() -> None:
    fn = _pair(100.2, 100.5)
    x = np.linspace(80.0, 120.0, 61)
    assert np.all(np.sign(fn(x)) > 0)  # the grid alone sees no sign change
    roots = grid_crossings(fn, x, fn(x))
    assert roots == pytest.approx((100.2, 100.5), rel=1e-9)
    # Without refinement the pair is missed: the refinement is what finds it.
    assert grid_crossings(fn, x, fn(x), refine_depth=0) == ()


@given(
    a=st.floats(81.0, 118.0),
    gap=st.floats(0.02, 3.0),
    tilt=st.floats(-0.02, 0.02),
)
def test_every_root_pair_found(a: float, gap: float, tilt: float) -> None:
    assume(a + gap < 119.9)  # both roots inside the band
    fn = _pair(a, a + gap, tilt)
    x = np.linspace(80.0, 120.0, 61)
    roots = grid_crossings(fn, x, fn(x))
    assert roots == pytest.approx((a, a + gap), rel=1e-8)


def test_single_crossing_and_identically_zero() -> None:
    x = np.linspace(1.0, 3.0, 11)
    assert grid_crossings(lambda v: v - 2.05, x, x - 2.05) == pytest.approx((2.05,))
    zero = np.zeros_like(x)
    assert grid_crossings(lambda v: np.zeros_like(v), x, zero) == ()


def test_vol_trigger_crossings_share_the_refinement() -> None:
    assert crossings(_pair(100.2, 100.5), (80.0, 120.0), 25) == pytest.approx((100.2, 100.5))


@pytest.mark.real_data
def test_real_close_pair_matches_a_dense_grid(real_data: Path) -> None:
    from eots.pipeline import analyze
    from eots.sources import load_chain

    a = analyze(load_chain(next((real_data / "spy_20220708_wknd").iterdir())))
    p = a.profile
    x = np.linspace(p.levels[0], p.levels[-1], 40001)
    y = p.terms.net_gex(x)
    dense = x[np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)]
    assert len(dense) == 3
    assert a.zero_gamma.crossings == pytest.approx(tuple(dense), abs=2 * (x[1] - x[0]))


def test_pair_just_past_a_grid_point_found() -> None:
    # Found by hypothesis: both roots within 0.04 to the right of a grid point, where the finer
    # grid's smallest |P| sits at its own end.
    fn = _pair(82.671875, 82.703125)
    x = np.linspace(80.0, 120.0, 61)
    assert grid_crossings(fn, x, fn(x)) == pytest.approx((82.671875, 82.703125), rel=1e-9)
