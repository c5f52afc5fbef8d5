"""Shared scales of the signals: stars, adaptive thresholds, weighted means.

* ``stars``: the one conviction ladder of conventions.md section 6 (strength >= 0.1, 0.3, 0.5,
  0.7, 0.9 gives 1..5 stars). Strengths live on 0..1.
* ``adaptive_threshold``: ``min(cap, max(floor, Q_q(|recent scores|)))`` once ``min_n`` recent
  finite scores exist, else ``floor``: a signal has to stand out from its own recent history to
  become final, and never needs more than ``cap``.
* ``weighted_mean``: sum(w x) / sum(w) over the finite x, None when no weight is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from eots.signals.params import STAR_THRESHOLDS

FloatArray = NDArray[np.float64]


def stars(strength: float, thresholds: Sequence[float] = STAR_THRESHOLDS) -> int:
    """Return 0..5 stars for a 0..1 strength.

    Examples
    --------
    >>> [stars(s) for s in (0.05, 0.1, 0.29, 0.5, 0.89, 0.9)]
    [0, 1, 1, 3, 4, 5]
    """
    return int(np.searchsorted(np.asarray(thresholds), strength, side="right"))


def adaptive_threshold(
    recent: FloatArray, *, floor: float, quantile: float, cap: float, min_n: int
) -> float:
    """Return the adaptive threshold of a score from its recent values (module docstring).

    Examples
    --------
    >>> adaptive_threshold(np.array([0.1, 0.2]), floor=0.3, quantile=0.7, cap=0.8, min_n=3)
    0.3
    >>> x = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    >>> round(adaptive_threshold(x, floor=0.3, quantile=0.5, cap=0.8, min_n=3), 6)
    0.6
    """
    finite = np.abs(recent[np.isfinite(recent)])
    if finite.size < min_n:
        return floor
    return float(min(cap, max(floor, float(np.quantile(finite, quantile)))))


def weighted_mean(values: FloatArray, weights: FloatArray) -> float | None:
    """Return the weighted mean of the finite values (None when no weight remains).

    Examples
    --------
    >>> weighted_mean(np.array([1.0, np.nan, -1.0]), np.array([3.0, 5.0, 1.0]))
    0.5
    """
    ok = np.isfinite(values) & (weights > 0)
    total = float(weights[ok].sum())
    if total <= 0.0:
        return None
    return float((weights[ok] * values[ok]).sum() / total)


def blend(parts: Sequence[tuple[float | None, float]]) -> float | None:
    """Return sum(w x) / sum(w) over the known parts ``(x, w)`` (None: nothing known).

    Examples
    --------
    >>> blend([(1.0, 0.5), (None, 0.3), (-1.0, 0.25)])
    0.3333333333333333
    """
    known = [(x, w) for x, w in parts if x is not None and w > 0]
    total = sum(w for _, w in known)
    if total <= 0:
        return None
    return sum(x * w for x, w in known) / total


def clip(x: float, lo: float, hi: float) -> float:
    """Return ``x`` limited to ``lo..hi``."""
    return min(hi, max(lo, x))


__all__ = ["adaptive_threshold", "blend", "clip", "stars", "weighted_mean"]
