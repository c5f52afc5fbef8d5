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

import numpy as np
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


def _atm_iv_arrays(contracts: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return ``dte_days, atm_iv`` per expiry, sorted by dte_days (live rows with a finite IV).

    The ATM rows of an expiry are those at the smallest |strike - forward|; their IV is averaged.
    """

    def values(name: str) -> tuple[np.ndarray, np.ndarray]:
        series = contracts.get_column(name)
        null = series.is_null().to_numpy() if series.null_count() else np.zeros(len(series), bool)
        return series.cast(pl.Float64).to_numpy(), null

    (iv, _), (t, t_null) = values("iv"), values("t_years")
    with np.errstate(invalid="ignore"):  # polars compares NaN as the largest float
        live = np.isfinite(iv) & ((t > 0) | (np.isnan(t) & ~t_null))
    if not live.any():
        return np.empty(0), np.empty(0)
    (strike, k_null), (forward, f_null) = values("strike"), values("forward")
    iv, t = iv[live], t[live]
    dist = np.abs(strike[live] - forward[live])
    known = ~(k_null | f_null)[live]
    expiry = contracts.get_column("expiry").to_physical().to_numpy()[live]
    _, codes = np.unique(expiry, return_inverse=True)
    groups = int(codes.max()) + 1
    nearest = np.full(groups, np.inf)
    np.fmin.at(nearest, codes[known], dist[known])  # NaN skipped, as polars' min skips it
    best = nearest[codes]
    chosen = known & ((dist == best) | (np.isnan(dist) & (best == np.inf)))
    count = np.bincount(codes[chosen], minlength=groups)
    has = count > 0
    count = np.where(has, count, 1)
    dte = np.bincount(codes[chosen], weights=t[chosen], minlength=groups) / count * 365.0
    atm = np.bincount(codes[chosen], weights=iv[chosen], minlength=groups) / count
    order = np.argsort(dte[has], kind="stable")
    return dte[has][order], atm[has][order]


def metric_context(
    contracts: pl.DataFrame, inputs: MetricInputs, params: BaseMetricParams
) -> MetricContext:
    """Resolve the scalars of ``inputs`` with their documented fallbacks."""
    notes: list[Note] = []
    need_chain = inputs.atr is None or inputs.underlying_iv is None or inputs.iv_5d is None
    have_chain = need_chain and "forward" in contracts.columns
    dte_days, atm_iv = _atm_iv_arrays(contracts) if have_chain else (np.empty(0), np.empty(0))
    nearest = float(atm_iv[0]) if atm_iv.size else None

    underlying_iv = inputs.underlying_iv
    if underlying_iv is None:
        underlying_iv = nearest
        if nearest is None:
            notes.append(("vri", "no underlying IV and no ATM IV in the chain"))
        else:
            notes.append(("vri", f"underlying IV: ATM IV of the nearest expiry ({nearest:.4f})"))

    iv_5d = inputs.iv_5d
    if iv_5d is None and atm_iv.size:
        target = params.vri.iv5_target_dte
        gap = np.abs(dte_days - target)
        row = 0 if np.isnan(gap).all() else int(np.nanargmin(gap))
        iv_5d = float(atm_iv[row])
        dte = float(dte_days[row])
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
