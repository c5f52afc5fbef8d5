"""Black-76 prices and greeks on the forward: a thin layer over `eots.greeks.black_scholes`.

Black-76 values a European option on a forward ``f`` settling at ``t`` with discount factor
``e^{-rt}``. It is generalized Black-Scholes-Merton with spot ``s = f`` and carry yield ``q = r``,
so every function here calls the shared kernel with those arguments. Greeks are with respect to
the forward, at fixed forward: delta per $1 of forward (``e^{-rt} N(d1)`` for a call), gamma per
$1 of forward per $1, vega per vol point, theta per calendar day, vanna per vol point, charm per
calendar day and vomma per vol point per vol point, exactly as in `eots.greeks.black_scholes`.
The one difference is rho: holding the forward fixed, only the discount factor depends on ``r``,
so ``rho = -t V / 100`` ($ per rate point). Index options (SPX, SPXW, XSP, NDX, RUT) are priced
this way per conventions.md §2; the pricing bridge passes the spot kernels the equivalent yield
``q = r - ln(f/s)/t`` so that greeks come out with respect to spot.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eots.greeks import black_scholes as _bs

__all__ = ["charm", "delta", "gamma", "greeks", "price", "rho", "theta", "vanna", "vega", "vomma"]

FloatArray: TypeAlias = NDArray[np.float64]


def price(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return the Black-76 value ``e^{-rt} (w f N(w d1) - w k N(w d2))``, $.

    Parameters
    ----------
    is_call : array_like of bool
        True for a call, False for a put (``w = +1`` / ``-1``).
    f : array_like
        Forward price to settlement, $.
    k : array_like
        Strike, $.
    t : array_like
        Time to settlement, years (ACT/365); must be > 0.
    sigma : array_like
        Volatility, decimal per sqrt(year); must be > 0.
    r : array_like
        Riskless continuously compounded rate used for discounting, decimal per year.

    Returns
    -------
    ndarray of float64
        Option value, $; NaN where an input is invalid.

    Examples
    --------
    At the money the call and the put are worth the same:

    >>> c = price(True, 100.0, 100.0, 1.0, 0.2, 0.05)
    >>> p = price(False, 100.0, 100.0, 1.0, 0.2, 0.05)
    >>> round(float(c), 6) == round(float(p), 6)
    True
    """
    return _bs.price(is_call, f, k, t, sigma, r, r)


def delta(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return dV/df, $ per $1 of forward: ``e^{-rt} N(d1)`` (call), ``-e^{-rt} N(-d1)`` (put)."""
    return _bs.delta(is_call, f, k, t, sigma, r, r)


def gamma(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return d2V/df2, delta per $1 of forward: ``e^{-rt} n(d1) / (f sigma sqrt(t))``."""
    return _bs.gamma(is_call, f, k, t, sigma, r, r)


def vega(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return dV/dsigma * 0.01, $ per vol point: ``e^{-rt} f n(d1) sqrt(t) / 100``."""
    return _bs.vega(is_call, f, k, t, sigma, r, r)


def theta(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return the value change as one calendar day passes at fixed forward, $ per day."""
    return _bs.theta(is_call, f, k, t, sigma, r, r)


def rho(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return dV/dr * 0.01 at fixed forward, $ per rate point: ``-t V / 100``."""
    with np.errstate(all="ignore"):
        result: FloatArray = -np.asarray(t, dtype=np.float64) * price(is_call, f, k, t, sigma, r)
    return result * 0.01


def vanna(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return d(delta)/dsigma * 0.01, forward delta per vol point."""
    return _bs.vanna(is_call, f, k, t, sigma, r, r)


def charm(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return the change of forward delta as one calendar day passes at fixed forward."""
    return _bs.charm(is_call, f, k, t, sigma, r, r)


def vomma(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> FloatArray:
    """Return d(vega per point)/dsigma * 0.01, $ per vol point per vol point."""
    return _bs.vomma(is_call, f, k, t, sigma, r, r)


def greeks(
    is_call: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike
) -> _bs.Greeks:
    """Return the price and all greeks with respect to the forward (rho at fixed forward)."""
    g = _bs.greeks(is_call, f, k, t, sigma, r, r)
    with np.errstate(all="ignore"):
        rho_f = -np.asarray(t, dtype=np.float64) * g.price * 0.01
    return _bs.Greeks(
        price=g.price,
        delta=g.delta,
        gamma=g.gamma,
        vega=g.vega,
        theta=g.theta,
        rho=np.broadcast_to(rho_f, g.price.shape).copy(),
        vanna=g.vanna,
        charm=g.charm,
        vomma=g.vomma,
    )
