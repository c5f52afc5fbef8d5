"""E-SDAG methodology weights that adapt to each method's recent predictive success.

Input: an optional track record, one row per past signal of one method::

    ts              Datetime(UTC)  when the signal was taken
    method          String         multiplicative | directional | weighted | volatility_focused
    signal          Float64        the method's value then (e.g. its strike-level E-SDAG)
    forward_return  Float64        the underlying's realised return after ``ts`` (any horizon)
    realized_at     Datetime(UTC)  optional: when that return was known

Only rows with ``ts < as_of`` (and ``realized_at <= as_of`` when the column exists) count, so an
outcome not yet known at ``as_of`` is never used. Per method, over its latest
``performance_tracking_window`` (20) outcomes with a non-zero signal and return::

    hit_m  = share of outcomes with sgn(signal) = sgn(forward_return)
    mult_m = max(0, 1 + k (2 hit_m - 1))          k = performance_sensitivity (1)
             (1 when the method has fewer than ``min_outcomes`` (10) outcomes)
    w_m    = w0_m mult_m / sum_j w0_j mult_j

w0 are ``methodology_weights_initial`` (0.4, 0.2, 0.3, 0.1), renormalised over the methods with a
positive initial weight. A coin-flip method (hit 0.5) keeps its initial share, a method always
right doubles it, one always wrong drops to 0. Until enough outcomes exist the weights are the
initial ones and the factor is flagged neutral. If every multiplier is 0, the initial weights
are used.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.adaptive.params import ESdagParams
from eots.adaptive.report import FactorReport, measured, switched_off, thin
from eots.chain.schema import UTC_US

METHODS = ("multiplicative", "directional", "weighted", "volatility_focused")
_METRIC = "e_sdag"


def initial_weights(params: ESdagParams) -> dict[str, float]:
    """Return the initial weights of the methods with a positive weight, summing to 1."""
    raw = params.methodology_weights_initial.model_dump()
    total = sum(raw.values())
    return {m: raw[m] / total for m in METHODS if raw[m] > 0}


def _hit_rates(
    track_record: pl.DataFrame, as_of: dt.datetime, window: int
) -> dict[str, tuple[float, int]]:
    cutoff = pl.lit(as_of.astimezone(dt.UTC)).cast(UTC_US)
    known = pl.col("ts").cast(UTC_US) < cutoff
    if "realized_at" in track_record.columns:
        known = known & (pl.col("realized_at").cast(UTC_US) <= cutoff)
    signal = pl.col("signal").cast(pl.Float64).fill_nan(None)
    ret = pl.col("forward_return").cast(pl.Float64).fill_nan(None)
    scored = (
        track_record.lazy()
        .filter(known & (signal != 0) & (ret != 0))
        .sort("ts")
        .group_by("method")
        .agg(
            hit=((signal.sign() == ret.sign()).tail(window)).mean(),
            n=pl.len().clip(upper_bound=window),
        )
        .collect()
    )
    return {
        str(m): (float(h), int(n))
        for m, h, n in scored.select("method", "hit", "n").iter_rows()
        if h is not None
    }


def methodology_weights(
    track_record: pl.DataFrame | None,
    as_of: dt.datetime,
    params: ESdagParams,
    window: int,
) -> tuple[dict[str, float], tuple[FactorReport, ...]]:
    """Return the methodology weights (method -> weight, summing to 1) and one report each.

    Parameters
    ----------
    track_record
        Past signals and outcomes (module docstring); None: the initial weights.
    as_of
        Analysis instant (outcomes known later are ignored).
    params
        E-SDAG parameters (initial weights, ``min_outcomes``, ``performance_sensitivity``).
    window
        Latest outcomes scored per method (``performance_tracking_window``).
    """
    w0 = initial_weights(params)
    if not params.factors.adaptive_weights:
        return w0, tuple(switched_off(_METRIC, f"weight_{m}", w) for m, w in w0.items())
    if track_record is None or track_record.height == 0:
        why = "no track record: initial weight"
        return w0, tuple(thin(_METRIC, f"weight_{m}", w, why) for m, w in w0.items())
    hits = _hit_rates(track_record, as_of, window)
    k = params.performance_sensitivity
    mult: dict[str, float] = {}
    for m in w0:
        hit, n = hits.get(m, (0.5, 0))
        mult[m] = max(0.0, 1.0 + k * (2.0 * hit - 1.0)) if n >= params.min_outcomes else 1.0
    total = sum(w0[m] * mult[m] for m in w0)
    weights = {m: w0[m] * mult[m] / total for m in w0} if total > 0 else w0
    reports = []
    for m, weight in weights.items():
        hit, n = hits.get(m, (0.5, 0))
        if n >= params.min_outcomes and total > 0:
            how = f"hit rate {hit:.3f} over {n} outcomes: x{mult[m]:.3f} then renormalised"
            reports.append(measured(_METRIC, f"weight_{m}", weight, how))
        else:
            why = f"{n} outcomes before as_of, {params.min_outcomes} needed: initial share"
            reports.append(thin(_METRIC, f"weight_{m}", weight, why))
    return weights, tuple(reports)


__all__ = ["METHODS", "initial_weights", "methodology_weights"]
