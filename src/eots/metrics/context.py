"""Snapshot-wide scalars of the base metrics: ATR, underlying IV, IV_5d, and their provenance.

* ATM IV of an expiry: mean ``iv`` of the live contracts at the strike nearest that expiry's
  forward (decimal).
* Underlying IV (VRI trend numerator, SDAG skew adjustment): ``MetricInputs.underlying_iv``, else
  the ATM IV of the nearest expiry (noted).
* IV_5d (VRI trend denominator): ``MetricInputs.iv_5d``, else the ATM IV of the expiry whose
  calendar DTE is nearest ``VriParams.iv5_target_dte`` (ties: the shorter), which is what the
  original's Tradier "IV5" measured (base_system.md 1.4): a term-structure ratio, not a trend.
* ATR ($): ``MetricInputs.atr``, else ``S * iv_atm * sqrt(1/252)`` (a one-day one-sigma move) or
  the original's ``max(S * pct, min)`` (``AtrProxy``); noted either way.

Every fallback is returned as a (metric, message) note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from eots.metrics.inputs import MetricInputs
from eots.metrics.params import AtrProxy, BaseMetricParams

Note = tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricContext:
    """Resolved scalars (None when they cannot be determined) and the notes on how."""

    atr: float | None
    underlying_iv: float | None
    iv_5d: float | None
    notes: tuple[Note, ...]


def atm_iv_by_expiry(contracts: pl.DataFrame) -> pl.DataFrame:
    """Return ``expiry, dte_days, atm_iv`` per expiry (live contracts with a finite IV only)."""
    live = contracts.lazy().filter(pl.col("iv").is_finite() & (pl.col("t_years") > 0))
    dist = (pl.col("strike") - pl.col("forward")).abs()
    return (
        live.with_columns(_dist=dist)
        .filter(pl.col("_dist") == pl.col("_dist").min().over("expiry"))
        .group_by("expiry")
        .agg(dte_days=pl.col("t_years").mean() * 365.0, atm_iv=pl.col("iv").mean())
        .sort("dte_days")
        .collect()
    )


def metric_context(
    contracts: pl.DataFrame, inputs: MetricInputs, params: BaseMetricParams
) -> MetricContext:
    """Resolve the scalars of ``inputs`` with their documented fallbacks."""
    notes: list[Note] = []
    need_chain = inputs.atr is None or inputs.underlying_iv is None or inputs.iv_5d is None
    atm = atm_iv_by_expiry(contracts) if need_chain and "forward" in contracts.columns else None
    nearest = float(atm.get_column("atm_iv")[0]) if atm is not None and atm.height else None

    underlying_iv = inputs.underlying_iv
    if underlying_iv is None:
        underlying_iv = nearest
        if nearest is None:
            notes.append(("vri", "no underlying IV and no ATM IV in the chain"))
        else:
            notes.append(("vri", f"underlying IV: ATM IV of the nearest expiry ({nearest:.4f})"))

    iv_5d = inputs.iv_5d
    if iv_5d is None and atm is not None and atm.height:
        target = params.vri.iv5_target_dte
        gap = (atm.get_column("dte_days") - target).abs()
        row = int(gap.arg_min() or 0)
        iv_5d = float(atm.get_column("atm_iv")[row])
        dte = float(atm.get_column("dte_days")[row])
        notes.append(("vri", f"IV_5d: ATM IV of the {dte:.1f}-day expiry ({iv_5d:.4f})"))

    atr = inputs.atr
    if atr is None:
        atr = _atr_proxy(inputs.spot, nearest, params)
        if atr is None:
            notes.append(("tdpi", "no ATR and no ATM IV for its proxy: proximity is NaN"))
        else:
            how = (
                "S * iv_atm * sqrt(1/252)"
                if params.atr_proxy is AtrProxy.ATM_IV
                else f"max(S * {params.atr_fallback_percentage}, {params.atr_fallback_min})"
            )
            notes.append(("tdpi", f"ATR proxy {how} = {atr:.4f}"))
    return MetricContext(atr=atr, underlying_iv=underlying_iv, iv_5d=iv_5d, notes=tuple(notes))


def _atr_proxy(spot: float, iv_atm: float | None, params: BaseMetricParams) -> float | None:
    if params.atr_proxy is AtrProxy.PERCENT_OF_PRICE:
        return max(spot * params.atr_fallback_percentage, params.atr_fallback_min)
    if iv_atm is None or not iv_atm > 0:
        return None
    return spot * iv_atm * math.sqrt(1.0 / 252.0)
