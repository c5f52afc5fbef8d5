"""Snapshot-wide scalars of the base metrics: ATR, underlying IV, IV_5d, and their provenance.

* ATM IV of an expiry: ``eots.market.atm_iv_term`` (the IV at the expiry's forward, interpolated
  in total variance between the out-of-the-money strikes around it; decimal), the one definition
  used everywhere (metrics, market context, levels).
* Underlying IV (VRI trend numerator, SDAG skew adjustment): ``MetricInputs.underlying_iv``, else
  the ATM IV of the nearest expiry (noted).
* IV_5d (VRI trend denominator): ``MetricInputs.iv_5d``, else the ATM IV of the expiry whose
  calendar DTE is nearest ``VriParams.iv5_target_dte`` (ties: the shorter), which is what the
  original's Tradier "IV5" measured (base_system.md 1.4): a term-structure ratio, not a trend.
* ATR ($): ``MetricInputs.atr``, else ``S * iv_30d * sqrt(1/252)`` (a one-day one-sigma move at
  the 30-day constant-maturity ATM IV, ``atr_iv_days``: a CPI-eve front expiry no longer sets it) or
  the original's ``max(S * pct, min)`` (``AtrProxy``); noted either way.

Every fallback is returned as a (metric, message) note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.market.term import TERM_SCHEMA, KnownTerm, atm_iv_term, constant_maturity_iv
from eots.metrics.inputs import MetricInputs
from eots.metrics.params import AtrProxy, BaseMetricParams

Note = tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricContext:
    """Resolved scalars (None when they cannot be determined) and the notes on how.

    ``term`` is the ATM term structure of the in-scope contracts (``eots.market.TERM_SCHEMA``)
    when the chain was needed for a fallback, else None: the adaptive metrics reuse it.
    """

    atr: float | None
    underlying_iv: float | None
    iv_5d: float | None
    notes: tuple[Note, ...]
    term: pl.DataFrame | None = None


def _atm_iv_arrays(
    contracts: pl.DataFrame, spot: float, known: KnownTerm | None = None
) -> tuple[np.ndarray, pl.DataFrame]:
    """Return ``dte_days`` per expiry and the ATM term structure (``eots.market.atm_iv_term``).

    The one ATM-IV definition of the project: the IV at the expiry's forward, interpolated in
    total variance between the out-of-the-money strikes around it. ``known``: a term structure
    already computed (the market context's), reused when its rows equal ``contracts``'.
    """
    term = atm_iv_term(contracts, spot) if known is None else known.term_of(contracts, spot)
    return term.get_column("t_years").to_numpy() * 365.0, term


def metric_context(
    contracts: pl.DataFrame,
    inputs: MetricInputs,
    params: BaseMetricParams,
    *,
    known: KnownTerm | None = None,
) -> MetricContext:
    """Resolve the scalars of ``inputs`` with their documented fallbacks.

    ``known``: an ATM term structure already computed (``eots.market.KnownTerm``), used instead
    of computing the contracts' one when it was computed from equal rows and spot.
    """
    notes: list[Note] = []
    need_chain = inputs.atr is None or inputs.underlying_iv is None or inputs.iv_5d is None
    have_chain = need_chain and "forward" in contracts.columns
    if have_chain:
        dte_days, term = _atm_iv_arrays(contracts, inputs.spot, known)
    else:
        dte_days, term = np.empty(0), pl.DataFrame(schema=TERM_SCHEMA)
    atm_iv = term.get_column("atm_iv").to_numpy()
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
        cm = constant_maturity_iv(term, params.atr_iv_days)
        iv_cm = cm.iv if math.isfinite(cm.iv) else None
        atr = _atr_proxy(inputs.spot, iv_cm, params)
        if atr is None:
            notes.append(("tdpi", "no ATR and no ATM IV for its proxy: proximity is NaN"))
        else:
            how = (
                f"S * iv_{params.atr_iv_days:g}d * sqrt(1/252) ({cm.method.value})"
                if params.atr_proxy is AtrProxy.ATM_IV
                else f"max(S * {params.atr_fallback_percentage}, {params.atr_fallback_min})"
            )
            notes.append(("tdpi", f"ATR proxy {how} = {atr:.4f}"))
    return MetricContext(
        atr=atr,
        underlying_iv=underlying_iv,
        iv_5d=iv_5d,
        notes=tuple(notes),
        term=term if have_chain else None,
    )


def _atr_proxy(spot: float, iv_atm: float | None, params: BaseMetricParams) -> float | None:
    if params.atr_proxy is AtrProxy.PERCENT_OF_PRICE:
        return max(spot * params.atr_fallback_percentage, params.atr_fallback_min)
    if iv_atm is None or not iv_atm > 0:
        return None
    return spot * iv_atm * math.sqrt(1.0 / 252.0)
