"""Where today's implied volatility sits in its own recent history: IV rank and IV percentile.

Feeds VRI 2.0's adaptive IV thresholds and volatility-context weight, and D-TDPI's width scaling.
Both are fractions in [0, 1] (multiply by 100 for the usual "points"):

* IV rank ``= (iv_now - min) / (max - min)``, min and max over the window *including* ``iv_now``
  (so the rank is 0 at a new low and 1 at a new high);
* IV percentile ``= #{history < iv_now} / #history``: the share of the window's past observations
  strictly below ``iv_now`` (``history`` excludes the current observation).

Both return NaN when undefined (no history, or a window with a single distinct value for the
rank); the market context replaces NaN by the neutral 0.5 and flags it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _finite(history: Sequence[float]) -> np.ndarray:
    values = np.asarray(history, dtype=np.float64)
    return values[np.isfinite(values)]


def iv_rank(history: Sequence[float], current: float) -> float:
    """Return the rank of ``current`` in ``history`` plus itself, in [0, 1] (NaN if undefined).

    Examples
    --------
    >>> iv_rank([0.10, 0.20, 0.30], 0.25)
    0.75
    >>> iv_rank([0.10, 0.20], 0.35)  # a new high
    1.0
    """
    values = _finite(history)
    if values.size == 0 or not math.isfinite(current):
        return math.nan
    lo = min(float(values.min()), current)
    hi = max(float(values.max()), current)
    if hi <= lo:
        return math.nan
    return (current - lo) / (hi - lo)


def iv_percentile(history: Sequence[float], current: float) -> float:
    """Return the share of ``history`` strictly below ``current``, in [0, 1] (NaN if undefined).

    Examples
    --------
    >>> iv_percentile([0.10, 0.20, 0.30, 0.40], 0.25)
    0.5
    """
    values = _finite(history)
    if values.size == 0 or not math.isfinite(current):
        return math.nan
    return float(np.count_nonzero(values < current)) / float(values.size)


__all__ = ["iv_percentile", "iv_rank"]
