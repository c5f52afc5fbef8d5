"""Zero gamma (the gamma flip): where dealers' net dollar gamma changes sign as spot moves.

Method (conventions.md section 4, the "profile" method): every live contract with open interest
and an IV is re-priced at hypothetical spot levels X, with its own IV and time to expiry and its
forward moved with spot (F_X = F * X / S). Its signed dollar gamma is

    GEX_i(X) = s_i * OI_i * m_i * 0.01 * exp(-q_i t_i) * n(d1_i(X)) * X / (sigma_i sqrt(t_i))
    d1_i(X)  = (ln X - c_i) / (sigma_i sqrt(t_i)),   c_i = ln K_i - ln(F_i / S) - sigma_i^2 t_i / 2

which is gamma_i(X) * X^2 * 0.01 per share times the signed position. The profile
P(X) = sum_i GEX_i(X) is evaluated on a grid over [S (1 - band), S (1 + band)]; every sign change
between grid points is refined with Brent's method on P itself. All crossings are reported, with
the one nearest spot; when P keeps one sign over the band the result says "no crossing within
+-band". Contracts whose |d1| exceeds ``negligible_d1`` over the whole band (their gamma is below
exp(-d1^2/2) of their peak) are left out of the sums; the default 9 keeps the error below 1e-17.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import brentq

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
#: Contracts priced at (near) zero volatility (the pricing stage's zero-time-value limit for deep
#: in-the-money mids) are left out of re-priced profiles: their gamma would be a spike at the
#: strike, an artefact of sigma -> 0, not dealer hedging.
MIN_PROFILE_IV = 1e-3


class ZeroGammaParams(BaseModel):
    """Search band and grid of the gamma profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    band_pct: float = Field(0.15, gt=0, lt=0.9, description="half-width of the band, fraction")
    grid_points: int = Field(61, ge=5, le=2001, description="profile grid size")
    negligible_d1: float = Field(9.0, gt=3, description="|d1| beyond which a contract is dropped")


@dataclass(frozen=True, slots=True)
class ProfileTerms:
    """Per-contract constants of the profile function (see the module formula)."""

    a: NDArray[np.float64]  # s * OI * m * 0.01 * exp(-q t) / (sigma sqrt(t) sqrt(2 pi))
    c: NDArray[np.float64]
    inv_vol: NDArray[np.float64]  # 1 / (sigma sqrt(t))

    def net_gex(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return P(X) in $ per 1 % move for an array of spot levels X."""
        # In-place on one (levels x contracts) buffer: temporaries would double the time.
        z = np.log(x)[:, None] - self.c[None, :]
        z *= self.inv_vol[None, :]
        z *= z
        z *= -0.5
        np.exp(z, out=z)
        out: NDArray[np.float64] = (z @ self.a) * x
        return out


@dataclass(frozen=True, slots=True)
class GammaProfile:
    """Net dealer GEX ($ per 1 % move) as a function of hypothetical spot."""

    spot: float
    levels: NDArray[np.float64]
    net_gex: NDArray[np.float64]
    terms: ProfileTerms
    n_contracts: int

    def to_frame(self) -> pl.DataFrame:
        """Return the curve as a frame (``spot_level``, ``net_gex_usd_per_pct``)."""
        return pl.DataFrame({"spot_level": self.levels, "net_gex_usd_per_pct": self.net_gex})


@dataclass(frozen=True, slots=True, kw_only=True)
class ZeroGamma:
    """The crossings of the gamma profile within the band."""

    crossings: tuple[float, ...]
    nearest: float | None
    band: tuple[float, float]
    net_gex_at_spot: float

    @property
    def found(self) -> bool:
        """Whether at least one crossing lies within the band."""
        return bool(self.crossings)

    def describe(self, spot: float) -> str:
        """Return a one-line human description."""
        if not self.crossings:
            pct = (self.band[1] / spot - 1.0) * 100.0
            return f"no crossing within +-{pct:.0f}% ({self.band[0]:.2f}..{self.band[1]:.2f})"
        assert self.nearest is not None
        others = [c for c in self.crossings if c != self.nearest]
        tail = f" (also {', '.join(f'{c:.2f}' for c in others)})" if others else ""
        return f"{self.nearest:.2f} ({(self.nearest / spot - 1) * 100:+.2f}% from spot){tail}"


def profile_terms(
    contracts: pl.DataFrame, spot: float, band: tuple[float, float], negligible_d1: float
) -> ProfileTerms:
    """Return the profile constants of the contracts that matter within ``band``.

    ``contracts`` needs ``exposure_ok``, ``open_interest``, ``multiplier``, ``dealer_sign``,
    ``strike``, ``iv``, ``t_years``, ``forward``, ``carry_q``.
    """
    f = contracts.filter(
        pl.col("exposure_ok") & (pl.col("open_interest") > 0) & (pl.col("iv") >= MIN_PROFILE_IV)
    ).select(
        sigma="iv",
        t="t_years",
        log_k=pl.col("strike").log(),
        log_fs=(pl.col("forward") / spot).log(),
        size=pl.col("dealer_sign")
        * pl.col("open_interest").cast(pl.Float64)
        * pl.col("multiplier")
        * (-pl.col("carry_q") * pl.col("t_years")).exp(),
    )
    sigma, t, log_k, log_fs, size = (f.get_column(n).to_numpy() for n in f.columns)
    vol = sigma * np.sqrt(t)
    inv_vol = 1.0 / vol
    c = log_k - log_fs - 0.5 * vol * vol
    weight = size * (0.01 * _INV_SQRT_2PI) * inv_vol
    z_lo = (np.log(band[0]) - c) * inv_vol
    z_hi = (np.log(band[1]) - c) * inv_vol
    matters = (np.sign(z_lo) != np.sign(z_hi)) | (
        np.minimum(np.abs(z_lo), np.abs(z_hi)) < negligible_d1
    )
    return ProfileTerms(a=weight[matters], c=c[matters], inv_vol=inv_vol[matters])


def gamma_profile(contracts: pl.DataFrame, spot: float, params: ZeroGammaParams) -> GammaProfile:
    """Return the net GEX profile over the band around ``spot``."""
    band = (spot * (1.0 - params.band_pct), spot * (1.0 + params.band_pct))
    terms = profile_terms(contracts, spot, band, params.negligible_d1)
    levels = np.linspace(band[0], band[1], params.grid_points)
    return GammaProfile(
        spot=spot,
        levels=levels,
        net_gex=terms.net_gex(levels),
        terms=terms,
        n_contracts=len(terms.a),
    )


def zero_gamma(profile: GammaProfile) -> ZeroGamma:
    """Return every zero crossing of ``profile`` within its band, refined by Brent's method.

    A grid point where the profile is exactly zero counts as a crossing when the sign differs on
    its two sides.
    """
    x, y = profile.levels, profile.net_gex
    sign = np.sign(y)
    crossings = [
        _refine(profile.terms, float(x[i]), float(x[i + 1]))
        for i in np.flatnonzero(sign[:-1] * sign[1:] < 0)
    ]
    crossings += [
        float(x[i])
        for i in np.flatnonzero(sign == 0)
        if 0 < i < len(x) - 1 and sign[i - 1] * sign[i + 1] < 0
    ]
    crossings.sort()
    spot = profile.spot
    nearest = min(crossings, key=lambda c: abs(c - spot)) if crossings else None
    at_spot = float(profile.terms.net_gex(np.array([spot]))[0])
    return ZeroGamma(
        crossings=tuple(crossings),
        nearest=nearest,
        band=(float(x[0]), float(x[-1])),
        net_gex_at_spot=at_spot,
    )


def _refine(terms: ProfileTerms, lo: float, hi: float) -> float:
    def f(v: float) -> float:
        return float(terms.net_gex(np.array([v]))[0])

    root: float = brentq(f, lo, hi, xtol=1e-10 * lo, rtol=1e-12, maxiter=100)
    return root
