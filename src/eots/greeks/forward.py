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

    near = np.abs(k_u - spot_guess)
    anchor = np.full(n_exp, np.nan)
    if rows.size and np.isfinite(spot_guess) and _strike_ladders(eid_u, k_u):
        # Rows come as strike ladders (the pricing bridge's pairs): the same anchors and
        # strikes without sorting every row.
        anchor_row = _anchor_rows(eid_u, gap, near)
        anchor[eid_u[anchor_row]] = k_u[anchor_row]
        window = _ladder_window(eid_u, anchor_row, max_strikes)
        chosen = window[_nearest(eid_u[window], k_u[window], near[window], anchor, max_strikes)]
    else:
        # The anchor of each expiry is its strike with the smallest |C - P|.
        by_gap = np.lexsort((near, gap, eid_u))
        first = np.ones(rows.size, dtype=bool)
        first[1:] = eid_u[by_gap][1:] != eid_u[by_gap][:-1]
        anchor[eid_u[by_gap][first]] = k_u[by_gap][first]
        chosen = _nearest(eid_u, k_u, near, anchor, max_strikes)

    n_used = np.bincount(eid_u[chosen], minlength=n_exp).astype(np.int64)
    forward = _group_median(eid_u[chosen], fwd_i[chosen], n_used)
    deviation = np.abs(fwd_i[chosen] - forward[eid_u[chosen]])
    dispersion = _group_median(eid_u[chosen], deviation, n_used)
    method = np.where(n_used > 0, ForwardMethod.PARITY, ForwardMethod.FALLBACK).astype(np.int8)
    return ForwardResult(
        forward=forward, n_strikes_used=n_used, dispersion=dispersion, method=method
    )


def _nearest(
    eid: IntArray, k: FloatArray, near: FloatArray, anchor: FloatArray, max_strikes: int
) -> IntArray:
    """Return the rows of the ``max_strikes`` strikes nearest each expiry's anchor.

    Ranked by distance to the anchor, then to the spot guess, then row order (a stable sort).
    """
    order = np.lexsort((near, np.abs(k - anchor[eid]), eid))
    eid_o = eid[order]
    starts = np.flatnonzero(np.r_[True, eid_o[1:] != eid_o[:-1]]) if eid.size else eid
    counts = np.diff(np.r_[starts, eid.size])
    rank = np.arange(eid.size) - np.repeat(starts, counts)
    chosen: IntArray = order[rank < max_strikes]
    return chosen


def _strike_ladders(eid: IntArray, k: FloatArray) -> bool:
    """Whether rows are grouped by expiry (ascending) with strictly ascending strikes in each."""
    step = np.diff(eid)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(k) > 0))))


def _anchor_rows(eid: IntArray, gap: FloatArray, near: FloatArray) -> IntArray:
    """Return each expiry's anchor row: the smallest ``gap``, then ``near``, then the first row.

    ``eid`` is grouped (``_strike_ladders``) and ``gap``, ``near`` are finite: per-group minima
    pick the row a stable ``lexsort((near, gap, eid))`` puts first in its group.
    """
    starts = np.flatnonzero(np.r_[True, eid[1:] != eid[:-1]])
    group = np.cumsum(np.r_[True, eid[1:] != eid[:-1]]) - 1
    best = gap == np.minimum.reduceat(gap, starts)[group]
    dist = np.where(best, near, np.inf)
    best &= dist == np.minimum.reduceat(dist, starts)[group]
    position = np.where(best, np.arange(eid.size), eid.size)
    first: IntArray = np.minimum.reduceat(position, starts)
    return first


def _ladder_window(eid: IntArray, anchor_row: IntArray, width: int) -> IntArray:
    """Return the rows within ``width`` places of their expiry's anchor row, in row order.

    On a strike ladder the distance to the anchor grows strictly away from it on each side, so
    the ``width`` strikes nearest the anchor lie in this window.
    """
    starts = np.flatnonzero(np.r_[True, eid[1:] != eid[:-1]])
    ends = np.r_[starts[1:], eid.size]
    lo = np.maximum(anchor_row - width, starts)
    hi = np.minimum(anchor_row + width + 1, ends)
    sizes = np.maximum(hi - lo, 0)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    rows: IntArray = np.repeat(lo, sizes) + offsets
    return rows


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
