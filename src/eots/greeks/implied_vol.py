"""Vectorised Black-Scholes-Merton implied volatility with an explicit failure status.

This module owns the inversion of `eots.greeks.black_scholes.price`: given option prices it
returns the volatility that reproduces them, for a whole chain at once, and a status code per
contract saying why a volatility could not be implied (conventions.md §2: an unsolvable contract
gets NaN and a reason, never 0). The greeks bridge calls it for contracts whose source IV is
missing or inconsistent.

Method. Every contract is reduced to an out-of-the-money call in Jäckel's normalised form
("By Implication", 2006; "Let's Be Rational", 2015): with forward ``f = s e^{(r-q)t}``, discount
``D = e^{-rt}``, ``x = -|ln(f/k)|`` and total volatility ``v = sigma sqrt(t)``, the normalised
price is ``b(x, v) = e^{x/2} N(x/v + v/2) - e^{-x/2} N(x/v - v/2)``, increasing in ``v`` from 0 to
``e^{x/2}``, convex below the inflection point ``v_c = sqrt(2|x|)`` and concave above it.
In-the-money quotes are turned into the out-of-the-money side with put-call parity on the forward
(undiscounted ``c - p = f - k``), which keeps the time value, the only part that carries
information, from being swamped by the intrinsic value. Starting values come from the
small-volatility asymptotic ``b ~ n(x/v) e^{-v^2/8} v^3 / x^2`` below the inflection point (capped
by the tangent at ``v_c``, an upper bound there by convexity) and from
``e^{x/2} N(-d1) + e^{-x/2} N(d2) ~ 2 cosh(x/2) N(-v/2)`` above it (exact at the money).
Halley steps are then taken on ``ln b`` below the inflection point and on ``-ln(e^{x/2} - b)``
above it (objectives that are close to linear in each region), inside a bracket that every
evaluation tightens; a step that leaves the bracket is replaced by bisection. Only the
unconverged contracts are carried to the next iteration. A contract has converged when the
volatility step is at most ``tol`` or the price is reproduced to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eots.core.normal import ndtr, ndtri

__all__ = ["IvResult", "IvStatus", "implied_vol", "reason"]

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]

_INV_SQRT_2PI = 0.3989422804014327
_LN_SQRT_2PI = 0.9189385332046728
# Relative slack of the bound checks: a time value within rounding of zero (parity subtracts the
# intrinsic value from the price) or a price within rounding of the upper bound is on the bound.
_BOUND_SLACK = 8.0 * np.finfo(np.float64).eps
# Relative price error at which further iterations cannot improve the answer.
_PRICE_RTOL = 1e-14
# Upper end of the total-volatility bracket (sigma sqrt(t)); far beyond any real option.
_V_MAX = 1e3


class IvStatus(IntEnum):
    """Outcome of the implied-volatility solve for one contract (stored as int8)."""

    OK = 0
    """Solved: ``iv`` reproduces the price."""
    NO_PRICE = 1
    """The price is NaN, infinite or not positive."""
    NON_POSITIVE_TIME = 2
    """Time to expiry is not positive (or NaN): the contract is expired."""
    BELOW_INTRINSIC = 3
    """The price is at or below the discounted intrinsic value: no time value to invert."""
    ABOVE_MAXIMUM = 4
    """The price is at or above the no-arbitrage bound (``s e^{-qt}`` call, ``k e^{-rt}`` put)."""
    NO_CONVERGENCE = 5
    """The solver did not converge within ``max_iter`` iterations."""
    INVALID_INPUT = 6
    """Spot or strike not positive, or spot, strike, rate or yield not finite."""


_REASONS: dict[IvStatus, str] = {
    IvStatus.OK: "solved",
    IvStatus.NO_PRICE: "no usable price (missing, infinite or not positive)",
    IvStatus.NON_POSITIVE_TIME: "time to expiry is not positive (expired contract)",
    IvStatus.BELOW_INTRINSIC: "price at or below the discounted intrinsic value (no time value)",
    IvStatus.ABOVE_MAXIMUM: "price at or above the no-arbitrage upper bound",
    IvStatus.NO_CONVERGENCE: "solver did not converge within the iteration limit",
    IvStatus.INVALID_INPUT: "invalid spot, strike, rate or carry yield",
}


def reason(code: int | IvStatus) -> str:
    """Return a human-readable explanation of an `IvStatus` code.

    Examples
    --------
    >>> reason(IvStatus.BELOW_INTRINSIC)
    'price at or below the discounted intrinsic value (no time value)'
    >>> reason(0)
    'solved'
    """
    return _REASONS[IvStatus(int(code))]


@dataclass(frozen=True, slots=True, kw_only=True)
class IvResult:
    """Implied volatilities and their status codes.

    Attributes
    ----------
    iv : ndarray of float64
        Implied volatility, decimal per sqrt(year); NaN wherever ``status != IvStatus.OK``.
    status : ndarray of int8
        `IvStatus` code per contract.
    """

    iv: FloatArray
    status: NDArray[np.int8]


def _initial_guess(
    x: FloatArray, beta: FloatArray, e_pos: FloatArray, e_neg: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    v_c = np.sqrt(-2.0 * x)
    # At the inflection point d1 = 0 and d2 = -v_c.
    b_c = 0.5 * e_pos - e_neg * ndtr(-v_c)
    upper = beta >= b_c
    v0 = np.empty_like(x)
    lo = v_c * upper
    hi = np.full_like(x, _V_MAX)

    # Above the inflection point: e^{x/2} - b ~ 2 cosh(x/2) N(-v/2), exact at the money.
    up = np.flatnonzero(upper)
    u_ratio = (e_pos[up] - beta[up]) / (e_pos[up] + e_neg[up])
    v0[up] = np.maximum(-2.0 * ndtri(np.minimum(u_ratio, 0.5)), v_c[up])

    # Below it: ln b ~ -x^2/(2v^2) - ln sqrt(2 pi) + 3 ln v - 2 ln|x| - v^2/8, by fixed point,
    # capped by the tangent at v_c, which crosses beta above the root because b is convex there.
    dn = np.flatnonzero(~upper)
    abs_x, beta_dn, v_c_dn = -x[dn], beta[dn], v_c[dn]
    log_beta = np.log(beta_dn)
    log_abs_x = np.log(abs_x)
    v_lo = abs_x / np.sqrt(-2.0 * log_beta)
    for _ in range(3):
        rhs = -log_beta - _LN_SQRT_2PI + 3.0 * np.log(v_lo) - 2.0 * log_abs_x
        v_lo = abs_x / np.sqrt(2.0 * np.maximum(rhs - 0.125 * v_lo * v_lo, 1e-12))
    v_tan = v_c_dn - (b_c[dn] - beta_dn) / (e_pos[dn] * _INV_SQRT_2PI)
    # v_tan <= 0 only when beta is far below b_c, where the asymptotic guess is good.
    v_tan = np.where(v_tan > 0, v_tan, v_c_dn)
    v0[dn] = np.minimum(v_lo, v_tan)
    hi[dn] = v_tan
    return v0, lo, hi, upper


def _solve_rows(
    x: FloatArray,
    beta: FloatArray,
    v_tol: FloatArray,
    bracket: tuple[FloatArray, FloatArray, FloatArray],
    upper: BoolArray,
    max_iter: int,
) -> tuple[FloatArray, BoolArray]:
    """Return total volatility and a converged mask, both branches in one loop.

    Lower branch (``side = +1``): Halley on g = ln b - ln beta. Upper branch (``side = -1``,
    ``upper``): on g = ln(e^{x/2} - beta) - ln(e^{x/2} - b), with e^{x/2} - b = e^{x/2} N(-d1)
    + e^{-x/2} N(d2) summed without cancellation. Both objectives increase with v. The branch
    enters every row's arithmetic only through multiplications by ``side = +-1`` (exact), so one
    loop over both gives each row the figures a loop over its branch alone would.
    """
    v, lo, hi = bracket
    n = x.shape[0]
    v_out = np.full(n, np.nan)
    converged = np.zeros(n, dtype=bool)
    side = np.where(upper, -1.0, 1.0)
    e_pos = np.exp(0.5 * x)
    e_neg = side * np.exp(-0.5 * x)
    up, dn = np.flatnonzero(upper), np.flatnonzero(~upper)
    log_target = np.empty(n)
    log_target[up] = np.log(e_pos[up] - beta[up])
    log_target[dn] = np.log(beta[dn])
    idx = np.arange(n)
    for _ in range(max_iter):
        if idx.size == 0:
            break
        d1 = x / v + 0.5 * v
        d2 = d1 - v
        value = e_pos * ndtr(side * d1) - e_neg * ndtr(d2)
        g1 = (_INV_SQRT_2PI * e_pos) * np.exp(-0.5 * d1 * d1) / value
        g = side * (np.log(value) - log_target)
        g2 = g1 * (d1 * d2 / v - side * g1)
        below = g < 0
        lo = np.maximum(lo, v * below)
        hi = np.minimum(hi, v + _V_MAX * below)
        newton = g / g1
        denom = 1.0 - 0.5 * newton * g2 / g1
        v_new = v - newton / denom
        # Rare cases (a step leaving the bracket, a weak Halley denominator, an exact hit) are
        # patched on their indices only: np.where over random masks costs more than the step.
        bad = ~((v_new >= lo) & (v_new <= hi) & (denom > 0.5))
        if bad.any():
            b = np.flatnonzero(bad)
            halving = np.minimum(0.5 * (lo[b] + hi[b]), 2.0 * v[b])
            plain = v[b] - newton[b]
            ok_plain = (plain >= lo[b]) & (plain <= hi[b])
            v_new[b] = np.where(ok_plain, plain, halving)
        exact = np.abs(g) <= _PRICE_RTOL
        if exact.any():
            e = np.flatnonzero(exact)
            v_new[e] = v[e]
        done = exact | (np.abs(v_new - v) <= v_tol)
        if done.any():
            fin = np.flatnonzero(done)
            v_out[idx[fin]] = v_new[fin]
            converged[idx[fin]] = True
            keep = np.flatnonzero(~done)
            idx, v_new, lo, hi, x, side = (
                idx[keep],
                v_new[keep],
                lo[keep],
                hi[keep],
                x[keep],
                side[keep],
            )
            e_pos, e_neg, log_target, v_tol = (
                e_pos[keep],
                e_neg[keep],
                log_target[keep],
                v_tol[keep],
            )
        v = v_new
    return v_out, converged


def _solve(
    x: FloatArray, beta: FloatArray, sqrt_t: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, BoolArray]:
    """Return total volatility v and a converged mask for normalised OTM calls."""
    e_pos = np.exp(0.5 * x)
    v0, lo, hi, upper = _initial_guess(x, beta, e_pos, np.exp(-0.5 * x))
    return _solve_rows(x, beta, tol * sqrt_t, (v0, lo, hi), upper, max_iter)


def implied_vol(
    price: ArrayLike,
    is_call: ArrayLike,
    s: ArrayLike,
    k: ArrayLike,
    t: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    *,
    tol: float = 1e-8,
    max_iter: int = 40,
) -> IvResult:
    """Return Black-Scholes-Merton implied volatilities and a status per contract.

    Parameters
    ----------
    price : array_like
        Option price (e.g. the mid), $ per unit of underlying.
    is_call : array_like of bool
        True for a call, False for a put.
    s : array_like
        Spot price, $.
    k : array_like
        Strike, $.
    t : array_like
        Time to settlement, years (ACT/365).
    r : array_like
        Riskless continuously compounded rate, decimal per year.
    q : array_like
        Continuous carry yield, decimal per year (for index options, the yield implied by the
        parity forward; see `eots.greeks.forward`).
    tol : float, default 1e-8
        Convergence tolerance on the volatility step, decimal volatility.
    max_iter : int, default 40
        Iteration limit; contracts still unsolved get ``IvStatus.NO_CONVERGENCE``.

    Returns
    -------
    IvResult
        ``iv`` in decimal per sqrt(year) (NaN unless solved) and the `IvStatus` codes.

    Examples
    --------
    >>> res = implied_vol(4.759422392871532, True, 42.0, 40.0, 0.5, 0.1, 0.0)
    >>> round(float(res.iv), 10), IvStatus(int(res.status))
    (0.2, <IvStatus.OK: 0>)
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (price, is_call, s, k, t, r, q))
    )
    p, call, s_, k_, t_, r_, q_ = (a.ravel() for a in arrays)
    shape = arrays[0].shape
    with np.errstate(all="ignore"):
        no_price = ~(np.isfinite(p) & (p > 0))
        bad_time = ~(t_ > 0)
        bad_input = ~(
            (s_ > 0) & (k_ > 0) & np.isfinite(s_) & np.isfinite(k_) & np.isfinite(r_)
        ) | ~np.isfinite(q_)
        disc = np.exp(-r_ * t_)
        fwd = s_ * np.exp((r_ - q_) * t_)
        w = np.where(call != 0, 1.0, -1.0)
        scale = np.sqrt(fwd * k_)
        x = -np.abs(np.log(fwd / k_))
        # Parity on the forward: the out-of-the-money twin has the same (normalised) time value.
        undiscounted = p / disc
        intrinsic = np.maximum(w * (fwd - k_), 0.0)
        beta = (undiscounted - intrinsic) / scale
        e_pos = np.exp(0.5 * x)
        below = beta <= _BOUND_SLACK * (undiscounted + intrinsic) / scale
        above = beta >= e_pos * (1.0 - _BOUND_SLACK)
        status = np.select(
            [no_price, bad_time, bad_input, below, above],
            [
                IvStatus.NO_PRICE,
                IvStatus.NON_POSITIVE_TIME,
                IvStatus.INVALID_INPUT,
                IvStatus.BELOW_INTRINSIC,
                IvStatus.ABOVE_MAXIMUM,
            ],
            default=IvStatus.OK,
        ).astype(np.int8)
        iv = np.full(p.shape, np.nan)
        todo = np.flatnonzero(status == IvStatus.OK)
        sqrt_t = np.sqrt(t_[todo])
        v, converged = _solve(x[todo], beta[todo], sqrt_t, tol, max_iter)
        iv[todo] = v / sqrt_t
    iv[todo[~converged]] = np.nan
    status[todo[~converged]] = IvStatus.NO_CONVERGENCE
    return IvResult(iv=iv.reshape(shape), status=status.reshape(shape))
