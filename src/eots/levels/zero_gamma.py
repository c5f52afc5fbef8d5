"""Zero gamma (the gamma flip): where dealers' net dollar gamma changes sign as spot moves.

Method (conventions.md section 4, the "profile" method): every live contract with open interest
and an IV is re-priced at hypothetical spot levels X, with its own IV and time to expiry and its
forward moved with spot (F_X = F * X / S). Its signed dollar gamma is

    GEX_i(X) = s_i * OI_i * m_i * 0.01 * exp(-q_i t_i) * n(d1_i(X)) * X / (sigma_i sqrt(t_i))
    d1_i(X)  = (ln X - c_i) / (sigma_i sqrt(t_i)),   c_i = ln K_i - ln(F_i / S) - sigma_i^2 t_i / 2

which is gamma_i(X) * X^2 * 0.01 per share times the signed position. The profile
P(X) = sum_i GEX_i(X) is evaluated on a grid over [S (1 - band), S (1 + band)]; every sign change
between grid points is refined with Brent's method on P itself. A grid can miss two crossings that
fall between the same pair of points (P dips through zero and back): wherever |P| has a local
minimum on the grid (the profile comes close to zero without changing sign), the two intervals
around it are searched again on a finer grid (``refine_points``), recursively ``refine_depth``
times, when that minimum is below ``near_zero`` (10 %) of the largest |P| on the grid, so a close
pair of crossings is found down to a spacing of about ``2 * band * S / grid_points / (refine_points
/ 2) ** refine_depth``. All crossings are reported, with the one nearest spot; when P keeps one sign
over the band the result says "no crossing within +-band". Contracts whose |d1| exceeds
``negligible_d1`` over the whole band (their gamma is below exp(-d1^2/2) of their peak) are left out
of the sums; the default 9 keeps the error below 1e-17.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.roots import brent
from eots.levels.params import ZeroGammaParams

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
#: Contracts priced at (near) zero volatility (the pricing stage's zero-time-value limit for deep
#: in-the-money mids) are left out of re-priced profiles: their gamma would be a spike at the
#: strike, an artefact of sigma -> 0, not dealer hedging.
MIN_PROFILE_IV = 1e-3


#: Levels per block of ``ProfileTerms.net_gex`` (6 x 15k contracts: 0.7 MB, within a core's L2).
_BLOCK = 6


def _blocks(n: int, size: int) -> list[tuple[int, int]]:
    """Return ``[lo, hi)`` bounds of ``n`` rows in blocks of ``size``, none of a single row."""
    bounds = [*range(0, n, size), n]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        bounds.pop(-2)  # a trailing single row joins the block before it
    return list(itertools.pairwise(bounds))


@dataclass(frozen=True, slots=True)
class ProfileTerms:
    """Per-contract constants of the profile function (see the module formula)."""

    a: NDArray[np.float64]  # s * OI * m * 0.01 * exp(-q t) / (sigma sqrt(t) sqrt(2 pi))
    c: NDArray[np.float64]
    inv_vol: NDArray[np.float64]  # 1 / (sigma sqrt(t))

    def net_gex(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return P(X) in $ per 1 % move for an array of spot levels X.

        Evaluated ``_BLOCK`` levels at a time, so that the (levels x contracts) buffer stays in
        the core's cache (a 61-point grid on 15k contracts: 3.1 -> 2.1 ms). Every block has at
        least two levels: einsum's two-dimensional loop sums each level's row in the same order
        whatever the number of rows (the same floats as one call), while a single row takes its
        one-dimensional loop, whose sums differ in the last bits.
        """
        if x.size <= _BLOCK:
            return self._net_gex(x)
        out = np.empty(x.size)
        for lo, hi in _blocks(x.size, _BLOCK):
            out[lo:hi] = self._net_gex(x[lo:hi])
        return out

    def _net_gex(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        # In-place on one (levels x contracts) buffer: temporaries would double the time.
        z = np.log(x)[:, None] - self.c[None, :]
        z *= self.inv_vol[None, :]
        z *= z
        z *= -0.5
        np.exp(z, out=z)
        # einsum, not ``@``: a BLAS gemv spawns threads (6.5 ms instead of 4 us for one spot on
        # 20k contracts with OpenBLAS's default threads on 2 cores) and its sum order depends on
        # the thread count; einsum's loop is single-threaded and the same in every process.
        out: NDArray[np.float64] = np.einsum("ij,j->i", z, self.a) * x
        return out


@dataclass(frozen=True, slots=True)
class GammaProfile:
    """Net dealer GEX ($ per 1 % move) as a function of hypothetical spot."""

    spot: float
    levels: NDArray[np.float64]
    net_gex: NDArray[np.float64]
    terms: ProfileTerms
    n_contracts: int
    negligible_d1: float  # the |d1| cut the terms were built with (the vol trigger reuses it)

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


#: The exposure-frame columns ``profile_terms`` reads.
_TERM_INPUTS = (
    "exposure_ok",
    "open_interest",
    "multiplier",
    "dealer_sign",
    "strike",
    "iv",
    "t_years",
    "forward",
    "carry_q",
)


def profile_terms(
    contracts: pl.DataFrame, spot: float, band: tuple[float, float], negligible_d1: float
) -> ProfileTerms:
    """Return the profile constants of the contracts that matter within ``band``.

    ``contracts`` needs ``exposure_ok``, ``open_interest``, ``multiplier``, ``dealer_sign``,
    ``strike``, ``iv``, ``t_years``, ``forward``, ``carry_q``.
    """
    # NumPy on the columns (no frame is built): a missing column raises as a select would. A
    # null open interest or IV fails its test (NaN there), as the null fails polars' filter.
    col = {name: contracts.get_column(name) for name in _TERM_INPUTS}
    iv = col["iv"].to_numpy()
    oi = col["open_interest"].to_numpy()
    with np.errstate(invalid="ignore"):
        keep = col["exposure_ok"].fill_null(value=False).to_numpy() & (oi > 0)
        keep &= iv >= MIN_PROFILE_IV
    rows = np.flatnonzero(keep)
    sigma, t = iv[rows], col["t_years"].to_numpy()[rows]
    log_k = np.log(col["strike"].to_numpy()[rows])
    # ``forward * (1 / spot)``: the figures polars gives ``forward / spot`` (a column divided by
    # a scalar is multiplied by its reciprocal there), which these terms have always used.
    log_fs = np.log(col["forward"].to_numpy()[rows] * (1.0 / spot))
    size = (
        col["dealer_sign"].to_numpy()[rows]
        * oi[rows].astype(np.float64)
        * col["multiplier"].to_numpy()[rows]
        * np.exp(-col["carry_q"].to_numpy()[rows] * t)
    )
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
        negligible_d1=params.negligible_d1,
    )


Profile = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def grid_crossings(
    fn: Profile,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    refine_points: int = 17,
    refine_depth: int = 4,
    near_zero: float = 0.1,
) -> tuple[float, ...]:
    """Return every zero crossing of ``fn`` over the grid ``x`` (with ``y = fn(x)``).

    Sign changes between grid points are refined by Brent's method; around every interior local
    minimum of ``|y|`` below ``near_zero`` times ``max |y|`` without a sign change (the curve
    comes close to zero and may dip through it and back between two points) the two neighbouring
    intervals are searched again on ``refine_points`` points, recursively ``refine_depth``
    times. A grid point where ``y`` is exactly zero is a crossing (and, with the same sign on
    both sides, a dip to refine); an identically zero ``y`` has none.

    Examples
    --------
    >>> fn = lambda v: (v - 100.2) * (v - 100.5)
    >>> x = np.linspace(80.0, 120.0, 61)  # spacing 0.67: both roots lie between two points
    >>> [round(r, 6) for r in grid_crossings(fn, x, fn(x))]
    [100.2, 100.5]
    """
    out: list[float] = []
    floor = near_zero * float(np.max(np.abs(y))) if y.size else 0.0
    _collect(fn, x, y, refine_points, refine_depth, floor, out)
    out.sort()
    merged: list[float] = []
    for root in out:
        if not merged or root - merged[-1] > 1e-9 * max(abs(root), 1.0):
            merged.append(root)
    return tuple(merged)


def _collect(  # noqa: PLR0913  (a recursive refinement's grid, depth, floor and output)
    fn: Profile,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    points: int,
    depth: int,
    floor: float,
    out: list[float],
) -> None:
    sign = np.sign(y)
    if not sign.any():
        return  # identically zero: no crossing to speak of
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):
        root = _brent(fn, float(x[i]), float(x[i + 1]))
        if root is not None:
            out.append(root)
    out.extend(float(v) for v in x[sign == 0])
    if depth <= 0 or len(x) < 3:
        return
    a = np.abs(y)
    mid, left, right = a[1:-1], a[:-2], a[2:]
    same_side = sign[:-2] * sign[2:] > 0
    lower = ((mid < left) & (mid <= right)) | ((mid <= left) & (mid < right))
    lower &= mid <= floor
    dips = np.flatnonzero(same_side & ((mid == 0) | (lower & (sign[:-2] == sign[1:-1])))) + 1
    intervals = {int(j) for i in dips for j in (i - 1, i)}
    # A minimum at an end of the grid: the curve may dip through zero just inside it.
    if a[0] < a[1] and a[0] <= floor and sign[0] == sign[1]:
        intervals.add(0)
    if a[-1] < a[-2] and a[-1] <= floor and sign[-1] == sign[-2]:
        intervals.add(len(x) - 2)
    for j in sorted(intervals):
        sub_x = np.linspace(x[j], x[j + 1], points)
        # An end exactly at zero is recorded already; step just off it so that a crossing
        # next to it shows as a sign change in the finer grid.
        nudge = 1e-6 * (x[j + 1] - x[j])
        sub_x[0] += nudge if y[j] == 0 else 0.0
        sub_x[-1] -= nudge if y[j + 1] == 0 else 0.0
        _collect(fn, sub_x, fn(sub_x), points, depth - 1, floor, out)


def _brent(fn: Profile, lo: float, hi: float) -> float | None:
    """Return Brent's root in ``[lo, hi]``, or None.

    None when a one-point evaluation no longer brackets it: a grid value within rounding of
    zero, whose sign a separate evaluation does not reproduce.
    """

    def f(v: float) -> float:
        return float(fn(np.array([v]))[0])

    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0 or f_hi == 0.0:
        return lo if f_lo == 0.0 else hi
    if np.sign(f_lo) == np.sign(f_hi):
        return None
    known = {lo: f_lo, hi: f_hi}  # Brent starts by evaluating both ends again: the same floats

    def g(v: float) -> float:
        y = known.get(v)
        return f(v) if y is None else y

    return brent(g, lo, hi, xtol=1e-10 * lo, rtol=1e-12, maxiter=100)


def zero_gamma(profile: GammaProfile, params: ZeroGammaParams | None = None) -> ZeroGamma:
    """Return every zero crossing of ``profile`` within its band (``grid_crossings``).

    ``params`` gives the refinement around near-zero dips (defaults when None).
    """
    params = params or ZeroGammaParams()
    x = profile.levels
    crossings = list(
        grid_crossings(
            profile.terms.net_gex,
            x,
            profile.net_gex,
            refine_points=params.refine_points,
            refine_depth=params.refine_depth,
            near_zero=params.near_zero,
        )
    )
    spot = profile.spot
    nearest = min(crossings, key=lambda c: abs(c - spot)) if crossings else None
    at_spot = float(profile.terms.net_gex(np.array([spot]))[0])
    return ZeroGamma(
        crossings=tuple(crossings),
        nearest=nearest,
        band=(float(x[0]), float(x[-1])),
        net_gex_at_spot=at_spot,
    )
