"""Scalar Black-Scholes-Merton reference written with the `math` module, one contract at a time.

Same model, arguments and units as `eots.greeks.black_scholes`: delta per $1, gamma per $1 per $1,
vega per vol point, theta per calendar day (-dV/dt / 365), rho per rate point at fixed q, vanna
per vol point, charm per calendar day (-d(delta)/dt / 365), vomma per vol point per vol point.
Formulas follow Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., §2.1 and §2.2,
with cost of carry b = r - q. Invalid inputs give NaN.
"""

from __future__ import annotations

import math

NAN = float("nan")


def _n(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _valid(s: float, k: float, t: float, sigma: float) -> bool:
    return all(v == v for v in (s, k, t, sigma)) and s > 0 and k > 0 and t > 0 and sigma > 0


def _d1_d2(s: float, k: float, t: float, sigma: float, r: float, q: float) -> tuple[float, float]:
    d1 = (math.log(s / k) + (r - q + sigma * sigma / 2.0) * t) / (sigma * math.sqrt(t))
    return d1, d1 - sigma * math.sqrt(t)


def price(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, d2 = _d1_d2(s, k, t, sigma, r, q)
    if is_call:
        return s * math.exp(-q * t) * _cdf(d1) - k * math.exp(-r * t) * _cdf(d2)
    return k * math.exp(-r * t) * _cdf(-d2) - s * math.exp(-q * t) * _cdf(-d1)


def delta(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, _ = _d1_d2(s, k, t, sigma, r, q)
    if is_call:
        return math.exp(-q * t) * _cdf(d1)
    return math.exp(-q * t) * (_cdf(d1) - 1.0)


def gamma(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, _ = _d1_d2(s, k, t, sigma, r, q)
    return math.exp(-q * t) * _n(d1) / (s * sigma * math.sqrt(t))


def vega(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, _ = _d1_d2(s, k, t, sigma, r, q)
    return s * math.exp(-q * t) * _n(d1) * math.sqrt(t) / 100.0


def theta(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, d2 = _d1_d2(s, k, t, sigma, r, q)
    decay = -s * math.exp(-q * t) * _n(d1) * sigma / (2.0 * math.sqrt(t))
    if is_call:
        per_year = decay + q * s * math.exp(-q * t) * _cdf(d1) - r * k * math.exp(-r * t) * _cdf(d2)
    else:
        per_year = (
            decay - q * s * math.exp(-q * t) * _cdf(-d1) + r * k * math.exp(-r * t) * _cdf(-d2)
        )
    return per_year / 365.0


def rho(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    _, d2 = _d1_d2(s, k, t, sigma, r, q)
    if is_call:
        return k * t * math.exp(-r * t) * _cdf(d2) / 100.0
    return -k * t * math.exp(-r * t) * _cdf(-d2) / 100.0


def vanna(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, d2 = _d1_d2(s, k, t, sigma, r, q)
    return -math.exp(-q * t) * _n(d1) * d2 / sigma / 100.0


def charm(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    """Haug's DdeltaDtime is d(delta)/dt with t the time to expiry; charm is minus it per day."""
    if not _valid(s, k, t, sigma):
        return NAN
    d1, d2 = _d1_d2(s, k, t, sigma, r, q)
    b = r - q
    common = math.exp(-q * t) * _n(d1) * (b / (sigma * math.sqrt(t)) - d2 / (2.0 * t))
    if is_call:
        ddelta_dt = -q * math.exp(-q * t) * _cdf(d1) + common
    else:
        ddelta_dt = q * math.exp(-q * t) * _cdf(-d1) + common
    return -ddelta_dt / 365.0


def vomma(is_call: bool, s: float, k: float, t: float, sigma: float, r: float, q: float) -> float:
    if not _valid(s, k, t, sigma):
        return NAN
    d1, d2 = _d1_d2(s, k, t, sigma, r, q)
    vega_raw = s * math.exp(-q * t) * _n(d1) * math.sqrt(t)
    return vega_raw * d1 * d2 / sigma / 1e4
