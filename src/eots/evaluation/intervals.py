"""Confidence intervals and multiple testing: the uncertainty printed beside every rate.

* a proportion ``k / n``: the Wilson score interval at 95 % (``scipy.stats.binomtest``'s
  ``proportion_ci(method="wilson")``); its p-value against a baseline rate ``p0`` is the exact
  two-sided binomial test;
* a mean: Student's t interval ``mean +- t(0.975, n-1) * s / sqrt(n)`` (s the sample standard
  deviation, ddof 1); n < 2 gives no interval (NaN bounds);
* many cells tested at once: Benjamini-Hochberg adjusted p-values (``q``), the false discovery
  rate control of ``scipy.stats.false_discovery_control``.

``SMALL_SAMPLE_N`` marks a cell whose n is too small to read anything into (reported, flagged).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from eots.core.stats import wilson_interval

CONFIDENCE = 0.95

#: Cells with fewer observations than this are flagged ``small_sample``.
SMALL_SAMPLE_N = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Proportion:
    """A rate with its count and 95 % Wilson interval (NaN rate and bounds when n = 0)."""

    k: int
    n: int
    rate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Mean:
    """A sample mean with its n and 95 % t interval (NaN bounds when n < 2)."""

    n: int
    mean: float
    low: float
    high: float


def wilson(k: int, n: int) -> Proportion:
    """Return ``k / n`` with its 95 % Wilson score interval.

    Examples
    --------
    >>> p = wilson(8, 10)
    >>> round(p.rate, 2), round(p.low, 4), round(p.high, 4)
    (0.8, 0.4902, 0.9433)
    >>> wilson(0, 0).n
    0
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"expected 0 <= k <= n, was k={k}, n={n}")
    if n == 0:
        return Proportion(k=0, n=0, rate=math.nan, low=math.nan, high=math.nan)
    low, high = wilson_interval(k, n, CONFIDENCE)
    return Proportion(k=k, n=n, rate=k / n, low=low, high=high)


def binomial_p(k: int, n: int, p0: float) -> float:
    """Return the two-sided exact binomial p-value of ``k`` hits in ``n`` against rate ``p0``.

    NaN when n = 0 or ``p0`` is not a probability strictly inside (0, 1) (a degenerate baseline
    cannot be tested against).

    Examples
    --------
    >>> round(binomial_p(9, 10, 0.5), 4)
    0.0215
    """
    if n == 0 or not (0.0 < p0 < 1.0):
        return math.nan
    return float(stats.binomtest(k, n, p0, alternative="two-sided").pvalue)


def mean_interval(values: Sequence[float] | np.ndarray) -> Mean:
    """Return the mean of the finite ``values`` with its 95 % Student t interval.

    Examples
    --------
    >>> m = mean_interval([1.0, 2.0, 3.0])
    >>> m.n, m.mean, round(m.low, 4), round(m.high, 4)
    (3, 2.0, -0.4841, 4.4841)
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Mean(n=0, mean=math.nan, low=math.nan, high=math.nan)
    mean = float(x.mean())
    if n < 2:
        return Mean(n=n, mean=mean, low=math.nan, high=math.nan)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2.0, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return Mean(n=n, mean=mean, low=mean - half, high=mean + half)


def benjamini_hochberg(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values; NaN inputs stay NaN and are not counted.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, float("nan")]).round(4).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


def proportion_columns(
    prefix: str, ks: Sequence[int], ns: Sequence[int]
) -> dict[str, list[float] | list[int]]:
    """Return Wilson 95 % interval columns for ``ks`` hits out of ``ns``.

    Return ``{prefix}_n``, ``{prefix}_rate``, ``{prefix}_low``, ``{prefix}_high`` columns
    (Wilson 95 %) for cells with ``ks`` hits out of ``ns``.

    Examples
    --------
    >>> proportion_columns("hold", [8], [10])["hold_rate"]
    [0.8]
    """
    props = [wilson(int(k), int(n)) for k, n in zip(ks, ns, strict=True)]
    return {
        f"{prefix}_n": [p.n for p in props],
        f"{prefix}_rate": [p.rate for p in props],
        f"{prefix}_low": [p.low for p in props],
        f"{prefix}_high": [p.high for p in props],
    }


__all__ = [
    "CONFIDENCE",
    "SMALL_SAMPLE_N",
    "Mean",
    "Proportion",
    "benjamini_hochberg",
    "binomial_p",
    "mean_interval",
    "proportion_columns",
    "wilson",
]
