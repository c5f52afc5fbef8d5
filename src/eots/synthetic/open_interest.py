"""Synthetic open interest and traded volume per contract.

Open interest is a Poisson draw around an intensity with lognormal noise (heavy-tailed, with many
zero-OI far strikes)::

    oi_intensity = oi_scale * series_weight * profile(right, x) * roundness(K) * lognormal(oi_noise)

* ``x`` is the strike's distance from spot in standard deviations of a 20 % vol over the expiry
  (``strikes.RANGE_VOL``), negative below spot;
* ``profile`` puts most put OI one sd below spot and call OI a little above, so OTM puts and
  calls dominate: ``exp(-((x + 1) / 1.5)**2 / 2)`` for puts, ``exp(-((x - 0.7) / 1.0)**2 / 2)``
  for calls, both times ``exp(-1.5 d)`` for a strike ``d`` sd in the money;
* ``roundness`` favours round strikes: 6x on multiples of 20 base steps (100 SPX points), 3.5x on
  multiples of 10 (50), 2x on multiples of 5 (25);
* beyond one sd, a strike has no open interest at all with probability
  ``1 - exp(-((|x| - 1) / 2.5)**2)`` (listed but never traded);
* ``series_weight`` favours near expiries, ``(1 + t / 0.08)**-0.7``, and the big cycles: daily
  0.4, weekly 1, monthly 3, quarterly 4, LEAPS 5, and AM-settled series 1.5x their PM twins.

Volume for a whole session is a Poisson draw around
``volume_scale * (1 + days_to_expiry)**-1.5 * exp(-(x / 1.2)**2 / 2) * sqrt(roundness) * noise``
(0DTE heaviest), and the part traded by a given time follows a U-shaped intraday intensity (busy
open and close); it is zero before the open.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from eots.synthetic.expiries import ExpiryKind
from eots.synthetic.params import SyntheticParams

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

KIND_WEIGHT: dict[ExpiryKind, float] = {
    ExpiryKind.DAILY: 0.4,
    ExpiryKind.WEEKLY: 1.0,
    ExpiryKind.MONTHLY: 3.0,
    ExpiryKind.QUARTERLY: 4.0,
    ExpiryKind.LEAPS: 5.0,
}
AM_WEIGHT = 1.5
_TENOR_YEARS = 0.08
_TENOR_POWER = 0.7
_ROUNDNESS = ((20, 6.0), (10, 3.5), (5, 2.0))
_INTRADAY_U = 2.0
_ITM_DECAY = 1.5


def series_weight(kind: ExpiryKind, *, t: float, am: bool) -> float:
    """Return the relative open interest of a series of ``kind``, ``t`` years out.

    Examples
    --------
    >>> series_weight(ExpiryKind.MONTHLY, t=0.0, am=True)
    4.5
    """
    tenor = float(np.power(1.0 + t / _TENOR_YEARS, -_TENOR_POWER))
    return KIND_WEIGHT[kind] * tenor * (AM_WEIGHT if am else 1.0)


def roundness(strike: FloatArray, base: float) -> FloatArray:
    """Return the OI multiplier of each strike for being round (multiples of 5, 10, 20 ``base``).

    Examples
    --------
    >>> roundness(np.array([5000.0, 5050.0, 5025.0, 5005.0]), 5.0).tolist()
    [6.0, 3.5, 2.0, 1.0]
    """
    n = np.rint(strike / base).astype(np.int64)
    out = np.ones(len(strike))
    for mult, factor in reversed(_ROUNDNESS):
        out = np.where(n % mult == 0, factor, out)
    return out


def open_interest(
    params: SyntheticParams,
    rng: np.random.Generator,
    *,
    is_call: BoolArray,
    x: FloatArray,
    weight: FloatArray,
) -> IntArray:
    """Return each contract's open interest, contracts.

    Parameters
    ----------
    params
        Supplies ``oi_scale`` and ``oi_noise``.
    rng
        The random stream (consumed: three draws per contract).
    is_call
        True for calls.
    x
        Distance of the strike from spot in range standard deviations (negative below spot).
    weight
        ``series_weight(...) * roundness(...)`` of each contract.
    """
    itm = np.maximum(np.where(is_call, -x, x), 0.0)
    profile = np.where(
        is_call, np.exp(-0.5 * ((x - 0.7) / 1.0) ** 2), np.exp(-0.5 * ((x + 1.0) / 1.5) ** 2)
    ) * np.exp(-_ITM_DECAY * itm)
    noise = rng.lognormal(-0.5 * params.oi_noise**2, params.oi_noise, size=len(x))
    oi = rng.poisson(params.oi_scale * weight * profile * noise)
    p_empty = 1.0 - np.exp(-((np.maximum(np.abs(x) - 1.0, 0.0) / 2.5) ** 2))
    result: IntArray = np.where(rng.uniform(size=len(x)) < p_empty, 0, oi).astype(np.int64)
    return result


def session_volume(
    params: SyntheticParams,
    rng: np.random.Generator,
    *,
    x: FloatArray,
    days_to_expiry: FloatArray,
    round_factor: FloatArray,
) -> IntArray:
    """Return each contract's volume over a whole session, contracts (0DTE has days 0)."""
    noise = rng.lognormal(-0.5 * 0.8**2, 0.8, size=len(x))
    lam = (
        params.volume_scale
        * (1.0 + days_to_expiry) ** -1.5
        * np.exp(-0.5 * (x / 1.2) ** 2)
        * np.sqrt(round_factor)
        * noise
    )
    result: IntArray = rng.poisson(lam).astype(np.int64)
    return result


def traded_share(elapsed: float) -> float:
    """Return the share of a session's volume traded once ``elapsed`` (0..1) of it has passed.

    The intraday intensity is U-shaped, ``1 + 2 (2f - 1)**2``; the share is its normalised integral.

    Examples
    --------
    >>> traded_share(-0.1), traded_share(0.5), traded_share(1.0)
    (0.0, 0.5, 1.0)
    """
    f = min(max(elapsed, 0.0), 1.0)
    c = _INTRADAY_U
    return (f + c * ((2 * f - 1) ** 3 + 1) / 6) / (1 + c / 3)


__all__ = [
    "AM_WEIGHT",
    "KIND_WEIGHT",
    "open_interest",
    "roundness",
    "series_weight",
    "session_volume",
    "traded_share",
]
