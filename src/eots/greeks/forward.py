"""Forward prices implied by put-call parity, one per expiry.

This module owns the forward of each expiry (conventions.md §2): for every strike with a valid
two-sided call and put mid, parity on European options gives ``F_i = K + (C - P) / D`` with
``D = e^{-rt}`` the discount factor to settlement. Per expiry we keep the ``max_strikes`` strikes
nearest the money, anchored at the strike where ``|C - P|`` is smallest (ties broken by
distance to ``spot_guess``), and take the median of their ``F_i``, which is robust to a stale or
crossed quote. Expiries without any usable pair get NaN and ``ForwardMethod.FALLBACK``: the caller
then uses its configured rate and dividend yield and records that it did. The pricing bridge
turns the forward into the carry yield ``q = r - ln(F / S) / t`` for the kernels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ForwardMethod", "ForwardResult", "implied_forwards"]

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]


class ForwardMethod(IntEnum):
    """How an expiry's forward was obtained (stored as int8)."""

    PARITY = 0
    """Median of put-call parity forwards on near-the-money strikes."""
    FALLBACK = 1
    """No usable two-sided pair: the forward is NaN and the caller must fall back."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ForwardResult:
    """Per-expiry forwards, indexed by expiry id.

    Attributes
    ----------
    forward : ndarray of float64
        Implied forward, $; NaN where ``method == ForwardMethod.FALLBACK``.
    n_strikes_used : ndarray of int64
        Number of strikes whose parity forwards entered the median.
    dispersion : ndarray of float64
        Median absolute deviation of those parity forwards around the median, $ (0 with one
        strike, NaN without any): a quality measure of the quotes.
    method : ndarray of int8
        `ForwardMethod` code.
    """

    forward: FloatArray
    n_strikes_used: IntArray
    dispersion: FloatArray
    method: NDArray[np.int8]


def implied_forwards(
    expiry_id: ArrayLike,
    strike: ArrayLike,
    call_mid: ArrayLike,
    put_mid: ArrayLike,
    discount: ArrayLike,
    spot_guess: float,
    *,
    max_strikes: int = 5,
    n_expiries: int | None = None,
) -> ForwardResult:
    """Return the parity-implied forward of each expiry.

    Parameters
    ----------
    expiry_id : array_like of int
        Expiry index ``0 .. n_expiries - 1`` of each row; one row per (expiry, strike) pair.
    strike : array_like
        Strike, $.
    call_mid, put_mid : array_like
        Mid prices of the call and the put at that strike, $; NaN when not two-sided.
    discount : array_like
        Discount factor ``e^{-rt}`` to the expiry's settlement (dimensionless, > 0).
    spot_guess : float
        Spot (or a guess of the forward), $; breaks ties between equally near-the-money strikes.
    max_strikes : int, default 5
        Number of near-the-money strikes whose parity forwards are medianed.
    n_expiries : int, optional
        Length of the outputs; defaults to ``max(expiry_id) + 1``.

    Returns
    -------
    ForwardResult
        Arrays of length ``n_expiries``.

    Examples
    --------
    >>> res = implied_forwards([0, 0, 1], [95.0, 105.0, 100.0], [7.0, 1.5, np.nan],
    ...                        [1.0, 5.5, 2.0], [1.0, 1.0, 1.0], 100.0)
    >>> res.forward.tolist(), res.method.tolist()
    ([101.0, nan], [0, 1])
    """
    eid = np.asarray(expiry_id, dtype=np.int64)
    k = np.asarray(strike, dtype=np.float64)
    c = np.asarray(call_mid, dtype=np.float64)
    p = np.asarray(put_mid, dtype=np.float64)
    d = np.asarray(discount, dtype=np.float64)
    n_exp = int(eid.max()) + 1 if n_expiries is None and eid.size else int(n_expiries or 0)

    usable = np.isfinite(c) & np.isfinite(p) & np.isfinite(k) & (d > 0) & (eid >= 0)
    usable &= eid < n_exp
    rows = np.flatnonzero(usable)
    eid_u, k_u = eid[rows], k[rows]
    gap = np.abs(c[rows] - p[rows])
    fwd_i = k_u + (c[rows] - p[rows]) / d[rows]

    # The anchor of each expiry is its strike with the smallest |C - P|.
    by_gap = np.lexsort((np.abs(k_u - spot_guess), gap, eid_u))
    first = np.ones(rows.size, dtype=bool)
    first[1:] = eid_u[by_gap][1:] != eid_u[by_gap][:-1]
    anchor = np.full(n_exp, np.nan)
    anchor[eid_u[by_gap][first]] = k_u[by_gap][first]

    # Rank strikes by distance to the anchor within each expiry; keep the nearest max_strikes.
    order = np.lexsort((np.abs(k_u - spot_guess), np.abs(k_u - anchor[eid_u]), eid_u))
    eid_o = eid_u[order]
    starts = np.flatnonzero(np.r_[True, eid_o[1:] != eid_o[:-1]]) if rows.size else rows
    counts = np.diff(np.r_[starts, rows.size])
    rank = np.arange(rows.size) - np.repeat(starts, counts)
    chosen = order[rank < max_strikes]

    n_used = np.bincount(eid_u[chosen], minlength=n_exp).astype(np.int64)
    forward = _group_median(eid_u[chosen], fwd_i[chosen], n_used)
    deviation = np.abs(fwd_i[chosen] - forward[eid_u[chosen]])
    dispersion = _group_median(eid_u[chosen], deviation, n_used)
    method = np.where(n_used > 0, ForwardMethod.PARITY, ForwardMethod.FALLBACK).astype(np.int8)
    return ForwardResult(
        forward=forward, n_strikes_used=n_used, dispersion=dispersion, method=method
    )


def _group_median(group: IntArray, values: FloatArray, counts: IntArray) -> FloatArray:
    order = np.lexsort((values, group))
    sorted_values = values[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    result = np.full(counts.shape, np.nan)
    result[has] = 0.5 * (sorted_values[lo] + sorted_values[hi])
    return result
