"""The closed-form Wilson interval against scipy's ``binomtest(...).proportion_ci``."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from eots.core.stats import wilson_interval

LEVELS = (0.5, 0.9, 0.95, 0.999)


def _scipy(k: int, n: int, confidence: float) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def test_agrees_with_scipy_on_every_count_of_small_samples() -> None:
    worst = 0.0
    for confidence in LEVELS:
        for n in (1, 2, 3, 5, 13, 34, 89, 200):
            for k in range(n + 1):
                got = wilson_interval.__wrapped__(k, n, confidence)
                want = _scipy(k, n, confidence)
                worst = max(worst, abs(got[0] - want[0]), abs(got[1] - want[1]))
    assert worst <= 1e-15


@given(
    n=st.integers(min_value=1, max_value=100_000),
    share=st.floats(min_value=0.0, max_value=1.0),
    confidence=st.floats(min_value=0.01, max_value=0.9999),
)
def test_agrees_with_scipy_and_brackets_the_rate(n: int, share: float, confidence: float) -> None:
    k = round(share * n)
    lo, hi = wilson_interval(k, n, confidence)
    want = _scipy(k, n, confidence)
    assert lo == pytest.approx(want[0], abs=1e-14)
    assert hi == pytest.approx(want[1], abs=1e-14)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_known_values_and_edges() -> None:
    # 10 of 20 at 95 %: centre 0.5, half-width 1.96/(2(20+1.96^2)) * sqrt(20 + 1.96^2)
    z = 1.959963984540054
    half = z / (2 * (20 + z * z)) * math.sqrt(4 * 20 * 0.25 + z * z)
    assert wilson_interval(10, 20) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-15)
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    # a wider confidence gives a wider interval
    lo95, hi95 = wilson_interval(3, 10, 0.95)
    lo99, hi99 = wilson_interval(3, 10, 0.99)
    assert lo99 < lo95
    assert hi99 > hi95


@pytest.mark.parametrize(
    ("k", "n", "confidence"), [(-1, 5, 0.95), (6, 5, 0.95), (1, 5, 1.0), (1, 5, 0.0)]
)
def test_bad_input_is_refused(k: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError, match="must lie in"):
        wilson_interval(k, n, confidence)
