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
    ``np.interp`` call serves every expiry. Contracts with the same strike, forward, expiry and
    time (a call and its put) share one d1 column: ``log_k .. off`` hold one row per such key,
    ``group`` maps each contract (``a``) to its key, so the exponential is evaluated once per key
    and the sum over contracts keeps its order (the same floats). Keys of one expiry and strike
    (roots with their own time and forward, e.g. AM and PM settled) query the smile at the same
    point: ``q_*`` hold one row per such query, ``query`` maps each key to its row, so the smile
    is interpolated once per query.
    """

    spot: float
    a: NDArray[np.float64]  # s * OI * m * 0.01 * exp(-q t) / sqrt(2 pi), per contract
    group: NDArray[np.intp]  # the key row of each contract
    log_k: NDArray[np.float64]
    lfs: NDArray[np.float64]  # ln(F / S)
    sqrt_t: NDArray[np.float64]
    lo: NDArray[np.float64]  # smile ends (log-strike) of the contract's expiry
    hi: NDArray[np.float64]
    off: NDArray[np.float64]  # axis offset of the contract's expiry
    xs: NDArray[np.float64]  # concatenated, offset smile log-strikes
    ys: NDArray[np.float64]  # smile IVs
    query: NDArray[np.intp]  # the smile query row of each key
    q_log_k: NDArray[np.float64]  # log_k, lo, hi, off of each query row
    q_lo: NDArray[np.float64]
    q_hi: NDArray[np.float64]
    q_off: NDArray[np.float64]

    def net_gex(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the profile (dollar GEX per 1 % move) at spot levels ``x`` (all at once)."""
        if self.a.size == 0:
            return np.zeros(np.shape(x))
        return self._sum(self._terms(x), x)

    def on_grid(
        self, grid: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], Callable[[NDArray[np.float64]], NDArray[np.float64]]]:
        """Return ``net_gex(grid)`` and a ``net_gex`` that reuses the grid's terms at one point.

        The crossings' Brent search evaluates the profile at the grid points that bracket a root,
        one level at a time. Every step before the sum over contracts is elementwise, so the
        terms of a grid row are the terms a one-level evaluation at that point computes; only
        the sum is its own (einsum sums one level as a contiguous row, several levels across
        them): the one-level sum of the grid row gives the same float, without the terms again.
        """
        if self.a.size == 0:
            return np.zeros(np.shape(grid)), self.net_gex
        terms = self._terms(grid)
        row = {float(v): i for i, v in enumerate(grid)}

        def net_gex(x: NDArray[np.float64]) -> NDArray[np.float64]:
            i = row.get(float(x[0])) if x.size == 1 else None
            if i is None:
                return self.net_gex(x)
            return self._sum(np.ascontiguousarray(terms[i : i + 1]), x)

        return self._sum(terms, grid), net_gex

    def _sum(self, terms: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
        # einsum, not a BLAS product (threads, thread-count-dependent sums): see zero_gamma
        out: NDArray[np.float64] = np.einsum("ij,j->i", terms, self.a) * x
        return out

    def _terms(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return each contract's ``n(d1) / vol`` at every level (levels x contracts)."""
        log_x = np.log(x)[:, None]
        # In place on (levels x keys) buffers, the same operations in the same order as
        # ``vol = interp(clip(log_k - (ln x - ln S)) + off) * sqrt_t`` and
        # ``d1 = (ln x - log_k + lfs) / vol + 0.5 * vol``: the same floats, fewer temporaries.
        # The smile per distinct query (clip as maximum then minimum: np.clip's definition,
        # without its Python wrapper), then taken to the keys.
        query = np.subtract(self.q_log_k[None, :], log_x - np.log(self.spot))
        np.maximum(query, self.q_lo, out=query)
        np.minimum(query, self.q_hi, out=query)
        query += self.q_off
        vol = np.take(np.interp(query, self.xs, self.ys), self.query, axis=1)
        vol *= self.sqrt_t
        d1 = np.subtract(log_x, self.log_k[None, :])
        d1 += self.lfs
        d1 /= vol
        vol_half = np.multiply(vol, 0.5)
        d1 += vol_half
        d1 *= d1
        d1 *= -0.5
        np.exp(d1, out=d1)
        d1 /= vol
        # The (levels x contracts) terms in the layout ``d1[:, group]`` gives (levels on the
        # fastest axis), faster: einsum's loop order, so its sums, follow the layout.
        terms: NDArray[np.float64] = np.take(d1.T, self.group, axis=0).T
        return terms


def skew_profile(
    contracts: pl.DataFrame, spot: float, band: tuple[float, float], negligible_d1: float = 9.0
) -> SkewProfile:
    """Return the skew-shifted profile constants of the live contracts with open interest.

    ``contracts`` needs the columns of ``zero_gamma.profile_terms`` plus ``expiry``. Contracts
    whose |d1| (at their own IV) exceeds ``negligible_d1`` + 3 over the whole band are left out.
    One polars query computes the per-contract columns; the smiles (mean IV per expiry and
    strike, Kahan-summed like polars' ``mean``) and their ends are NumPy over the sorted rows.
    """
    f = contracts.select_seq(  # one thread: a few vector kernels, not worth a thread pool
        log_k=pl.col("strike").log(),
        lfs=(pl.col("forward") / spot).log(),
        a=pl.col("dealer_sign")
        * pl.col("open_interest").cast(pl.Float64)
        * pl.col("multiplier")
        * (-pl.col("carry_q") * pl.col("t_years")).exp()
        * (0.01 * _INV_SQRT_2PI),
    )
    col = {c: f.get_column(c).to_numpy() for c in f.columns}
    for c, dtype in (("expiry", pl.Int64), ("strike", pl.Float64), ("iv", pl.Float64)):
        col[c] = contracts.get_column(c).cast(dtype).to_numpy()  # no query for a cast
    # live: exposure_ok (null: no), a finite IV of at least MIN_PROFILE_IV; held: open interest
    # (a null is NaN here, so neither)
    ok_col = contracts.get_column("exposure_ok")
    ok = (ok_col.fill_null(value=False) if ok_col.null_count() else ok_col).to_numpy()
    with np.errstate(invalid="ignore"):
        live = ok & np.isfinite(col["iv"]) & (col["iv"] >= MIN_PROFILE_IV)
        col["held"] = contracts.get_column("open_interest").to_numpy() > 0
    rows = np.flatnonzero(live)  # the live rows, in (expiry, strike) order
    expiry, strike = col["expiry"][rows], col["strike"][rows]
    if not _sorted_by(expiry, strike):  # chains arrive sorted: no reordering then
        order = np.lexsort((strike, expiry))
        rows, expiry, strike = rows[order], expiry[order], strike[order]
    iv = col["iv"][rows]
    new_expiry = np.ones(expiry.size, dtype=bool)
    new_expiry[1:] = expiry[1:] != expiry[:-1]
    new = new_expiry.copy()
    new[1:] |= strike[1:] != strike[:-1]
    starts = np.flatnonzero(new)
    smile_exp = expiry[starts]
    smile_x = col["log_k"][rows[starts]]
    first_of_expiry = np.r_[True, np.diff(smile_exp) != 0][: smile_exp.size]
    first = np.flatnonzero(first_of_expiry)
    smile_e = np.cumsum(first_of_expiry).astype(np.float64) * 100.0
    held = col["held"][rows]
    # the expiry (smile) of each held row: its rank among the expiries
    which = (np.cumsum(new_expiry) - 1)[held]
    lo = np.minimum.reduceat(smile_x, first) if first.size else smile_x
    hi = np.maximum.reduceat(smile_x, first) if first.size else smile_x
    at_held = rows[held]
    a, log_k, lfs = (col[c][at_held] for c in ("a", "log_k", "lfs"))
    # IEEE square root (correctly rounded, as polars' sqrt), of the held rows only
    sqrt_t = np.sqrt(contracts.get_column("t_years").cast(pl.Float64).to_numpy()[at_held])
    vol = iv[held] * sqrt_t
    z_lo = (np.log(band[0]) - log_k + lfs) / vol
    z_hi = (np.log(band[1]) - log_k + lfs) / vol
    keep = (np.sign(z_lo) != np.sign(z_hi)) | (
        np.minimum(np.abs(z_lo), np.abs(z_hi)) < negligible_d1 + 3.0
    )
    keep &= a != 0
    key = {
        "log_k": log_k[keep],
        "lfs": lfs[keep],
        "sqrt_t": sqrt_t[keep],
        "off": smile_e[first][which][keep],
    }
    change = np.zeros(key["log_k"].size, dtype=bool)
    change[:1] = True
    for v in key.values():
        change[1:] |= v[1:] != v[:-1]
    rows = np.flatnonzero(change)
    at = which[keep][rows]
    keys = {name: v[rows] for name, v in key.items()}
    keys["lo"], keys["hi"] = lo[at], hi[at]
    # one smile query per expiry and strike: keys in (expiry, strike) order, so runs
    k_log, k_off = keys["log_k"], keys["off"]
    new_query = np.ones(k_log.size, dtype=bool)
    new_query[1:] = (k_log[1:] != k_log[:-1]) | (k_off[1:] != k_off[:-1])
    first_key = np.flatnonzero(new_query)
    return SkewProfile(
        spot=spot,
        a=a[keep],
        group=np.cumsum(change) - 1,
        **keys,
        xs=smile_x + smile_e,
        ys=_group_means(iv, starts),
        query=np.cumsum(new_query) - 1,
        **{f"q_{name}": keys[name][first_key] for name in ("log_k", "lo", "hi", "off")},
    )


def _sorted_by(major: NDArray[np.int64], minor: NDArray[np.float64]) -> bool:
    """Whether rows are in ``(major, minor)`` order (a stable lexsort would leave them)."""
    step = np.diff(major)
    later = np.diff(minor)
    return bool(np.all((step > 0) | ((step == 0) & (later >= 0))))


def _group_means(values: NDArray[np.float64], starts: NDArray[np.intp]) -> NDArray[np.float64]:
    """Return the mean of each run ``values[starts[i]:starts[i+1]]``, Kahan-summed in order."""
    sizes = np.diff(np.r_[starts, values.size])
    # the first value of every run (no run is empty): total 0 and carry 0 before it
    y = values[starts] - 0.0
    total = 0.0 + y
    carry = (total - 0.0) - y
    for k in range(1, int(sizes.max()) if sizes.size else 0):
        has = np.flatnonzero(sizes > k)
        y = values[starts[has] + k] - carry[has]
        before = total[has]
        t = before + y
        carry[has] = (t - before) - y
        total[has] = t
    out: NDArray[np.float64] = total / sizes
    return out


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
