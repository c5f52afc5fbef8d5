"""Generalized Black-Scholes-Merton prices and greeks, vectorised over contracts.

This module owns the pricing kernel of the greeks stage: European option values and their
sensitivities under Black-Scholes-Merton with a continuous carry yield. Every function takes NumPy
arrays (or scalars) that broadcast together and returns float64 arrays; `eots.greeks.black76` and
`eots.greeks.implied_vol` build on it, and the polars bridge (`eots.greeks.frame`) feeds it chain
columns.

Model and symbols (chain columns in brackets):

- ``s``: spot price of the underlying, $ [``spot``];
- ``k``: strike, $ [``strike``];
- ``t``: time to settlement in years, ACT/365 calendar time, must be > 0;
- ``sigma``: volatility, decimal per sqrt(year) (0.20 = 20 vol points);
- ``r``: continuously compounded riskless rate, decimal per year;
- ``q``: continuous carry (dividend) yield, decimal per year. The forward is
  ``f = s * exp((r - q) * t)``. For index options pass the yield implied by the parity forward,
  ``q = r - ln(f / s) / t``; Black-76 on a forward is the special case ``q = r``, ``s = f``.

With ``d1 = (ln(s/k) + (r - q + sigma**2/2) t) / (sigma sqrt(t))`` and ``d2 = d1 - sigma sqrt(t)``:
``call = s e^{-qt} N(d1) - k e^{-rt} N(d2)``, ``put = k e^{-rt} N(-d2) - s e^{-qt} N(-d1)``.

Units and signs of the greeks (all with respect to spot, at fixed spot; conventions.md §2):

- ``delta``: dV/ds, $ of option value per $1 of underlying;
- ``gamma``: d2V/ds2, delta per $1 of underlying (always >= 0);
- ``vega``: dV/dsigma * 0.01, $ per 1 vol point;
- ``theta``: dV/d(calendar time) / 365, $ per calendar day that passes (= -dV/dt / 365, usually
  negative for long options);
- ``rho``: dV/dr * 0.01 at fixed ``s`` and ``q``, $ per 1 rate point;
- ``vanna``: d(delta)/dsigma * 0.01, delta per vol point (equal for a call and a put);
- ``charm``: d(delta)/d(calendar time) / 365 = -d(delta)/dt / 365, the change of delta as one
  day passes;
- ``vomma``: d(vega)/dsigma * 0.01 with vega per vol point, i.e. d2V/dsigma2 * 1e-4, $ per vol
  point per vol point.

Invalid inputs (``t <= 0``, ``sigma <= 0``, ``s <= 0``, ``k <= 0`` or any NaN) yield NaN, never an
exception and never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eots.core.normal import ndtr

__all__ = [
    "Greeks",
    "charm",
    "delta",
    "gamma",
    "greeks",
    "price",
    "rho",
    "theta",
    "vanna",
    "vega",
    "vomma",
]

FloatArray: TypeAlias = NDArray[np.float64]

_INV_SQRT_2PI = 0.3989422804014327
_DAYS_PER_YEAR = 365.0
_POINT = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class Greeks:
    """Price and greeks of a batch of contracts; units as in the module docstring.

    Attributes
    ----------
    price : ndarray
        Option value, $ per unit of underlying.
    delta : ndarray
        $ per $1 of underlying.
    gamma : ndarray
        Delta per $1 of underlying.
    vega : ndarray
        $ per vol point.
    theta : ndarray
        $ per calendar day.
    rho : ndarray
        $ per rate point.
    vanna : ndarray
        Delta per vol point.
    charm : ndarray
        Delta per calendar day.
    vomma : ndarray
        Vega (per vol point) per vol point.
    """

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray
    vanna: FloatArray
    charm: FloatArray
    vomma: FloatArray


@dataclass(frozen=True, slots=True)
class _Terms:
    s: FloatArray
    k: FloatArray
    t: FloatArray
    sigma: FloatArray
    r: FloatArray
    q: FloatArray
    sqrt_t: FloatArray
    d1: FloatArray
    d2: FloatArray
    disc_q: FloatArray
    disc_r: FloatArray
    pdf_d1: FloatArray


def _terms(
    s: ArrayLike, k: ArrayLike, t: ArrayLike, sigma: ArrayLike, r: ArrayLike, q: ArrayLike
) -> _Terms:
    s_, k_, t_, sig_, r_, q_ = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (s, k, t, sigma, r, q))
    )
    # Invalid rows become NaN *before* any log/sqrt so they propagate without RuntimeWarnings.
    valid = (s_ > 0) & (k_ > 0) & (t_ > 0) & (sig_ > 0) & np.isfinite(r_) & np.isfinite(q_)
    if not valid.all():
        t_ = np.where(valid, t_, np.nan)
        sig_ = np.where(valid, sig_, np.nan)
        s_ = np.where(valid, s_, np.nan)
        k_ = np.where(valid, k_, np.nan)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        sqrt_t = np.sqrt(t_)
        vol_t = sig_ * sqrt_t
        d1 = (np.log(s_ / k_) + (r_ - q_ + 0.5 * sig_ * sig_) * t_) / vol_t
        d2 = d1 - vol_t
        pdf_d1 = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
        disc_q = np.exp(-q_ * t_)
        disc_r = np.exp(-r_ * t_)
    return _Terms(s_, k_, t_, sig_, r_, q_, sqrt_t, d1, d2, disc_q, disc_r, pdf_d1)


def _sign(is_call: ArrayLike) -> FloatArray:
    return np.where(np.asarray(is_call, dtype=bool), 1.0, -1.0)


def _price(theta_sign: FloatArray, m: _Terms) -> FloatArray:
    fwd_leg = m.s * m.disc_q * ndtr(theta_sign * m.d1)
    strike_leg = m.k * m.disc_r * ndtr(theta_sign * m.d2)
    result: FloatArray = theta_sign * (fwd_leg - strike_leg)
    return result


def _delta(theta_sign: FloatArray, m: _Terms) -> FloatArray:
    result: FloatArray = theta_sign * m.disc_q * ndtr(theta_sign * m.d1)
    return result


def _gamma(m: _Terms) -> FloatArray:
    result: FloatArray = m.disc_q * m.pdf_d1 / (m.s * m.sigma * m.sqrt_t)
    return result


def _vega_raw(m: _Terms) -> FloatArray:
    result: FloatArray = m.s * m.disc_q * m.pdf_d1 * m.sqrt_t
    return result


def _theta(theta_sign: FloatArray, m: _Terms) -> FloatArray:
    decay = -m.s * m.disc_q * m.pdf_d1 * m.sigma / (2.0 * m.sqrt_t)
    carry = theta_sign * (
        m.q * m.s * m.disc_q * ndtr(theta_sign * m.d1)
        - m.r * m.k * m.disc_r * ndtr(theta_sign * m.d2)
    )
    result: FloatArray = (decay + carry) / _DAYS_PER_YEAR
    return result


def _rho(theta_sign: FloatArray, m: _Terms) -> FloatArray:
    result: FloatArray = theta_sign * m.k * m.t * m.disc_r * ndtr(theta_sign * m.d2) * _POINT
    return result


def _vanna(m: _Terms) -> FloatArray:
    result: FloatArray = -m.disc_q * m.pdf_d1 * m.d2 / m.sigma * _POINT
    return result


def _charm(theta_sign: FloatArray, m: _Terms) -> FloatArray:
    # d(delta)/dt (t = time to expiry) = -q delta + e^{-qt} n(d1) dd1/dt; charm is minus it per day.
    dd1_dt = (2.0 * (m.r - m.q) * m.t - m.d2 * m.sigma * m.sqrt_t) / (
        2.0 * m.t * m.sigma * m.sqrt_t
    )
    ddelta_dt = -m.q * _delta(theta_sign, m) + m.disc_q * m.pdf_d1 * dd1_dt
    result: FloatArray = -ddelta_dt / _DAYS_PER_YEAR
    return result


def _vomma(m: _Terms) -> FloatArray:
    result: FloatArray = _vega_raw(m) * m.d1 * m.d2 / m.sigma * (_POINT * _POINT)
    return result


def price(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return the Black-Scholes-Merton value of European calls and puts.

    Parameters
    ----------
    is_call : array_like of bool
        True for a call, False for a put.
    s : array_like
        Spot price, $.
    k : array_like
        Strike, $.
    t : array_like
        Time to settlement, years (ACT/365); must be > 0.
    sigma : array_like
        Volatility, decimal per sqrt(year); must be > 0.
    r : array_like
        Riskless continuously compounded rate, decimal per year.
    q : array_like
        Continuous carry (dividend) yield, decimal per year.

    Returns
    -------
    ndarray of float64
        Option value in $ per unit of underlying; NaN where an input is invalid.

    Examples
    --------
    Hull's example (S=42, K=40, r=10%, sigma=20%, six months):

    >>> round(float(price(True, 42.0, 40.0, 0.5, 0.2, 0.1, 0.0)), 4)
    4.7594
    >>> round(float(price(False, 42.0, 40.0, 0.5, 0.2, 0.1, 0.0)), 4)
    0.8086
    """
    with np.errstate(all="ignore"):
        return _price(_sign(is_call), _terms(s, k, t, sigma, r, q))


def delta(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return delta, dV/ds: $ of option value per $1 of underlying.

    ``e^{-qt} N(d1)`` for a call, ``-e^{-qt} N(-d1)`` for a put. Parameters as in `price`.
    """
    with np.errstate(all="ignore"):
        return _delta(_sign(is_call), _terms(s, k, t, sigma, r, q))


def gamma(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return gamma, d2V/ds2: delta per $1 of underlying (same for calls and puts, >= 0).

    ``e^{-qt} n(d1) / (s sigma sqrt(t))``. Parameters as in `price`; ``is_call`` only fixes the
    output shape.
    """
    m = _terms(s, k, t, sigma, r, q)
    return np.broadcast_to(_gamma(m), np.broadcast_shapes(np.shape(is_call), m.s.shape)).copy()


def vega(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return vega, dV/dsigma * 0.01: $ per 1 vol point (same for calls and puts).

    ``s e^{-qt} n(d1) sqrt(t) / 100``. Parameters as in `price`.
    """
    m = _terms(s, k, t, sigma, r, q)
    shape = np.broadcast_shapes(np.shape(is_call), m.s.shape)
    return np.broadcast_to(_vega_raw(m) * _POINT, shape).copy()


def theta(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return theta: $ change of value as one calendar day passes (-dV/dt / 365).

    ``[-s e^{-qt} n(d1) sigma / (2 sqrt(t)) + w (q s e^{-qt} N(w d1) - r k e^{-rt} N(w d2))] / 365``
    with ``w = +1`` for calls and ``-1`` for puts; negative when the option loses value with time.
    Parameters as in `price`.
    """
    with np.errstate(all="ignore"):
        return _theta(_sign(is_call), _terms(s, k, t, sigma, r, q))


def rho(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return rho, dV/dr * 0.01 at fixed spot and carry yield: $ per 1 rate point.

    ``w k t e^{-rt} N(w d2) / 100`` (``w = +1`` call, ``-1`` put). Parameters as in `price`.
    """
    with np.errstate(all="ignore"):
        return _rho(_sign(is_call), _terms(s, k, t, sigma, r, q))


def vanna(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return vanna, d(delta)/dsigma * 0.01: delta per vol point (same for calls and puts).

    ``-e^{-qt} n(d1) d2 / sigma / 100``; equivalently d(vega per point)/ds. Parameters as in
    `price`.
    """
    m = _terms(s, k, t, sigma, r, q)
    return np.broadcast_to(_vanna(m), np.broadcast_shapes(np.shape(is_call), m.s.shape)).copy()


def charm(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return charm: change of delta as one calendar day passes (-d(delta)/dt / 365).

    ``[w q e^{-qt} N(w d1) - e^{-qt} n(d1) (2 (r-q) t - d2 sigma sqrt(t)) / (2 t sigma sqrt(t))]
    / 365`` with ``w = +1`` for calls and ``-1`` for puts. Parameters as in `price`.
    """
    with np.errstate(all="ignore"):
        return _charm(_sign(is_call), _terms(s, k, t, sigma, r, q))


def vomma(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> FloatArray:
    """Return vomma, d(vega per point)/dsigma * 0.01 = d2V/dsigma2 * 1e-4 (calls = puts).

    ``s e^{-qt} n(d1) sqrt(t) d1 d2 / sigma / 1e4``. Parameters as in `price`.
    """
    m = _terms(s, k, t, sigma, r, q)
    return np.broadcast_to(_vomma(m), np.broadcast_shapes(np.shape(is_call), m.s.shape)).copy()


def greeks(
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    sigma: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
) -> Greeks:
    """Return the price and all greeks at once, sharing d1, d2 and the discount factors.

    Parameters are as in `price`; units are those of the module docstring. Prefer this over the
    single-greek functions when more than one greek is needed (it is several times faster).

    Returns
    -------
    Greeks
        Frozen bundle of float64 arrays of the broadcast shape; NaN where an input is invalid.
    """
    m = _terms(s, k, t, sigma, r, q)
    w = _sign(is_call)
    shape = np.broadcast_shapes(w.shape, m.s.shape)
    w = np.broadcast_to(w, shape)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        cdf_d1 = ndtr(w * m.d1)
        cdf_d2 = ndtr(w * m.d2)
        fwd_leg = m.s * m.disc_q * cdf_d1
        strike_leg = m.k * m.disc_r * cdf_d2
        vega_raw = m.s * m.disc_q * m.pdf_d1 * m.sqrt_t
        vol_t = m.sigma * m.sqrt_t
        delta_ = w * m.disc_q * cdf_d1
        dd1_dt = (2.0 * (m.r - m.q) * m.t - m.d2 * vol_t) / (2.0 * m.t * vol_t)
        result = Greeks(
            price=w * (fwd_leg - strike_leg),
            delta=delta_,
            gamma=np.broadcast_to(m.disc_q * m.pdf_d1 / (m.s * vol_t), shape).copy(),
            vega=np.broadcast_to(vega_raw * _POINT, shape).copy(),
            theta=(-0.5 * vega_raw * m.sigma / m.t + w * (m.q * fwd_leg - m.r * strike_leg))
            / _DAYS_PER_YEAR,
            rho=w * strike_leg * m.t * _POINT,
            vanna=np.broadcast_to(-m.disc_q * m.pdf_d1 * m.d2 / m.sigma * _POINT, shape).copy(),
            charm=(m.q * delta_ - m.disc_q * m.pdf_d1 * dd1_dt) / _DAYS_PER_YEAR,
            vomma=np.broadcast_to(vega_raw * m.d1 * m.d2 / m.sigma * 1e-4, shape).copy(),
        )
    return result
