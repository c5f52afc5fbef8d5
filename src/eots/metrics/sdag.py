"""SDAG, skew-and-delta-adjusted gamma exposure, four methods (base_system.md 3.2, [ITS241]).

Per contract, with ``G = gxoi`` (shares of delta per $1; or ``sgxoi = gxoi * clip(iv/iv_und, 0.1,
10)`` when ``use_skew_adjusted``; times ``dealer_sign`` with ``GammaBasis.DEALER``),
``Dn = n(dxoi)`` (``dxoi_norm_for_sdag``), ``D = dxoi`` (shares) and f = ``delta_weight_factor``:

================== ======================================================================
method             formula
================== ======================================================================
multiplicative     ``G (1 + Dn f)``
directional        ``G sgn(G Dn) (1 + |Dn f|)``, sgn(0) = +1
weighted           ``(w1 G + w2 D') / (w1 + w2)``; ``D' = D max|G| / max|D|`` (scope maxima)
volatility_focused ``G (1 + Dn sgn(G) f)``
================== ======================================================================

Units: G's (shares of delta per $1). **Unit issue of SDAG-weighted:** the original adds raw gxoi
(shares per $1) to raw dxoi (shares), so the sum changes with the price level and is dominated by
delta; with the default ``SdagWeightedUnits.RESCALED`` D is first rescaled into G's units by the
ratio of their maxima over the normalisation scope (dimensionally shares per $1, invariant to
scaling OI, and ``n(sdag_weighted) = n(w1 n(G) + w2 n(D))``); ``RAW_MIX`` reproduces the original.
Sign: G's sign (>= 0 for the holder's gamma) modulated by delta; with holder gamma
``volatility_focused`` equals ``multiplicative`` (as in the original, where gxoi >= 0). No flow.
"""

from __future__ import annotations

import numpy as np

from eots.metrics.arrays import EPS, ContractArrays, Masked, Scope, masked, normalised
from eots.metrics.coefficients import sign_nonzero
from eots.metrics.params import BaseMetricParams, GammaBasis, SdagWeightedUnits

SDAG_METHODS = ("multiplicative", "directional", "weighted", "volatility_focused")


def sdag_columns(
    a: ContractArrays, params: BaseMetricParams, *, underlying_iv: float | None
) -> dict[str, Masked]:
    """Return ``dxoi_norm_for_sdag`` and the four ``sdag_<method>`` columns (arrays)."""
    p = params.sdag
    gamma = a.working["gxoi"]
    if p.use_skew_adjusted:
        lo, hi = p.skew_ratio_clip
        iv_und = underlying_iv if underlying_iv is not None else float("nan")
        gamma = gamma * (a.working["iv"] / iv_und).clip(lo, hi)
    if p.gamma_basis is GammaBasis.DEALER:
        gamma = gamma * a.raw["dealer_sign"]
    d = a.working["dxoi"]
    dn = normalised(d, a.scope, params.clip_percentile)
    return {"dxoi_norm_for_sdag": dn, **sdag_methods(gamma, dn, d, a.scope, params)}


def sdag_methods(
    gamma: Masked, dn: Masked, d: Masked, scope: Scope, params: BaseMetricParams
) -> dict[str, Masked]:
    """Return the four ``sdag_<method>`` columns from G, ``Dn = n(dxoi)`` and D = dxoi.

    The one kernel of the four methods (module docstring): the base SDAG runs it on G = gxoi,
    E-SDAG (``eots.adaptive.e_sdag``) on the skew-adjusted G.
    """
    p = params.sdag
    w1, w2 = p.weighted.w1_gamma, p.weighted.w2_delta
    if p.weighted.units is SdagWeightedUnits.RESCALED:
        g_max, g_none = scope.max_abs(gamma)
        d_max, d_none = scope.max_abs(d)
        use = ((d_max >= EPS) | np.isnan(d_max)) & ~d_none
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(use, d.v * g_max / d_max, d.v * 0.0)
        d = masked(value, d.null | (use & g_none))
    f_m = p.multiplicative.delta_weight_factor
    f_d = p.directional.delta_weight_factor
    f_v = p.volatility_focused.delta_weight_factor
    return {
        "sdag_multiplicative": gamma * (1.0 + dn * f_m),
        "sdag_directional": gamma * sign_nonzero(gamma * dn) * (1.0 + abs(dn * f_d)),
        "sdag_weighted": (w1 * gamma + w2 * d) / (w1 + w2),
        "sdag_volatility_focused": gamma * (1.0 + dn * gamma.sign() * f_v),
    }
