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

import numpy as np

from eots.adaptive.inputs import Working
from eots.adaptive.methodology import METHODS
from eots.adaptive.params import ESdagParams
from eots.adaptive.skew import smile_piece
from eots.metrics import BaseMetricParams, GammaBasis
from eots.metrics.arrays import Masked, constant, fill_null, masked, normalised, sum_horizontal
from eots.metrics.sdag import sdag_methods

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


def e_sdag_columns(
    work: Working,
    params: ESdagParams,
    base_params: BaseMetricParams,
    pieces: tuple[Masked, Masked, Masked] | None,
) -> dict[str, Masked]:
    """Return the skew pieces, the skew factor, the adjusted GEX and the four methods.

    ``pieces`` are the contracts' joined per-expiry ATM IV, term piece and intraday piece
    (``eots.adaptive.skew.expiry_skew``); None: no term structure, every piece 1.
    """
    n = work.rows
    if pieces is not None:
        atm_iv, term_piece, intraday_piece = pieces
        smile = smile_piece(work.w("iv"), atm_iv, params)
        term = fill_null(term_piece, 1.0)
        intraday = fill_null(intraday_piece, 1.0)
    else:
        smile = term = intraday = constant(1.0, n)
    skew = (smile * term * intraday).clip(*params.skew_clip)
    gamma = work.w("gxoi")
    if base_params.sdag.gamma_basis is GammaBasis.DEALER:
        gamma = gamma * work.arrays.raw["dealer_sign"]
    adjusted = gamma * skew
    dn, d = work.reused["dxoi_norm_for_sdag"], work.w("dxoi")
    methods = sdag_methods(adjusted, dn, d, work.arrays.scope, base_params)
    return {
        "e_sdag_smile_factor": smile,
        "e_sdag_term_factor": term,
        "e_sdag_intraday_skew_factor": intraday,
        "e_sdag_skew_factor": skew,
        "e_sdag_skew_adjusted_gex": adjusted,
        **{f"e_{name}": value for name, value in methods.items()},
    }


def e_sdag_composite(columns: dict[str, Masked], weights: dict[str, float]) -> dict[str, Masked]:
    """Return the composite ``sum_m w_m e_sdag_m`` (null if a method is) and the weight columns."""
    used = [m for m in METHODS if m in weights]
    n = len(columns[E_SDAG_METHODS[0]].v)
    if used:
        total = sum_horizontal([weights[m] * columns[f"e_sdag_{m}"] for m in used])
        composite = masked(total.v, total.null)
    else:
        composite = Masked(np.zeros(n), np.zeros(n, dtype=np.bool_))
    return {
        "e_sdag_composite": composite,
        **{f"e_sdag_weight_{m}": constant(weights.get(m, 0.0), n) for m in METHODS},
    }


def method_norms(
    columns: dict[str, Masked], work: Working, base_params: BaseMetricParams, methods: list[str]
) -> list[Masked]:
    """Return ``n(e_sdag_m)`` of the methods in use."""
    scope, clip = work.arrays.scope, base_params.clip_percentile
    return [normalised(columns[f"e_sdag_{m}"], scope, clip) for m in methods]


__all__ = [
    "E_SDAG_FACTORS",
    "E_SDAG_METHODS",
    "e_sdag_columns",
    "e_sdag_composite",
    "method_norms",
]
