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

from eots.adaptive.inputs import CONTRACT_KEY
from eots.adaptive.params import DTdpiParams
from eots.adaptive.report import FactorReport, measured, switched_off, thin
from eots.market import MarketContext

_METRIC, _FACTOR = "d_tdpi", "charm_acceleration"
#: Column of the keyed frame ``charm_past`` returns: mean |charmxoi| over the past stamps.
PAST_COLUMN = "_charm_past"


def charm_past(
    context: MarketContext | None, as_of: dt.datetime, params: DTdpiParams
) -> tuple[pl.DataFrame | None, FactorReport]:
    """Return mean past |charmxoi| keyed by contract (None: neutral everywhere), with a report."""
    if not params.factors.charm_acceleration:
        return None, switched_off(_METRIC, _FACTOR)
    if context is None:
        return None, thin(_METRIC, _FACTOR, 1.0, "no market context")
    history = context.charm_history
    ts = history.get_column("ts")
    before = ts.filter(ts < as_of.astimezone(dt.UTC))
    stamps = before.unique().sort(descending=True).head(params.charm_lookback)
    if stamps.len() < params.charm_lookback:
        why = f"{stamps.len()} past charm snapshots, {params.charm_lookback} needed"
        return None, thin(_METRIC, _FACTOR, 1.0, why)
    pieces = _aligned_pieces(history, ts, stamps)
    if pieces is not None:
        keyed = _mean_abs(pieces)
        how = f"|charmxoi| now over its mean of the last {stamps.len()} snapshots (per contract)"
        return keyed, measured(_METRIC, _FACTOR, None, how)
    value = pl.col("charmxoi").fill_nan(None).abs()
    keyed = (
        history.lazy()
        .filter(pl.col("ts").is_between(stamps[-1], stamps[0]))
        .group_by(list(CONTRACT_KEY))
        .agg(_m=value.mean(), _n=value.count())
        .filter(pl.col("_n") == params.charm_lookback)
        .select(*CONTRACT_KEY, pl.col("_m").alias(PAST_COLUMN))
        .collect()
    )
    how = f"|charmxoi| now over its mean of the last {stamps.len()} snapshots (per contract)"
    return keyed, measured(_METRIC, _FACTOR, None, how)


def _aligned_pieces(
    history: pl.DataFrame, ts: pl.Series, stamps: pl.Series
) -> list[pl.DataFrame] | None:
    """Return the rows of each stamp (oldest first) if they hold the same contracts in one order.

    That is the usual case (one chain's contracts through a session); else None.
    """
    if not ts.is_sorted():
        return None
    pieces = []
    for stamp in reversed(stamps.to_list()):
        lo = ts.search_sorted(stamp, side="left")
        hi = ts.search_sorted(stamp, side="right")
        pieces.append(history.slice(int(lo), int(hi) - int(lo)))
    keys = pieces[0].select(CONTRACT_KEY)
    if keys.is_duplicated().any() or any(
        not p.select(CONTRACT_KEY).equals(keys) for p in pieces[1:]
    ):
        return None
    return pieces


def _mean_abs(pieces: list[pl.DataFrame]) -> pl.DataFrame:
    """Return the mean |charmxoi| per contract over aligned pieces.

    Contracts with a NaN in any piece are left out (as the group-by's count of known values
    below the lookback).
    """
    total = np.zeros(pieces[0].height, dtype=np.float64)
    known = np.ones(pieces[0].height, dtype=np.bool_)
    for p in pieces:
        v = np.abs(p.get_column("charmxoi").cast(pl.Float64).to_numpy())
        known &= ~np.isnan(v)
        total += np.where(np.isnan(v), 0.0, v)
    mean = total / len(pieces)
    return (
        pieces[0]
        .select(*CONTRACT_KEY)
        .with_columns(pl.Series(PAST_COLUMN, mean, dtype=pl.Float64))
        .filter(pl.Series(known))
    )


def charm_acceleration(charmxoi_now: pl.Expr, params: DTdpiParams) -> pl.Expr:
    """Return the acceleration from current charmxoi and the joined ``PAST_COLUMN``."""
    ratio = charmxoi_now.abs() / pl.col(PAST_COLUMN)
    accel = (1.0 + (ratio - 1.0) * params.charm_sensitivity).clip(*params.charm_clip)
    return (
        pl.when((pl.col(PAST_COLUMN) > 0) & (ratio > params.charm_threshold))
        .then(accel)
        .otherwise(1.0)
    )


__all__ = ["PAST_COLUMN", "charm_acceleration", "charm_past"]
