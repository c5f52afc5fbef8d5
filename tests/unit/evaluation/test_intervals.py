"""Intervals and multiple testing against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from eots.evaluation.intervals import (
    benjamini_hochberg,
    binomial_p,
    mean_interval,
    proportion_columns,
    wilson,
)

Z = 1.959963984540054  # the 97.5 % normal quantile


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(8, 10), (0, 5), (5, 5), (37, 120), (1, 1)])
def test_wilson_matches_the_closed_form(k: int, n: int) -> None:
    p = wilson(k, n)
    lo, hi = _wilson_by_hand(k, n)
    assert p.rate == pytest.approx(k / n)
    assert p.low == pytest.approx(lo, abs=1e-9)
    assert p.high == pytest.approx(hi, abs=1e-9)
    assert (p.k, p.n) == (k, n)


def test_wilson_hand_value_eight_of_ten() -> None:
    p = wilson(8, 10)
    assert p.low == pytest.approx(0.49016, abs=1e-4)
    assert p.high == pytest.approx(0.94332, abs=1e-4)


def test_wilson_refuses_impossible_counts_and_has_no_rate_without_n() -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(3, 2)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(-1, 2)
    empty = wilson(0, 0)
    assert math.isnan(empty.rate)
    assert math.isnan(empty.low)
    assert math.isnan(empty.high)


def test_binomial_p_against_the_exact_sum() -> None:
    # P(X >= 9) + P(X <= 1) for X ~ Bin(10, 0.5) = 22 / 1024
    assert binomial_p(9, 10, 0.5) == pytest.approx(22 / 1024)
    assert math.isnan(binomial_p(3, 10, 0.0))
    assert math.isnan(binomial_p(0, 0, 0.5))


def test_mean_interval_by_hand() -> None:
    x = [1.0, 2.0, 4.0, 7.0]
    m = mean_interval(x)
    s = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.975, 3)) * s / 2.0
    assert (m.n, m.mean) == (4, 3.5)
    assert m.low == pytest.approx(3.5 - half)
    assert m.high == pytest.approx(3.5 + half)


def test_mean_interval_small_samples_and_non_finite_values() -> None:
    one = mean_interval([5.0, float("nan")])
    assert (one.n, one.mean) == (1, 5.0)
    assert math.isnan(one.low)
    assert math.isnan(one.high)
    assert mean_interval([]).n == 0


def test_benjamini_hochberg_known_values() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): p*m/rank = 0.02, 0.02, 0.04, 0.04
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, float("nan")])
    assert q[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert math.isnan(q[4])
    # monotone step-up: a later small rank can lower an earlier one's q
    assert benjamini_hochberg([0.04, 0.041]) == pytest.approx([0.041, 0.041])


def test_proportion_columns_carry_n_beside_every_rate() -> None:
    cols = proportion_columns("x", [1, 0], [4, 0])
    assert cols["x_n"] == [4, 0]
    assert cols["x_rate"][0] == 0.25
    assert math.isnan(cols["x_rate"][1])
