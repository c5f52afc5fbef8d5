"""The listed strike grid of one synthetic expiry.

Strikes run from ``spot * exp(-put_range_sd * 0.2 * sqrt(t))`` to
``spot * exp(call_range_sd * 0.2 * sqrt(t))`` (exchanges list strikes by rule, so the range uses a
fixed 20 % vol rather than today's surface; ``t`` is floored at two days so 0DTE keeps a usable
range). The spacing widens in tiers with the log-distance from spot: the finest within 3 of those
standard deviations but at most 5 %, the next within 5 sd (at most 12 %), then 7 sd (at most 30 %),
the coarsest beyond; and with the tenor (the finest
tier is not listed past six months, the second past eighteen months). A strike of a coarse tier is
a multiple of that tier's step, so coarse strikes are the round ones.

Steps by spot: at or above $1000 (SPX, NDX, RUT) 5, 25, 50, 100 points; below (SPY, QQQ, single
names) $1, $1, $5, $5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from eots.synthetic.params import SyntheticParams

FloatArray = NDArray[np.float64]

RANGE_VOL = 0.20
MIN_RANGE_YEARS = 2.0 / 365.0
_TIER_SD = (3.0, 5.0, 7.0)
_TIER_CAP = (0.05, 0.12, 0.30)
_TIER_TENOR_YEARS = (0.5, 1.5)
_INDEX_LADDER = (5.0, (1, 5, 10, 20))
_EQUITY_LADDER = (1.0, (1, 1, 5, 5))


def strike_ladder(spot: float) -> tuple[float, tuple[int, ...]]:
    """Return the base strike step ($) and each tier's step as a multiple of it.

    Examples
    --------
    >>> strike_ladder(5000.0)
    (5.0, (1, 5, 10, 20))
    >>> strike_ladder(500.0)
    (1.0, (1, 1, 5, 5))
    """
    return _INDEX_LADDER if spot >= 1000.0 else _EQUITY_LADDER


def strike_grid(params: SyntheticParams, spot: float, t: float) -> FloatArray:
    """Return the ascending strikes ($) listed for an expiry ``t`` years away around ``spot``.

    Examples
    --------
    >>> k = strike_grid(SyntheticParams(), 5000.0, 1 / 365)
    >>> float(k[0]), float(k[-1]), bool(np.all(k[(k > 4800) & (k < 5200)] % 5 == 0))
    (4550.0, 5250.0, True)
    """
    base, tiers = strike_ladder(spot)
    sd = RANGE_VOL * np.sqrt(max(t, MIN_RANGE_YEARS))
    lo = int(np.ceil(spot * np.exp(-params.put_range_sd * sd) / base))
    hi = int(np.floor(spot * np.exp(params.call_range_sd * sd) / base))
    n = np.arange(max(lo, 1), hi + 1, dtype=np.int64)
    bounds = np.minimum(np.asarray(_TIER_SD) * sd, np.asarray(_TIER_CAP))
    tier = np.searchsorted(bounds, np.abs(np.log(n * base / spot)))
    tier = np.maximum(tier, int(np.searchsorted(np.asarray(_TIER_TENOR_YEARS), t)))
    step = np.asarray(tiers, dtype=np.int64)[tier]
    result: FloatArray = (n[n % step == 0] * base).astype(np.float64)
    return result


__all__ = ["MIN_RANGE_YEARS", "RANGE_VOL", "strike_grid", "strike_ladder"]
