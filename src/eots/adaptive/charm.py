"""D-TDPI's charm acceleration factor from per-contract charm history.

Input: the market context's ``charm_history`` (per contract and snapshot: ``charmxoi`` = charm x OI
x multiplier, delta-shares per day, stamped ``ts``), keyed by contract (``root, expiry, strike,
right``). The "past" is the latest ``charm_lookback`` (3) stamps strictly before ``as_of``; "now"
is the contract's ``charmxoi`` in the current chain (base_system.md 4.3, [CANON] values)::

    ratio = |charmxoi_now| / mean(|charmxoi_past|)
    accel = clip(1 + (ratio - 1) * 1.05, 0.5, 2)   if ratio > 1.1
            1                                       otherwise

Dimensionless, >= 1 in practice: charm that has grown faster than 10 % over its recent level (as
it does into expiry) amplifies D-TDPI. A contract without a finite value in each of the past
stamps, or whose past mean is 0, gets 1; with fewer than ``charm_lookback`` past stamps every
contract gets 1 and the factor is flagged neutral.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from eots.adaptive.inputs import CONTRACT_KEY, KeyedValues
from eots.adaptive.params import DTdpiParams
from eots.adaptive.pieces import aligned, latest_pieces
from eots.adaptive.report import FactorReport, measured, switched_off, thin
from eots.market import MarketContext
from eots.metrics.arrays import Masked, gt, masked

_METRIC, _FACTOR = "d_tdpi", "charm_acceleration"
#: Column of the keyed frame ``charm_past`` returns: mean |charmxoi| over the past stamps.
PAST_COLUMN = "_charm_past"


def charm_past(
    context: MarketContext | None, as_of: dt.datetime, params: DTdpiParams
) -> tuple[pl.DataFrame | None, FactorReport]:
    """Return mean past |charmxoi| keyed by contract (None: neutral everywhere), with a report.

    A contract without a mean (a NaN in a past stamp, or absent from one) has no row or a null.
    """
    keyed, report = charm_values(context, as_of, params)
    return (None if keyed is None else keyed.frame(CONTRACT_KEY, PAST_COLUMN)), report


def charm_values(
    context: MarketContext | None, as_of: dt.datetime, params: DTdpiParams
) -> tuple[KeyedValues | None, FactorReport]:
    """Return ``charm_past``'s values without building its frame (aligned pieces: arrays)."""
    if not params.factors.charm_acceleration:
        return None, switched_off(_METRIC, _FACTOR)
    if context is None:
        return None, thin(_METRIC, _FACTOR, 1.0, "no market context")
    history = context.charm_history
    pieces = latest_pieces(history, as_of, params.charm_lookback, inclusive=False)
    if pieces is not None:
        n_stamps = len(pieces)
    else:  # the general path: any row order
        ts = history.get_column("ts")
        before = ts.filter(ts < as_of.astimezone(dt.UTC))
        stamps = before.unique().sort(descending=True).head(params.charm_lookback)
        n_stamps = stamps.len()
    if n_stamps < params.charm_lookback:
        why = f"{n_stamps} past charm snapshots, {params.charm_lookback} needed"
        return None, thin(_METRIC, _FACTOR, 1.0, why)
    how = f"|charmxoi| now over its mean of the last {n_stamps} snapshots (per contract)"
    if pieces is not None and aligned(pieces):
        return _mean_abs(pieces), measured(_METRIC, _FACTOR, None, how)
    window = (
        pl.concat(pieces).lazy()
        if pieces is not None
        else history.lazy().filter(pl.col("ts").is_between(stamps[-1], stamps[0]))
    )
    value = pl.col("charmxoi").fill_nan(None).abs()
    keyed = (
        window.group_by(list(CONTRACT_KEY))
        .agg(_m=value.mean(), _n=value.count())
        .filter(pl.col("_n") == params.charm_lookback)
        .select(*CONTRACT_KEY, pl.col("_m").alias(PAST_COLUMN))
        .collect(engine="in-memory")  # order-stable float sums (eots.core.ordered)
    )
    return KeyedValues.of(keyed, PAST_COLUMN), measured(_METRIC, _FACTOR, None, how)


def _mean_abs(pieces: list[pl.DataFrame]) -> KeyedValues:
    """Return the mean |charmxoi| per contract over aligned pieces.

    A contract with a NaN in any piece gets a null mean (the group-by leaves it out: its count
    of known values is below the lookback; a keyed join gives null either way). Every contract
    keeps its row, in the pieces' order, so a frame of the same contracts in that order needs no
    join (``Working.keyed_values``).
    """
    n = pieces[0].height
    total = np.zeros(n, dtype=np.float64)
    unknown = np.zeros(n, dtype=np.bool_)
    v = np.empty(n, dtype=np.float64)
    for p in pieces:
        np.abs(p.get_column("charmxoi").cast(pl.Float64).to_numpy(), out=v)
        nan = np.isnan(v)
        unknown |= nan
        v[nan] = 0.0
        total += v
    return KeyedValues(pieces[0], masked(total / len(pieces), unknown))


def charm_acceleration(now: Masked, past: Masked, params: DTdpiParams) -> Masked:
    """Return the acceleration from current ``charmxoi`` and the joined past mean (``PAST_COLUMN``).

    1 where the past is missing or not positive, or the ratio is at most the threshold.
    """
    ratio = abs(now) / past
    accel = (1.0 + (ratio - 1.0) * params.charm_sensitivity).clip(*params.charm_clip)
    use = gt(past, 0.0) & gt(ratio, params.charm_threshold)
    return masked(np.where(use, accel.v, 1.0), use & accel.null)


__all__ = ["PAST_COLUMN", "charm_acceleration", "charm_past", "charm_values"]
