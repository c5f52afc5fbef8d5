"""VRI 2.0's volatility term-structure factor: short-dated over longer-dated ATM IV.

From the current chain's ATM term structure (``eots.market.atm_iv_term``) at two constant
maturities (``constant_maturity_iv``: total variance linear in time; 7 and 30 calendar days)::

    term_factor = clip(1 + w (IV_7d / IV_30d - 1), 0.7, 1.3)        w = term_structure_weight 0.3

A flat term structure gives exactly 1; backwardation (near-dated vol above longer-dated, a
stressed market) amplifies VRI 2.0, contango damps it. Relative rather than the [CANON] per-day
slope, which kept the factor at ~1 whatever the curve. Dimensionless; from the current snapshot.
"""

from __future__ import annotations

import math

import polars as pl

from eots.adaptive.params import Vri2Params
from eots.adaptive.report import ScalarFactor, measured, switched_off
from eots.market import constant_maturity_iv

_METRIC, _FACTOR = "vri_2_0", "term_factor"


def term_factor_value(iv_short: float, iv_long: float, params: Vri2Params) -> float:
    """Return the factor for two ATM IVs.

    Examples
    --------
    >>> term_factor_value(0.2, 0.2, Vri2Params())
    1.0
    >>> round(term_factor_value(0.20, 0.16, Vri2Params()), 4)
    1.075
    """
    raw = 1.0 + params.term_structure_weight * (iv_short / iv_long - 1.0)
    return min(params.term_clip[1], max(params.term_clip[0], raw))


def term_structure_factor(term: pl.DataFrame, params: Vri2Params) -> ScalarFactor:
    """Return the term-structure factor of ``term`` (``TERM_SCHEMA``) with its report."""
    if not params.factors.term_structure:
        return ScalarFactor(value=1.0, report=switched_off(_METRIC, _FACTOR))
    short = constant_maturity_iv(term, params.term_short_days) if term.height else None
    long = constant_maturity_iv(term, params.term_long_days) if term.height else None
    if (
        short is None
        or long is None
        or not (math.isfinite(short.iv) and math.isfinite(long.iv) and long.iv > 0)
    ):
        return ScalarFactor(
            value=1.0, report=measured(_METRIC, _FACTOR, 1.0, "no ATM term structure: 1")
        )
    value = term_factor_value(short.iv, long.iv, params)
    how = (
        f"IV {params.term_short_days:g}d {short.iv:.4f} ({short.method.value}) over "
        f"{params.term_long_days:g}d {long.iv:.4f} ({long.method.value})"
    )
    return ScalarFactor(value=value, report=measured(_METRIC, _FACTOR, value, how))


__all__ = ["term_factor_value", "term_structure_factor"]
