"""eots.core.normal: ndtr / ndtri against scipy.special and an independent reference (libm erfc)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.core.normal import ndtr, ndtri

#: Below this SciPy's ndtr is subnormal (or 0 from about -37.7): compared absolutely there.
TINY = 1e-300


def _dense_grid() -> np.ndarray:
    rng = np.random.default_rng(20240105)
    return np.concatenate(
        [
            np.linspace(-38.0, 38.0, 400_001),
            np.linspace(-1.5, 1.5, 100_001),  # the erf/erfc and Cody interval edges
            rng.normal(size=100_000) * 3.0,
            [-1.0, 1.0, -0.0, 0.0, 0.6629126073623883, -0.6629126073623883, 8.0, -8.0],
        ]
    )


def _two_product_error(a: float, b: float) -> float:
    """The rounding error of ``a * b`` (Dekker's exact product), so ``a*b == fl(a*b) + err``."""
    split = 134217729.0  # 2**27 + 1

    def halves(v: float) -> tuple[float, float]:
        t = split * v
        hi = t - (t - v)
        return hi, v - hi

    p = a * b
    ah, al = halves(a)
    bh, bl = halves(b)
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


def test_ndtr_matches_scipy_in_the_body_and_the_tails() -> None:
    x = _dense_grid()
    mine, ref = ndtr(x), sc.ndtr(x)
    normal = np.abs(ref) >= TINY
    rel = np.abs(mine[normal] - ref[normal]) / ref[normal]
    body = np.abs(x[normal]) <= 1.0
    # SciPy's own ndtr (Cephes) is off by up to 7e-16 (|x| <= 1, where 0.5 + 0.5 erf cancels) and
    # 1.5e-15 (-5 < x < -1) against libm's erfc: agreement with it is bounded by that, not by this
    # module's error (against libm, test below: <= 1e-15).
    assert rel[body].max() <= 1.5e-15
    assert rel.max() <= 2.5e-15
    assert np.abs(mine[~normal] - ref[~normal]).max() <= 1e-308


def test_ndtr_against_libm_erfc_at_the_same_rounded_argument() -> None:
    # Independent reference: 0.5 * erfc(|a| / sqrt 2) from the C library, with exp(-x^2) moved to
    # the double-rounded x * x the module uses (as Cephes does), via the exact product error.
    x = np.concatenate([np.linspace(-37.0, 8.0, 45_001), np.linspace(-1.0, 1.0, 20_001)])
    mine = ndtr(x)
    ref = []
    for a in x:
        z = abs(float(a)) * 0.70710678118654752440
        half = 0.5 * math.erfc(z) * math.exp(_two_product_error(z, z))
        ref.append(1.0 - half if a > 0 else half)
    rel = np.abs(mine - np.array(ref)) / np.array(ref)
    assert rel.max() <= 1e-15


def test_ndtr_special_values_and_shapes() -> None:
    out = ndtr(np.array([-np.inf, np.inf, np.nan, 0.0, -0.0]))
    assert out[0] == 0.0
    assert out[1] == 1.0
    assert np.isnan(out[2])
    assert out[3] == 0.5
    assert out[4] == 0.5
    assert ndtr(np.zeros((2, 3))).shape == (2, 3)
    assert ndtr(1.5).shape == ()
    assert float(ndtr(1.5)) == pytest.approx(float(sc.ndtr(1.5)), rel=1e-15)
    assert ndtr(np.array([], dtype=np.float64)).shape == (0,)


def test_ndtri_matches_scipy_and_round_trips() -> None:
    p = np.concatenate(
        [
            np.linspace(0.0, 1.0, 200_001),
            np.logspace(-300, -1, 20_000),
            1.0 - np.logspace(-16, -1, 2_000),
            [0.075, 0.925, 0.5 - 0.425, 0.5 + 0.425, 5e-324, 1e-310],
        ]
    )
    mine, ref = ndtri(p), sc.ndtri(p)
    assert np.array_equal(np.isnan(mine), np.isnan(ref))
    assert np.array_equal(mine[np.isinf(ref)], ref[np.isinf(ref)])
    finite = np.isfinite(ref) & (ref != 0.0)
    assert (np.abs(mine[finite] - ref[finite]) / np.abs(ref[finite])).max() <= 2e-15
    assert ndtri(0.5) == 0.0
    # round trip through ndtr, where the CDF is not flat at double precision; in the tail a
    # relative error e in x moves Phi(x) by about e x^2 relative (d log Phi / d log x ~ x^2)
    q = p[(p > 1e-290) & (p < 0.999)]
    x = ndtri(q)
    back = ndtr(x)
    assert np.all(np.abs(back - q) / q <= 1e-15 * (4.0 + x * x))


def test_ndtri_outside_the_unit_interval_is_nan() -> None:
    out = ndtri(np.array([-0.1, 1.1, np.nan, -np.inf, np.inf, 0.0, 1.0]))
    assert np.isnan(out[:5]).all()
    assert out[5] == -np.inf
    assert out[6] == np.inf


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-37.0, max_value=37.0, allow_nan=False))
def test_ndtr_symmetry(x: float) -> None:
    # ndtr(-x) = 1 - ndtr(x): exact in the representable sense up to the rounding of 1 - p
    lo, hi = float(ndtr(-abs(x))), float(ndtr(abs(x)))
    assert abs((1.0 - hi) - lo) <= 2.3e-16 + 1e-15 * lo
    assert float(ndtr(-abs(x))) == pytest.approx(float(sc.ndtr(-abs(x))), rel=2e-15, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-38.0, max_value=38.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=5.0, allow_nan=False),
)
def test_ndtr_is_monotone(x: float, step: float) -> None:
    assert float(ndtr(x)) <= float(ndtr(x + step))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_ndtri_inverts_ndtr(p: float) -> None:
    x = float(ndtri(p))
    assert x == pytest.approx(float(sc.ndtri(p)), rel=2e-15, abs=1e-300)
    if 1e-300 < p < 0.99:
        assert float(ndtr(x)) == pytest.approx(p, rel=1e-15 * (4.0 + x * x))
