"""The one Wilson score interval every rate in eots is reported with (n and a 95 % interval).

Levels' evaluation, the learning rule, the replay evaluation, the simulator's truth checks and
the dashboard all call ``wilson_interval``: ``scipy.stats.binomtest(k, n).proportion_ci`` with the
Wilson method, NaN bounds when there is no observation.
"""

from __future__ import annotations

import functools
import math


@functools.lru_cache(maxsize=4096)
def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of ``k`` successes in ``n`` trials (NaN if n = 0).

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 5)
    >>> round(lo, 4), hi
    (0.5655, 1.0)
    >>> [round(x, 4) for x in wilson_interval(10, 20)]
    [0.2993, 0.7007]
    >>> wilson_interval(0, 0)
    (nan, nan)
    """
    if n <= 0:
        return math.nan, math.nan
    from scipy.stats import binomtest  # lazy: scipy.stats costs ~1 s of import

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


__all__ = ["wilson_interval"]
