"""E-SDAG, enhanced skew-and-delta-adjusted GEX (framework.md 1.2), per contract.

Skew-adjusted GEX ``G' = G * skew`` (``e_sdag_skew_adjusted_gex``), where G = gxoi (times the
dealer sign with ``GammaBasis.DEALER``) and ``skew`` = ``e_sdag_skew_factor`` = smile x term x
intraday (``skew``; the base option ``use_skew_adjusted`` is not applied on top). The four
methods are the base SDAG formulas (``eots.metrics.sdag``, same ``delta_weight_factor`` and
weighted-method units) on G'::

    e_sdag_multiplicative     = G' (1 + Dn f)
    e_sdag_directional        = G' sgn(G' Dn) (1 + |Dn f|)
    e_sdag_weighted           = (w1 G' + w2 D') / (w1 + w2)
    e_sdag_volatility_focused = G' (1 + Dn sgn(G') f)
    e_sdag_composite          = sum_m w_m e_sdag_m          (w: ``methodology``, sum to 1)

with ``Dn = n(dxoi)``. Units: gxoi's (delta-shares per $1); the composite is a convex combination
of same-unit methods, so it is additive per strike. Sign: multiplicative, directional and
volatility-focused keep their base method's sign (the skew factor is positive); weighted adds
``w2 D'`` to ``w1 G'``, so a skew factor other than 1 can flip it where the two terms nearly
cancel. With a neutral skew (1) each method equals its base ``sdag_<method>`` exactly. The
weights are columns ``e_sdag_weight_<method>`` (0 for methods not in use). The conviction score
(``conviction``) is computed from ``n(e_sdag_m)``.
"""

from __future__ import annotations

import polars as pl

from eots.adaptive.inputs import w
from eots.adaptive.methodology import METHODS
from eots.adaptive.params import ESdagParams
from eots.adaptive.skew import INTRADAY_PIECE, TERM_PIECE, smile_piece
from eots.metrics import BaseMetricParams, GammaBasis
from eots.metrics.inputs import working
from eots.metrics.normalise import normalised
from eots.metrics.sdag import sdag_values

#: Per-contract factor columns of E-SDAG.
E_SDAG_FACTORS = (
    "e_sdag_smile_factor",
    "e_sdag_term_factor",
    "e_sdag_intraday_skew_factor",
    "e_sdag_skew_factor",
    *(f"e_sdag_weight_{m}" for m in METHODS),
)
#: The four method columns.
E_SDAG_METHODS = tuple(f"e_sdag_{m}" for m in METHODS)


def e_sdag_factors(
    params: ESdagParams, base_params: BaseMetricParams, *, skew_joined: bool
) -> dict[str, pl.Expr]:
    """Return the skew pieces, the skew factor and the adjusted G (first stage)."""
    if skew_joined:
        smile = smile_piece(pl.col(w("iv")), params)
        term = pl.col(TERM_PIECE).fill_null(1.0)
        intraday = pl.col(INTRADAY_PIECE).fill_null(1.0)
    else:
        smile = term = intraday = pl.lit(1.0)
    skew = (smile * term * intraday).clip(*params.skew_clip)
    gamma = pl.col(w("gxoi"))
    if base_params.sdag.gamma_basis is GammaBasis.DEALER:
        gamma = gamma * pl.col("dealer_sign")
    return {
        "e_sdag_smile_factor": smile,
        "e_sdag_term_factor": term,
        "e_sdag_intraday_skew_factor": intraday,
        "e_sdag_skew_factor": skew,
        # the base SDAG kernels read these two names
        "_sdag_g": gamma * skew,
        working("dxoi"): pl.col(w("dxoi")),
    }


def e_sdag_values(base_params: BaseMetricParams) -> dict[str, pl.Expr]:
    """Return the adjusted GEX and the four method columns (second stage)."""
    methods = {f"e_{name}": expr for name, expr in sdag_values(base_params).items()}
    return {"e_sdag_skew_adjusted_gex": pl.col("_sdag_g"), **methods}


def e_sdag_composite(weights: dict[str, float]) -> dict[str, pl.Expr]:
    """Return the composite and the weight columns (third stage)."""
    used = [m for m in METHODS if m in weights]
    composite = pl.sum_horizontal([weights[m] * pl.col(f"e_sdag_{m}") for m in used])
    any_missing = pl.any_horizontal([pl.col(f"e_sdag_{m}").is_null() for m in used])
    return {
        "e_sdag_composite": pl.when(any_missing).then(None).otherwise(composite),
        **{f"e_sdag_weight_{m}": pl.lit(weights.get(m, 0.0)) for m in METHODS},
    }


def method_norms(base_params: BaseMetricParams, methods: list[str]) -> dict[str, pl.Expr]:
    """Return ``n(e_sdag_m)`` of the methods in use (private ``_z_<m>`` columns)."""
    scope, clip = base_params.normalisation_scope, base_params.clip_percentile
    return {f"_z_{m}": normalised(pl.col(f"e_sdag_{m}"), scope, clip) for m in methods}


__all__ = [
    "E_SDAG_FACTORS",
    "E_SDAG_METHODS",
    "e_sdag_composite",
    "e_sdag_factors",
    "e_sdag_values",
    "method_norms",
]
