"""The chain's own risk-neutral distribution at one expiry, and PoP / EV of a payoff under it.

Method (Breeden-Litzenberger on a fitted smile):

1. Take the expiry's out-of-the-money contracts with valid two-sided quotes, a usable IV and
   ``|delta| >= min_fit_delta`` (calls at or above the forward ``F``, puts below; far wings
   quoted at the minimum tick carry no information about the smile) and fit implied volatility
   against log-moneyness ``k = ln(K / F)`` with a cubic smoothing spline (FITPACK). Each quote's
   tolerance is the IV change that moves its price by half its bid-ask spread
   (``half_spread / (100 vega)``, clipped to ``iv_tolerance``), and the fit keeps the RMS of the
   residuals in those units at most ``fit_rms`` (1: the fitted smile reprices the quotes, in
   RMS, within half their bid-ask spreads).
   Beyond the quoted range the total variance ``sigma^2 t`` continues linearly with the fit's end
   slope (C1: no spurious point mass at the data's edges), the slope bounded by Lee's moment
   bounds (within [-2, 0] on the left, [0, 2] on the right).
2. On a uniform strike grid of ``grid_points`` spanning ``+-tail_sd`` standard deviations of
   ``ln S_T`` at the smile's highest fitted IV (so skewed wings are covered), price undiscounted
   calls ``c(K) = F N(d1) - K N(d2)`` (Black-76 at the fitted IV);
   the density is ``q(K) = c''(K)`` (central second differences), the mass of each grid cell
   ``q h``, and the tails outside the grid ``1 + c'(K_0)`` and ``-c'(K_n)``.
3. The density is checked: negative mass above ``max_negative_mass`` (butterfly arbitrage in the
   fit) means the fit is repeated with a looser tolerance (``smoothing_steps``: 1x, 2x, 4x the
   RMS target); still negative at the loosest, no density. Smaller negatives are clipped and
   the mass renormalised; ``Density.negative_mass`` reports what was clipped.

When the smile cannot be fitted (too few quotes, a failed or non-positive fit, arbitrage) the
result is ``NoDensity`` with the reason: never a lognormal guess.

``pop_ev``: probability of profit = the density's mass where the P&L is positive (exact CDF
differences between the payoff's breakevens, the CDF interpolated between cell edges); expected
value = ``e^{-rt} E_Q[value at expiry] - net``, i.e. net of the spread paid when ``net`` is the
executable price. Under the risk-neutral measure the fair (mid) EV is about 0, so EV mostly shows
what the spread costs; the empirical outcomes of the lifecycle will later complement it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from eots.greeks import black_scholes as bs
from eots.ideas.params import DensityRules

if TYPE_CHECKING:
    from scipy.interpolate import UnivariateSpline

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Density:
    """A discretised risk-neutral distribution of the underlying at one expiry.

    ``grid`` are cell centres ($), ``mass`` their probabilities; ``left_tail`` / ``right_tail``
    the mass below / above the grid; ``negative_mass`` what was clipped; ``n_quotes`` the quotes
    fitted; ``t_years`` and ``forward`` the expiry's.
    """

    forward: float
    t_years: float
    grid: FloatArray
    mass: FloatArray
    left_tail: float
    right_tail: float
    negative_mass: float
    n_quotes: int

    def cdf(self, x: FloatArray) -> FloatArray:
        """Return P(S_T <= x) for prices ``x`` (linear between cell edges)."""
        h = self.grid[1] - self.grid[0]
        edges = np.concatenate(([self.grid[0] - h / 2], self.grid + h / 2))
        cum = self.left_tail + np.concatenate(([0.0], np.cumsum(self.mass)))
        result: FloatArray = np.interp(x, edges, cum, left=0.0, right=1.0)
        return result

    def mean(self) -> float:
        """Return E_Q[S_T] over the grid (should be close to the forward)."""
        return float(self.mass @ self.grid / self.mass.sum())


@dataclass(frozen=True, slots=True, kw_only=True)
class NoDensity:
    """Why no density could be estimated at an expiry."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SmileQuotes:
    """Return one expiry's contracts with valid two-sided quotes.

    One expiry's contracts with valid two-sided quotes: strike ($), call flag, IV (decimal,
    NaN allowed), delta (per $1), vega ($ per vol point per share) and half the bid-ask spread
    ($ per share).
    """

    strike: FloatArray
    is_call: NDArray[np.bool_]
    iv: FloatArray
    delta: FloatArray
    vega: FloatArray
    half_spread: FloatArray


def risk_neutral_density(
    quotes: SmileQuotes, forward: float, t_years: float, rules: DensityRules
) -> Density | NoDensity:
    """Return the risk-neutral density of one expiry from its quotes' implied volatilities.

    Parameters
    ----------
    quotes
        The expiry's contracts with valid two-sided quotes.
    forward
        The expiry's forward, $.
    t_years
        Time to settlement, years (ACT/365).
    rules
        Grid, tails, fit and arbitrage tolerance.
    """
    if not (t_years > 0 and forward > 0):
        return NoDensity(reason=f"expiry has t={t_years:.6f} y and forward {forward}: no density")
    strike, iv = quotes.strike, quotes.iv
    otm = np.where(quotes.is_call, strike >= forward, strike < forward)
    informative = np.abs(quotes.delta) >= rules.min_fit_delta
    ok = otm & informative & np.isfinite(iv) & (iv > 0) & (strike > 0)
    x_all = np.log(strike[ok] / forward)
    x, inverse = np.unique(x_all, return_inverse=True)
    if len(x) < rules.min_points:
        return NoDensity(
            reason=(
                f"only {len(x)} informative out-of-the-money quotes at this expiry (need "
                f"{rules.min_points}) to fit the smile"
            )
        )
    counts = np.bincount(inverse)
    y = np.bincount(inverse, weights=iv[ok]) / counts
    with np.errstate(divide="ignore", invalid="ignore"):
        tol_all = quotes.half_spread[ok] / (100.0 * quotes.vega[ok])
    tol_all = np.clip(np.nan_to_num(tol_all, nan=rules.iv_tolerance[1]), *rules.iv_tolerance)
    tol = np.bincount(inverse, weights=tol_all) / counts
    negative = math.inf
    for factor in rules.smoothing_steps:
        fitted = _fit(x, y, tol, len(x) * (rules.fit_rms * factor) ** 2, forward, t_years, rules)
        if isinstance(fitted, NoDensity):
            return fitted
        k, c, negative = fitted
        if negative <= rules.max_negative_mass:
            break
    else:
        return NoDensity(
            reason=(
                f"fitted smile admits butterfly arbitrage (negative density mass {negative:.3f} "
                f"> {rules.max_negative_mass} even at {rules.smoothing_steps[-1]:g}x the fit "
                "tolerance)"
            )
        )
    h = float(k[1] - k[0])
    raw = (c[2:] - 2.0 * c[1:-1] + c[:-2]) / h
    left = float(np.clip(1.0 + (c[1] - c[0]) / h, 0.0, 1.0))
    right = float(np.clip(-(c[-1] - c[-2]) / h, 0.0, 1.0))
    mass = np.clip(raw, 0.0, None)
    total = float(mass.sum())
    if total <= 0:
        return NoDensity(reason="density has no mass on the grid")
    mass *= max(1.0 - left - right, 0.0) / total
    return Density(
        forward=forward,
        t_years=t_years,
        grid=k[1:-1],
        mass=mass,
        left_tail=left,
        right_tail=right,
        negative_mass=negative,
        n_quotes=len(x),
    )


def _fit(  # noqa: PLR0913  (the smile's arrays and the expiry's scalars, private)
    x: FloatArray,
    y: FloatArray,
    tol: FloatArray,
    smoothing: float,
    forward: float,
    t_years: float,
    rules: DensityRules,
) -> tuple[FloatArray, FloatArray, float] | NoDensity:
    """Fit the smile and price the grid: (strikes, undiscounted calls, negative mass)."""
    from scipy.interpolate import UnivariateSpline  # lazy: ~150 ms of import (with optimize)

    try:
        spline = UnivariateSpline(x, y, w=1.0 / tol, k=3, s=smoothing)
    except ValueError as e:
        return NoDensity(reason=f"smile fit failed: {e}")
    top = float(np.max(spline(x)))
    if not (math.isfinite(top) and top > 0):
        return NoDensity(reason=f"fitted smile peaks at {top}: not positive")
    sd = top * math.sqrt(t_years)
    lo = forward * math.exp(-rules.tail_sd * sd)
    hi = forward * math.exp(rules.tail_sd * sd)
    k = np.linspace(lo, hi, rules.grid_points + 2)
    vol = _smile(spline, np.log(k / forward), x[0], x[-1], t_years)
    if not np.all(np.isfinite(vol) & (vol > 0)):
        return NoDensity(reason="fitted smile is not positive over the grid")
    c = bs.price(True, forward, k, t_years, vol, 0.0, 0.0)
    h = float(k[1] - k[0])
    raw = (c[2:] - 2.0 * c[1:-1] + c[:-2]) / h
    return k, c, float(-raw[raw < 0].sum())


def _smile(
    spline: UnivariateSpline, k: FloatArray, lo: float, hi: float, t_years: float
) -> FloatArray:
    """Return the fitted IV, extrapolated linearly in total variance.

    Fitted IV inside [lo, hi]; beyond, total variance continues linearly with the end slope
    (C1, so no spurious point mass at the data's edges), its slope bounded to [-2, 0] on the
    left and [0, 2] on the right (Lee's moment bounds).
    """
    inside = spline(np.clip(k, lo, hi))
    out: FloatArray = np.asarray(inside, dtype=np.float64)
    for edge, side, bound in ((lo, k < lo, (-2.0, 0.0)), (hi, k > hi, (0.0, 2.0))):
        if not side.any():
            continue
        sig = float(spline(edge))
        slope = float(np.clip(2.0 * sig * float(spline.derivative()(edge)) * t_years, *bound))
        w = sig * sig * t_years + slope * (k[side] - edge)
        out[side] = np.sqrt(np.maximum(w, 0.0) / t_years)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PopEv:
    """Probability of profit and expected value ($, one unit, net of the price paid)."""

    pop: float
    ev: float


def pop_ev(
    density: Density,
    value: Callable[[FloatArray], FloatArray],
    net: float,
    breakevens: tuple[float, ...],
    discount: float,
) -> PopEv:
    """Return PoP and EV of a payoff under ``density``.

    Parameters
    ----------
    density
        The distribution at the payoff's expiry.
    value
        The structure's value at that expiry ($, one unit) for an array of prices.
    net
        The entry price paid ($; credit < 0).
    breakevens
        Zeros of ``value - net`` (the profit region's edges).
    discount
        ``e^{-rt}`` to that expiry (the EV is a present value).
    """
    edges = np.array([0.0, *breakevens, math.inf])
    probe = np.where(np.isinf(edges[1:]), edges[:-1] * 1.01 + 1.0, (edges[:-1] + edges[1:]) / 2.0)
    profitable = value(probe) - net > 0
    cdf = density.cdf(np.where(np.isinf(edges), np.inf, edges))
    pop = float(np.sum((cdf[1:] - cdf[:-1])[profitable]))
    pnl_grid = value(density.grid) - net
    tails = density.left_tail * pnl_grid[0] + density.right_tail * pnl_grid[-1]
    expected_value = float(density.mass @ pnl_grid + tails)
    ev = discount * (expected_value + net) - net
    return PopEv(pop=min(max(pop, 0.0), 1.0), ev=ev)
