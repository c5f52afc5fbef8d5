"""The dealers' gamma as the simulator knows it: net and gross dollar gamma around spot.

From the book's true dealer positions ``n_i = short_i - long_i`` (contracts, > 0 long) and each
contract's Black-Scholes-Merton gamma at hypothetical spots ``S_j`` (each contract at its own
implied vol and time to settlement, the vol held fixed as spot moves: sticky strike)::

    net(S_j)   = sum_i n_i   * gamma_i(S_j) * m * S_j**2 * 0.01      ($ per 1 % move)
    gross(S)   = sum_i |n_i| * gamma_i(S)   * m * S**2 * 0.01

The price path reads ``x(S) = clip(net(S) / gross(S0), -1, 1)``, the net gamma as a share of the
gross at the profile's centre ``S0``: > 0 where dealers are long gamma (their hedging sells
rallies and buys dips), < 0 where they are short gamma. The zero-gamma level is the crossing of
``net`` nearest ``S0``; the walls are the strikes with the largest and most negative net dealer
dollar gamma at ``S0`` (conventions.md section 4, with the true positions instead of a sign
convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.greeks import black_scholes as bs

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

MULTIPLIER = 100.0
_PCT = 0.01
_INV_SQRT_2PI = 0.3989422804014327


@dataclass(frozen=True, slots=True, kw_only=True)
class GammaProfile:
    """Dealer dollar gamma on a grid of spots (``$ per 1 % move``) and the levels it implies."""

    spot: float  # the centre S0, $
    grid: FloatArray  # spot levels, $, ascending
    net_usd_per_pct: FloatArray  # net dealer gamma at each grid spot
    gross_usd_per_pct: float  # gross dealer gamma at S0 (> 0 unless dealers hold nothing)
    zero_gamma: float  # crossing of net nearest S0, $; NaN when net keeps one sign
    call_wall: float  # strike with the largest net dealer gamma at S0, $; NaN when none > 0
    put_wall: float  # strike with the most negative net dealer gamma at S0, $; NaN when none < 0
    call_wall_share: float = 0.0  # the call wall strike's net dealer gamma at S0 / gross, >= 0
    put_wall_share: float = 0.0  # minus the put wall strike's net dealer gamma at S0 / gross, >= 0

    @property
    def share(self) -> FloatArray:
        """``x`` on the grid: net over gross at S0, clipped to [-1, 1] (0 when gross is 0)."""
        if self.gross_usd_per_pct <= 0:
            return np.zeros_like(self.grid)
        result: FloatArray = np.clip(self.net_usd_per_pct / self.gross_usd_per_pct, -1.0, 1.0)
        return result

    @property
    def peaks(self) -> tuple[float, float]:
        """The nearest local maxima of net dealer gamma (> 0) above and below S0, $; NaN if none.

        Where the feedback damps most: the levels the path is slowest to cross.
        """
        net = self.net_usd_per_pct
        inner = np.r_[False, (net[1:-1] > net[:-2]) & (net[1:-1] >= net[2:]), False] & (net > 0)
        above = self.grid[inner & (self.grid > self.spot)]
        below = self.grid[inner & (self.grid < self.spot)]
        nan = float("nan")
        return (
            float(above.min()) if len(above) else nan,
            float(below.max()) if len(below) else nan,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Positions:
    """The live contracts that carry a dealer position, with what pricing them needs."""

    strike: FloatArray  # $
    is_call: BoolArray
    t_years: FloatArray  # to settlement, > 0
    sigma: FloatArray  # implied vol, decimal
    dealer: FloatArray  # dealer net contracts (> 0 long)


def gamma_profile(
    positions: Positions, *, spot: float, band: float, points: int, rate: float, carry: float
) -> GammaProfile:
    """Return the dealers' gamma profile on ``points`` spots within ``spot * (1 +- band)``.

    Parameters
    ----------
    positions
        Contracts with a dealer position (settled contracts excluded by the caller).
    spot
        Centre of the grid, $.
    band
        Half-width of the grid, fraction of spot.
    points
        Number of grid spots (odd keeps ``spot`` on the grid).
    rate, carry
        Riskless rate and dividend yield, decimal per year.

    Examples
    --------
    One long call struck at spot: dealers (short the customer's long) are short gamma
    everywhere, so there is no crossing and no call wall; the put wall is the strike:

    >>> pos = Positions(strike=np.array([100.0]), is_call=np.array([True]),
    ...                 t_years=np.array([0.1]), sigma=np.array([0.2]), dealer=np.array([-1.0]))
    >>> p = gamma_profile(pos, spot=100.0, band=0.05, points=11, rate=0.0, carry=0.0)
    >>> bool(np.all(p.net_usd_per_pct < 0)), p.put_wall, bool(np.isnan(p.zero_gamma))
    (True, 100.0, True)
    >>> round(float(p.share[5]), 6)
    -1.0
    """
    grid = spot * np.linspace(1.0 - band, 1.0 + band, points)
    if len(positions.strike) == 0:
        zeros = np.zeros(points)
        nan = float("nan")
        return GammaProfile(
            spot=spot,
            grid=grid,
            net_usd_per_pct=zeros,
            gross_usd_per_pct=0.0,
            zero_gamma=nan,
            call_wall=nan,
            put_wall=nan,
        )
    g = grid_gamma(grid, positions, rate=rate, carry=carry)
    scale = MULTIPLIER * grid**2 * _PCT
    # einsum, not a BLAS product: no threads, the same sums in every process
    net = np.einsum("ij,j->i", g, positions.dealer) * scale
    g0 = bs.gamma(
        positions.is_call, spot, positions.strike, positions.t_years, positions.sigma, rate, carry
    )
    per_contract = positions.dealer * g0 * MULTIPLIER * spot**2 * _PCT
    gross = float(np.abs(per_contract).sum())
    (call_wall, call_share), (put_wall, put_share) = _walls(positions.strike, per_contract, gross)
    return GammaProfile(
        spot=spot,
        grid=grid,
        net_usd_per_pct=net,
        gross_usd_per_pct=gross,
        zero_gamma=_crossing(grid, net, spot),
        call_wall=call_wall,
        put_wall=put_wall,
        call_wall_share=call_share,
        put_wall_share=put_share,
    )


def grid_gamma(grid: FloatArray, positions: Positions, *, rate: float, carry: float) -> FloatArray:
    """Return Black-Scholes-Merton gamma (per $1 per $1) of each contract at each grid spot.

    The same value as `eots.greeks.black_scholes.gamma`, shape ``(len(grid), contracts)``, with
    the terms that do not depend on spot computed once per contract (the profile's hot loop).
    """
    vol_t = positions.sigma * np.sqrt(positions.t_years)
    shift = (rate - carry + 0.5 * positions.sigma**2) * positions.t_years - np.log(positions.strike)
    d1 = (np.log(grid)[:, None] + shift[None, :]) / vol_t[None, :]
    scale = np.exp(-carry * positions.t_years) / vol_t * _INV_SQRT_2PI
    result: FloatArray = np.exp(-0.5 * d1 * d1) * scale[None, :] / grid[:, None]
    return result


def _walls(
    strike: FloatArray, per_contract: FloatArray, gross: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    strikes, where = np.unique(strike, return_inverse=True)
    by_strike = np.bincount(where, weights=per_contract, minlength=len(strikes))
    hi, lo = int(np.argmax(by_strike)), int(np.argmin(by_strike))
    nan = float("nan")
    top, bottom = float(by_strike[hi]), float(by_strike[lo])
    call = (float(strikes[hi]), top / gross) if top > 0 else (nan, 0.0)
    put = (float(strikes[lo]), -bottom / gross) if bottom < 0 else (nan, 0.0)
    return call, put


def _crossing(grid: FloatArray, net: FloatArray, spot: float) -> float:
    sign = np.sign(net)
    idx = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    if len(idx) == 0:
        return float("nan")
    a, b = net[idx], net[idx + 1]
    roots = grid[idx] + (grid[idx + 1] - grid[idx]) * a / (a - b)
    return float(roots[np.argmin(np.abs(roots - spot))])


__all__ = ["MULTIPLIER", "GammaProfile", "Positions", "gamma_profile", "grid_gamma"]
