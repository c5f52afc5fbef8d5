"""A-DAG's temporal decay: a per-contract recency multiplier of flow over past snapshots.

Input: the market context's ``flow_increments`` (one row per contract and snapshot-to-snapshot
increment, stamped ``ts`` = the later snapshot's quote time; only stamps at or before ``as_of``
are used). Keyed by contract (``root, expiry, strike, right``), the key of the contracts frame, so
history never falls out of alignment (the [CANON] defect, base_system.md 4.1).

With the latest K <= ``decay_window`` (10) stamps aged a = 0 (latest) ... K-1, weights
``w_a = delta^a`` (delta = ``temporal_decay_factor`` 0.85) and ``|v_a|`` the contracts traded in
increment a::

    decay = (sum_a w_a |v_a| / sum_a |v_a|) / mean_a(w_a)

Dimensionless, > 0: 1 when the contract's trading is spread evenly over the window, up to
``1 / mean(w)`` (2.1 with the defaults, K = 10) when all of it is in the latest increment, down to
``delta^(K-1) / mean(w)`` when all of it is in the oldest. It is the seed's
``recency_weighted_flow`` multiplier: contracts whose flow is recent weigh more. A contract with
no traded volume in the window, and every contract when fewer than ``decay_min_increments`` (2)
stamps exist, gets 1 (neutral; flagged when it is for lack of history).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from eots.adaptive.inputs import CONTRACT_KEY, KeyedValues
from eots.adaptive.params import ADagParams
from eots.adaptive.pieces import aligned, latest_pieces
from eots.adaptive.report import FactorReport, measured, switched_off, thin
from eots.chain.schema import UTC_US
from eots.market import MarketContext
from eots.metrics.arrays import masked

_METRIC, _FACTOR = "a_dag", "decay"
#: Column of the keyed frame ``recency_multiplier`` returns.
DECAY_COLUMN = "_decay"


def recency_weights(n: int, delta: float) -> list[float]:
    """Return ``delta^a`` for ages a = 0 (latest) ... n-1.

    Examples
    --------
    >>> recency_weights(3, 0.5)
    [1.0, 0.5, 0.25]
    """
    return [delta**a for a in range(n)]


def recency_multiplier(
    context: MarketContext | None,
    as_of: dt.datetime,
    params: ADagParams,
    *,
    every_row: bool = False,
) -> tuple[pl.DataFrame | None, FactorReport]:
    """Return the per-contract multiplier keyed by contract (None: neutral everywhere).

    A contract without traded volume in the window has no row, or with ``every_row`` (aligned
    increments only) a null one: the latest increment's contracts in its order, which a fold
    matches to its chain the same way step after step (``Working.keyed``); a keyed read of either
    gives the same values. The engine itself reads ``recency_values`` (the same numbers as
    arrays) through ``Working.keyed_values``.
    """
    keyed, report = recency_values(context, as_of, params)
    if keyed is None:
        return None, report
    return keyed.frame(CONTRACT_KEY, DECAY_COLUMN, every_row=every_row), report


def recency_values(
    context: MarketContext | None, as_of: dt.datetime, params: ADagParams
) -> tuple[KeyedValues | None, FactorReport]:
    """Return ``recency_multiplier``'s values (every row) without building its frame.

    Aligned increments give the latest increment's contracts and the values as arrays (null:
    no traded volume); others the group-by's frame (``KeyedValues.of``).
    """
    if not params.factors.temporal_decay:
        return None, switched_off(_METRIC, _FACTOR)
    if context is None:
        return None, thin(_METRIC, _FACTOR, 1.0, "no market context")
    increments = context.flow_increments
    pieces = latest_pieces(increments, as_of, params.decay_window, inclusive=True)
    if pieces is not None:
        n_stamps = len(pieces)
    else:  # the general path: any row order
        increments = increments.filter(
            pl.col("ts") <= pl.lit(as_of.astimezone(dt.UTC)).cast(UTC_US)
        )
        stamps = increments.get_column("ts").unique().sort(descending=True)
        stamps = stamps.head(params.decay_window)
        n_stamps = stamps.len()
    if n_stamps < params.decay_min_increments:
        why = (
            f"{n_stamps} flow increments at or before as_of, "
            f"{params.decay_min_increments} needed ({context.flow_coverage.note})"
        )
        return None, thin(_METRIC, _FACTOR, 1.0, why)
    weights = recency_weights(n_stamps, params.temporal_decay_factor)
    mean_w = sum(weights) / len(weights)
    if pieces is not None and aligned(pieces):
        keyed = _aligned_multiplier(pieces, weights, mean_w)
    else:
        if pieces is not None:
            increments = pl.concat(pieces)
            stamps = pl.Series([p.get_column("ts")[0] for p in pieces[::-1]], dtype=UTC_US)
        keyed = KeyedValues.of(
            _grouped_multiplier(increments, stamps, weights, mean_w), DECAY_COLUMN
        )
    how = (
        f"{n_stamps} increments, delta {params.temporal_decay_factor}, "
        f"range [{weights[-1] / mean_w:.3f}, {1.0 / mean_w:.3f}] (per contract)"
    )
    return keyed, measured(_METRIC, _FACTOR, None, how)


def _grouped_multiplier(
    increments: pl.DataFrame, stamps: pl.Series, weights: list[float], mean_w: float
) -> pl.DataFrame:
    """Return the multiplier of any rows: ``stamps`` newest first, ``weights`` by age."""
    age_weight = pl.col("ts").replace_strict(
        dict(zip(stamps.to_list(), weights, strict=True)), return_dtype=pl.Float64
    )
    volume = pl.col("volm").fill_nan(None).abs()
    return (
        increments.lazy()
        .filter((pl.col("ts") >= stamps[-1]) & (volume > 0))
        .group_by(list(CONTRACT_KEY))
        .agg(_num=(age_weight * volume).sum(), _den=volume.sum())
        .select(*CONTRACT_KEY, (pl.col("_num") / pl.col("_den") / mean_w).alias(DECAY_COLUMN))
        .collect(engine="in-memory")  # order-stable float sums (eots.core.ordered)
    )


def _aligned_multiplier(
    pieces: list[pl.DataFrame], weights: list[float], mean_w: float
) -> KeyedValues:
    """Return the multiplier over aligned pieces (oldest first), as NumPy arrays.

    Each contract's terms are added in time order (the group-by adds them in its own order, so
    the last bit of a sum may differ: within 1e-12 relative; each path is deterministic, and a
    fold and a store-built context take the same one). ``/ mean_w`` is taken as polars takes a
    column over a scalar, a product with the reciprocal. A contract without traded volume in the
    window has a null value (the group-by has no row for it). The keys are the latest piece's.

    Per piece, ``t = fmax(|v|, 0)`` is ``|v|`` where it is > 0 and 0 elsewhere (NaN, a null, 0):
    the terms ``w t`` and ``t`` are the traded ones and exact zeros, and a contract traded iff
    its sum of ``t`` is > 0 (a sum of positive numbers is).
    """
    n = pieces[0].height
    num = np.zeros(n, dtype=np.float64)
    den = np.zeros(n, dtype=np.float64)
    t = np.empty(n, dtype=np.float64)
    for age, piece in zip(range(len(pieces) - 1, -1, -1), pieces, strict=True):
        v = piece.get_column("volm").cast(pl.Float64).to_numpy()  # nulls are NaN
        np.abs(v, out=t)
        np.fmax(t, 0.0, out=t)
        den += t
        t *= weights[age]
        num += t
    traded = den > 0.0
    value = num / np.where(traded, den, 1.0) * (1.0 / mean_w)
    return KeyedValues(pieces[-1], masked(value, ~traded))


__all__ = ["DECAY_COLUMN", "recency_multiplier", "recency_values", "recency_weights"]
