"""eots.core.roots.brent against scipy.optimize.brentq (the root finder it replaces)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.optimize import brentq

from eots.core.roots import RootError, brent
from eots.levels.zero_gamma import grid_crossings


@pytest.mark.parametrize(
    ("f", "lo", "hi"),
    [
        (math.sin, 3.0, 4.0),
        (lambda x: x**3 - 2 * x - 5, 2.0, 3.0),
        (lambda x: math.exp(x) - 10.0, 0.0, 5.0),
        (lambda x: x - 1e-3, -1.0, 1.0),
        (lambda x: (x - 0.3) ** 3, -1.0, 2.0),  # a triple root: slow, bisection-bound
        (lambda x: math.tanh(50 * (x - 0.7)), 0.0, 1.0),  # steep
        (lambda x: 1.0 if x > 0.25 else -1.0, 0.0, 1.0),  # a jump: bisection only
    ],
)
@pytest.mark.parametrize(("xtol", "rtol"), [(2e-12, 8.9e-16), (1e-3, 1e-6), (1e-10 * 4000, 1e-12)])
def test_brent_matches_brentq(
    f: Callable[[float], float], lo: float, hi: float, xtol: float, rtol: float
) -> None:
    ours = brent(f, lo, hi, xtol=xtol, rtol=rtol, maxiter=200)
    theirs = brentq(f, lo, hi, xtol=xtol, rtol=rtol, maxiter=200)
    assert ours == theirs  # the same iterates, so the same root


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-5, 5), min_size=1, max_size=6),
    st.floats(-3.0, 3.0),
    st.floats(0.01, 5.0),
    st.floats(0.01, 5.0),
    st.floats(-14.0, -6.0),
)
def test_brent_on_random_bracketed_functions(
    coef: list[float], root: float, left: float, right: float, log_xtol: float
) -> None:
    # (x - root) * (a positive polynomial): one root in the bracket, anywhere in it
    def f(x: float) -> float:
        return (x - root) * (float(np.polyval(coef, x)) ** 2 + 0.1)

    lo, hi = root - left, root + right
    xtol = 10.0**log_xtol
    ours = brent(f, lo, hi, xtol=xtol, rtol=1e-12)
    theirs = brentq(f, lo, hi, xtol=xtol, rtol=1e-12)
    assert abs(ours - theirs) <= 1e-12 * max(1.0, abs(theirs))
    assert abs(ours - root) <= xtol + 4e-12 * max(1.0, abs(root))


def test_brent_endpoints_and_errors() -> None:
    assert brent(lambda x: x, 0.0, 1.0) == 0.0
    assert brent(lambda x: x - 1.0, 0.0, 1.0) == 1.0
    with pytest.raises(RootError, match="same sign"):
        brent(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(RootError, match="no convergence"):
        brent(lambda x: (x - 0.3) ** 3, -1.0, 2.0, xtol=1e-15, rtol=1e-16, maxiter=3)


def test_zero_gamma_crossings_match_brentq(monkeypatch: pytest.MonkeyPatch) -> None:
    # A profile with many sign changes and near-zero dips: the crossings are the same with brentq.
    x = np.linspace(3500.0, 4500.0, 61)

    def profile(levels: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.sin(levels / 37.0) * 1e9 + 2e8 * np.cos(levels / 11.0)
        return out

    ours = grid_crossings(profile, x, profile(x))

    def scipy_brent(f: Callable[[float], float], lo: float, hi: float, **kw: float) -> float:
        return float(brentq(f, lo, hi, **kw))

    # the module (``eots.levels.zero_gamma`` the attribute is the function of that name)
    module = importlib.import_module("eots.levels.zero_gamma")
    monkeypatch.setattr(module, "brent", scipy_brent)
    theirs = grid_crossings(profile, x, profile(x))
    assert len(ours) >= 5
    assert ours == theirs
