"""The volatility trigger: our documented definition (conventions.md section 4).

**Definition.** The zero gamma of a *skew-shifted* profile: the foundation's profile
(``zero_gamma``) re-prices every contract's gamma at hypothetical spot X with its own, fixed IV
(sticky strike); here each contract's IV instead moves with spot along its expiry's current
smile (sticky moneyness): at spot X = u * S the contract of strike K takes the IV that the smile
gives today to strike K / u (the same K / F, since the forward moves with spot). With a normal
put skew, as spot falls the ATM-and-above contracts take lower-strike (higher) IVs, gamma
spreads out and the flip moves; the difference between this flip and zero gamma is the vanna /
skew effect third parties attribute to the vendors' "Volatility Trigger" (field.md 1.1).

    GEX_i(X) = s_i OI_i m_i 0.01 exp(-q_i t_i) n(d1_i) X / (sigma_i(X) sqrt(t_i))
    d1_i     = (ln X - ln K_i + ln(F_i / S) + sigma_i(X)^2 t_i / 2) / (sigma_i(X) sqrt(t_i))
    sigma_i(X) = smile_e(K_i / u),  smile_e = IV against log-strike of expiry e (mean of the
                 call and put IV per strike), linearly interpolated, flat beyond its ends

The profile is evaluated on ``trigger_grid_points`` over the zero-gamma band; sign changes and
near-zero dips are refined as for zero gamma (``zero_gamma.grid_crossings``); the level is the
crossing nearest spot.

**Adaptive zone.** The trigger is reported as a zone ``VT +- h`` with
``h = trigger_zone_atr * ATR * iv_ratio`` (the context's current-to-average IV ratio, neutral 1):
the zone widens when volatility is high against its norm.

**Strength** (also for zero gamma): the profile's steepness at the crossing over its range,
``clip(|P'(x)| * ATR / max|P|, 0, 1)``: a flip the profile crosses steeply within one ATR is a
sharper regime boundary than a flat one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.levels.zero_gamma import MIN_PROFILE_IV, grid_crossings

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


@dataclass(frozen=True, slots=True)
class SkewProfile:
    """Per-contract constants of the skew-shifted profile, with every expiry's smile.

    The smiles are concatenated on one axis: expiry e's log-strikes are offset by ``off_e`` and
    each contract's query is clipped to its own smile's ends first (flat extrapolation), so one
    ``np.interp`` call serves every expiry.
    """

    spot: float
    a: NDArray[np.float64]  # s * OI * m * 0.01 * exp(-q t) / sqrt(2 pi)
    log_k: NDArray[np.float64]
    lfs: NDArray[np.float64]  # ln(F / S)
    sqrt_t: NDArray[np.float64]
    lo: NDArray[np.float64]  # smile ends (log-strike) of the contract's expiry
    hi: NDArray[np.float64]
    off: NDArray[np.float64]  # axis offset of the contract's expiry
    xs: NDArray[np.float64]  # concatenated, offset smile log-strikes
    ys: NDArray[np.float64]  # smile IVs

    def net_gex(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the profile (dollar GEX per 1 % move) at spot levels ``x``."""
        if self.a.size == 0:
            return np.zeros(np.shape(x))
        log_x = np.log(x)[:, None]
        query = np.clip(self.log_k[None, :] - (log_x - np.log(self.spot)), self.lo, self.hi)
        vol = np.interp(query + self.off, self.xs, self.ys) * self.sqrt_t
        d1 = (log_x - self.log_k + self.lfs) / vol + 0.5 * vol
        d1 *= d1
        d1 *= -0.5
        np.exp(d1, out=d1)
        d1 /= vol
        out: NDArray[np.float64] = (d1 @ self.a) * x
        return out


def skew_profile(
    contracts: pl.DataFrame, spot: float, band: tuple[float, float], negligible_d1: float = 9.0
) -> SkewProfile:
    """Return the skew-shifted profile constants of the live contracts with open interest.

    ``contracts`` needs the columns of ``zero_gamma.profile_terms`` plus ``expiry``. Contracts
    whose |d1| (at their own IV) exceeds ``negligible_d1`` + 3 over the whole band are left out.
    """
    live = contracts.filter(
        pl.col("exposure_ok") & pl.col("iv").is_finite() & (pl.col("iv") >= MIN_PROFILE_IV)
    ).sort("expiry", "strike")
    smiles = (
        live.group_by("expiry", "strike", maintain_order=True)
        .agg(pl.col("iv").mean())
        .with_columns(
            e=pl.col("expiry").rank("dense").cast(pl.Float64) * 100.0,
            x=pl.col("strike").log(),
        )
    )
    ends = smiles.group_by("expiry").agg(
        lo=pl.col("x").min(), hi=pl.col("x").max(), off=pl.col("e").first()
    )
    held = (
        live.filter(pl.col("open_interest") > 0)
        .join(ends, on="expiry", how="left")
        .select(
            "lo",
            "hi",
            "off",
            "iv",
            log_k=pl.col("strike").log(),
            lfs=(pl.col("forward") / spot).log(),
            sqrt_t=pl.col("t_years").sqrt(),
            a=pl.col("dealer_sign")
            * pl.col("open_interest").cast(pl.Float64)
            * pl.col("multiplier")
            * (-pl.col("carry_q") * pl.col("t_years")).exp()
            * (0.01 * _INV_SQRT_2PI),
        )
    )
    cols = {c: held.get_column(c).to_numpy() for c in held.columns}
    vol = cols["iv"] * cols["sqrt_t"]
    z_lo = (np.log(band[0]) - cols["log_k"] + cols["lfs"]) / vol
    z_hi = (np.log(band[1]) - cols["log_k"] + cols["lfs"]) / vol
    keep = (np.sign(z_lo) != np.sign(z_hi)) | (
        np.minimum(np.abs(z_lo), np.abs(z_hi)) < negligible_d1 + 3.0
    )
    keep &= cols["a"] != 0
    return SkewProfile(
        spot=spot,
        **{c: cols[c][keep] for c in ("a", "log_k", "lfs", "sqrt_t", "lo", "hi", "off")},
        xs=(smiles.get_column("x") + smiles.get_column("e")).to_numpy(),
        ys=smiles.get_column("iv").to_numpy(),
    )


def crossings(
    fn: Callable[[NDArray[np.float64]], NDArray[np.float64]], band: tuple[float, float], n: int
) -> tuple[float, ...]:
    """Return every crossing of ``fn`` over ``band``.

    An ``n``-point grid, Brent-refined sign
    changes and refined near-zero dips (``zero_gamma.grid_crossings``).
    """
    x = np.linspace(band[0], band[1], n)
    return grid_crossings(fn, x, fn(x))


def slope_strength(
    fn: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    root: float,
    scale: float,
    atr: float,
) -> float:
    """Return ``clip(|P'(root)| * atr / scale, 0, 1)`` (central difference, step 1e-4 * root)."""
    if scale <= 0 or not np.isfinite(atr):
        return 0.5
    h = 1e-4 * root
    y = fn(np.array([root - h, root + h]))
    slope = abs(float(y[1] - y[0])) / (2 * h)
    return float(min(1.0, slope * atr / scale))


__all__ = ["SkewProfile", "crossings", "skew_profile", "slope_strength"]
