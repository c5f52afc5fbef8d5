"""The synthetic implied-volatility surface: SSVI with a decaying ATM term structure.

Total implied variance at log-moneyness ``k = ln(K / F)`` (``F`` the forward) and time ``t``
(years, ACT/365) is Gatheral & Jacquier's surface SVI (2014)::

    sigma_atm(t) = atm_vol + short_term_vol_shift * exp(-t / term_decay_years)
    theta(t)     = sigma_atm(t)**2 * t                       (ATM total variance)
    phi(theta)   = eta / (theta**gamma * (1 + theta)**(1 - gamma))
    w(k, t)      = theta / 2 * (1 + rho phi k + sqrt((phi k + rho)**2 + 1 - rho**2))
    sigma(k, t)  = sqrt(w / t)

with ``rho = skew`` (put skew when negative), ``eta = smile_curvature`` and
``gamma = skew_term_power``. With ``0 < gamma <= 1/2``, ``eta (1 + |rho|) <= 2`` and ``theta``
increasing (all enforced by `SyntheticParams`), the surface is free of calendar and butterfly
arbitrage; the wings grow linearly in ``|k|`` (Lee's bound) and the ATM skew steepens like
``t**-gamma`` for short expiries, as SPX's does. The surface is sticky-moneyness: it moves with
the forward, so the intraday generator can reuse it as spot walks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eots.synthetic.params import SyntheticParams

FloatArray = NDArray[np.float64]


def atm_vol(params: SyntheticParams, t: ArrayLike) -> FloatArray:
    """Return the ATM-forward implied vol at times ``t`` (years), decimal.

    Examples
    --------
    >>> p = SyntheticParams(atm_vol=0.15, short_term_vol_shift=-0.02, term_decay_years=0.25)
    >>> round(float(atm_vol(p, 0.0)), 4), round(float(atm_vol(p, 10.0)), 4)
    (0.13, 0.15)
    """
    t_ = np.asarray(t, dtype=np.float64)
    decay = np.exp(-t_ / params.term_decay_years)
    result: FloatArray = params.atm_vol + params.short_term_vol_shift * decay
    return result


def total_variance(params: SyntheticParams, k: ArrayLike, t: ArrayLike) -> FloatArray:
    """Return the SSVI total implied variance ``w(k, t) = sigma**2 t`` (years x vol**2).

    Parameters
    ----------
    params
        Surface parameters.
    k
        Log-moneyness ``ln(K / F)`` against the forward of the same expiry.
    t
        Time to settlement, years (> 0).
    """
    k_, t_ = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(t, dtype=np.float64))
    theta = atm_vol(params, t_) ** 2 * t_
    g = params.skew_term_power
    phi = params.smile_curvature / (theta**g * (1.0 + theta) ** (1.0 - g))
    rho = params.skew
    result: FloatArray = (
        theta / 2.0 * (1.0 + rho * phi * k_ + np.sqrt((phi * k_ + rho) ** 2 + 1.0 - rho**2))
    )
    return result


def implied_vol(params: SyntheticParams, k: ArrayLike, t: ArrayLike) -> FloatArray:
    """Return the surface's implied vol at log-moneyness ``k = ln(K / F)`` and time ``t``, decimal.

    Examples
    --------
    >>> p = SyntheticParams()
    >>> put, call = implied_vol(p, [-0.1, 0.1], 30 / 365)
    >>> bool(put > call)
    True
    """
    t_ = np.asarray(t, dtype=np.float64)
    result: FloatArray = np.sqrt(total_variance(params, k, t_) / t_)
    return result


__all__ = ["atm_vol", "implied_vol", "total_variance"]
