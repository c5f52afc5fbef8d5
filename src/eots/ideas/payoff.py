"""Payoff of a structure: value on a price grid, exact extremes and breakevens, net greeks.

Values are in $ for one unit of the structure (each leg's signed quantity x multiplier). At a
single expiry the payoff is piecewise linear in the underlying price ``S`` with kinks at the
strikes, so the profit and loss ``P(S) = value(S) - net`` (``net``: the debit paid, negative for
a credit) is known exactly from its values at ``S = 0`` and at the strikes plus the slope of the
right tail (the sum of the calls' quantities x multipliers): max profit / max loss are the
extremes of those points (``inf`` when the right tail rises / falls), breakevens the zeros of the
linear pieces.

Structures with legs of different expiries (calendars, diagonals) are valued at the **first**
expiry: the near legs at intrinsic value, the later legs by Black-Scholes-Merton at their own IV
and carry with the time left (sticky strike). That payoff is smooth, so extremes and breakevens are
found numerically on spot x e^(-1)..e^(+1) (1201 points plus the strikes, then each sign change
on a 257-point sub-grid, linear in between;
beyond that span a calendar's value drifts only by carry); ``exact`` says which.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.core.time import SECONDS_PER_YEAR
from eots.core.types import OptionRight
from eots.greeks import black_scholes as bs
from eots.ideas.model import Greeks, Leg

FloatArray = NDArray[np.float64]
#: Multi-expiry structures: extremes and breakevens searched over spot x exp(+-_SPAN).
_SPAN = 1.0
_POINTS = 1201
_REFINE = 257


@dataclass(frozen=True, slots=True)
class LegArrays:
    """The legs as arrays: strike, call flag, signed quantity x multiplier, IV, carry, settle."""

    strike: FloatArray
    is_call: NDArray[np.bool_]
    units: FloatArray
    iv: FloatArray
    carry_q: FloatArray
    settle_s: FloatArray  # settlement instants, seconds since the epoch


def leg_arrays(legs: tuple[Leg, ...]) -> LegArrays:
    """Return the legs of a structure as arrays."""
    return LegArrays(
        strike=np.array([g.strike for g in legs], dtype=np.float64),
        is_call=np.array([g.right is OptionRight.CALL for g in legs], dtype=bool),
        units=np.array([g.quantity * g.multiplier for g in legs], dtype=np.float64),
        iv=np.array([g.iv for g in legs], dtype=np.float64),
        carry_q=np.array([g.carry_q for g in legs], dtype=np.float64),
        settle_s=np.array([g.expiry_ts.timestamp() for g in legs], dtype=np.float64),
    )


def value_at(legs: tuple[Leg, ...], prices: FloatArray, at: dt.datetime, rate: float) -> FloatArray:
    """Return the structure's value ($, one unit) for each underlying price at instant ``at``.

    Legs settled at or before ``at`` count at intrinsic value; the others by Black-Scholes-Merton
    at their IV and carry with the time left (ACT/365).
    """
    a = leg_arrays(legs)
    s = np.asarray(prices, dtype=np.float64)[:, None]
    t = (a.settle_s - at.timestamp()) / SECONDS_PER_YEAR
    intrinsic = np.where(a.is_call, np.maximum(s - a.strike, 0.0), np.maximum(a.strike - s, 0.0))
    live = t > 0
    if live.any():
        model = bs.price(a.is_call, s, a.strike, np.where(live, t, 1.0), a.iv, rate, a.carry_q)
        per_leg = np.where(live, model, intrinsic)
    else:
        per_leg = intrinsic
    result: FloatArray = per_leg @ a.units
    return result


def first_expiry(legs: tuple[Leg, ...]) -> dt.datetime:
    """Return the earliest settlement instant among the legs."""
    return min(g.expiry_ts for g in legs)


def expiry_value(legs: tuple[Leg, ...], prices: FloatArray, rate: float) -> FloatArray:
    """Return the value at the first expiry ($, one unit) for each underlying price."""
    return value_at(legs, prices, first_expiry(legs), rate)


def single_expiry(legs: tuple[Leg, ...]) -> bool:
    """Return whether every leg settles at the same instant."""
    return len({g.expiry_ts for g in legs}) == 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoffSummary:
    """Extremes and breakevens of the P&L at the first expiry ($, one unit).

    ``max_loss`` is a positive amount lost (``inf`` when unbounded); ``exact`` is True when they
    come from the kinks (one expiry), False when from the numerical search (several expiries).
    """

    max_profit: float
    max_loss: float
    breakevens: tuple[float, ...]
    exact: bool


def payoff_summary(legs: tuple[Leg, ...], net: float, rate: float, spot: float) -> PayoffSummary:
    """Return max profit, max loss and breakevens of the structure entered at ``net`` ($).

    Parameters
    ----------
    legs
        The structure.
    net
        Entry price of one unit, $ (debit > 0, credit < 0).
    rate
        Riskless rate for later legs (calendars), continuous decimal.
    spot
        Current spot, $ (scales the numerical search of multi-expiry structures).
    """
    if single_expiry(legs):
        return _exact_summary(leg_arrays(legs), net)
    return _numeric_summary(legs, net, rate, spot)


def _exact_summary(a: LegArrays, net: float) -> PayoffSummary:
    kinks = np.unique(np.concatenate(([0.0], a.strike)))
    pnl = _intrinsic_value(a, kinks) - net
    right_slope = float(a.units[a.is_call].sum())
    top = math.inf if right_slope > 0 else float(pnl.max())
    bottom = -math.inf if right_slope < 0 else float(pnl.min())
    return PayoffSummary(
        max_profit=top,
        max_loss=-bottom,
        breakevens=_piecewise_zeros(kinks, pnl, right_slope),
        exact=True,
    )


def _intrinsic_value(a: LegArrays, prices: FloatArray) -> FloatArray:
    s = prices[:, None]
    intrinsic = np.where(a.is_call, np.maximum(s - a.strike, 0.0), np.maximum(a.strike - s, 0.0))
    result: FloatArray = intrinsic @ a.units
    return result


def _piecewise_zeros(x: FloatArray, y: FloatArray, right_slope: float) -> tuple[float, ...]:
    zeros: list[float] = [float(v) for v in x[y == 0.0]]
    y0, y1 = y[:-1], y[1:]
    cross = (y0 * y1) < 0
    x0, x1 = x[:-1][cross], x[1:][cross]
    zeros += [float(v) for v in x0 - y0[cross] * (x1 - x0) / (y1[cross] - y0[cross])]
    if right_slope != 0 and y[-1] * right_slope < 0:
        zeros.append(float(x[-1] - y[-1] / right_slope))
    return tuple(sorted(set(zeros)))


def _numeric_summary(legs: tuple[Leg, ...], net: float, rate: float, spot: float) -> PayoffSummary:
    at = first_expiry(legs)
    strikes = np.array([g.strike for g in legs])
    grid = np.union1d(spot * np.exp(np.linspace(-_SPAN, _SPAN, _POINTS)), strikes)
    pnl = value_at(legs, grid, at, rate) - net

    zeros = [float(v) for v in grid[pnl == 0.0]]
    idx = np.nonzero(pnl[:-1] * pnl[1:] < 0)[0]
    if len(idx):
        # Each bracket refined on a fine sub-grid at once, then linear interpolation.
        u = np.linspace(0.0, 1.0, _REFINE)
        fine = grid[idx, None] + (grid[idx + 1] - grid[idx])[:, None] * u
        y = (value_at(legs, fine.ravel(), at, rate) - net).reshape(fine.shape)
        j = np.argmax(y[:, :-1] * y[:, 1:] <= 0, axis=1)
        rows = np.arange(len(idx))
        x0, x1 = fine[rows, j], fine[rows, j + 1]
        y0, y1 = y[rows, j], y[rows, j + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            root = np.where(y1 != y0, x0 - y0 * (x1 - x0) / (y1 - y0), x0)
        zeros += [float(v) for v in root]
    return PayoffSummary(
        max_profit=float(pnl.max()),
        max_loss=float(-pnl.min()),
        breakevens=tuple(sorted(zeros)),
        exact=False,
    )


def net_greeks(legs: tuple[Leg, ...]) -> Greeks:
    """Return the structure's greeks for one unit: each leg's per-share greek x quantity x mult.

    Delta in shares, gamma in shares per $1, theta in $ per day, vega in $ per vol point.
    """
    units = np.array([g.quantity * g.multiplier for g in legs], dtype=np.float64)
    matrix = np.array([[g.delta, g.gamma, g.theta, g.vega] for g in legs], dtype=np.float64)
    d, gm, th, vg = (float(v) for v in units @ matrix)
    return Greeks(delta=d, gamma=gm, theta=th, vega=vg)
