"""VRI 2.0, volatility regime indicator, with enhanced VVR and VFI (framework.md 1.4), per contract.

Formula (the seed's: vanna base and vega flow, not the [CANON] vomma base)::

    vri_2_0 = vannaxoi * sgn(vxoi) * (1 + gamma_v * r_v) * n(F_vega)
              * vol_context_weight * vomma_factor * term_factor * surface_factor

* ``gamma_v`` (``vri_2_0_gamma_coeff``) and ``r_v = |F_vanna| / |vannaxoi|``
  (``vri_2_0_vanna_ratio``): the base VRI's ``gamma_coeff`` and ``vanna_flow_to_vanna_oi_ratio``.
* ``n(F_vega)`` (``vri_2_0_norm_vega_flow``): net customer vega flow (``vegas_buy - vegas_sell``,
  else the ``vxvolm`` proxy) normalised over the base scope, signed.
* ``vol_context_weight``: IV-percentile weight with adaptive thresholds (``vol_context``).
* ``vomma_factor`` (``vri_2_0_vomma_factor``): ``1 + (E - 1) n(|vommaxoi|)``, E =
  ``vomma_enhancement_factor`` 1.5, in [1, E] (continuous, not the [CANON] OI switch).
* ``term_factor`` (``term_factor``), ``surface_factor`` (``surface``).

Enhanced ratios (bounded; NaN where the denominator is 0)::

    enhanced_vvr = clip(|F_vanna| / |F_vomma|, 0, 10)
    enhanced_vfi = clip(n(F_vega) / n(|vxoi|), -10, 10)       signed: net vega buying > 0

Units: VRI 2.0 in vannaxoi's (delta-shares per vol point). Sign: ``sgn(vannaxoi) sgn(vxoi)
sgn(F_vega)``; the base VRI uses the vomma flow instead, so the two agree in sign where vega and
vomma flows do (always with proxies on positive-vomma contracts).
"""

from __future__ import annotations

from eots.adaptive.inputs import Working
from eots.adaptive.params import Vri2Params
from eots.metrics import BaseMetricParams
from eots.metrics.arrays import Masked, constant, normalised, safe_ratio

#: Per-contract factor columns of VRI 2.0.
VRI_2_0_FACTORS = (
    "vri_2_0_gamma_coeff",
    "vri_2_0_vanna_ratio",
    "vri_2_0_norm_vega_flow",
    "vri_2_0_vol_context_weight",
    "vri_2_0_vomma_factor",
    "vri_2_0_term_factor",
    "vri_2_0_surface_factor",
)


def vri_2_0_factors(
    work: Working,
    params: Vri2Params,
    base_params: BaseMetricParams,
    *,
    vol_context: float,
    term: float,
    surface: float,
) -> dict[str, Masked]:
    """Return VRI 2.0's factor columns and the enhanced ratios."""
    n = work.rows
    scope, clip = work.arrays.scope, base_params.clip_percentile
    vomma = constant(1.0, n)
    if params.factors.vomma:
        n_vomma = normalised(abs(work.w("vommaxoi")), scope, clip)
        vomma = 1.0 + (params.vomma_enhancement_factor - 1.0) * n_vomma
    n_vega = normalised(work.f("vega"), scope, clip)
    cap = params.ratio_cap
    return {
        "vri_2_0_gamma_coeff": work.reused["gamma_coeff"],
        "vri_2_0_vanna_ratio": work.reused["vanna_flow_to_vanna_oi_ratio"],
        "vri_2_0_norm_vega_flow": n_vega,
        "vri_2_0_vol_context_weight": constant(vol_context, n),
        "vri_2_0_vomma_factor": vomma,
        "vri_2_0_term_factor": constant(term, n),
        "vri_2_0_surface_factor": constant(surface, n),
        # the base VVR (same flows), and n(|vxoi|) as the base VFI's, bounded
        "enhanced_vvr": work.same(
            "vvr", lambda: safe_ratio(abs(work.f("vanna")), abs(work.f("vomma")))
        ).clip(0.0, cap),
        "enhanced_vfi": safe_ratio(
            n_vega,
            work.same("norm_vxoi_abs", lambda: normalised(abs(work.w("vxoi")), scope, clip)),
        ).clip(-cap, cap),
    }


def vri_2_0_value(work: Working, c: dict[str, Masked]) -> Masked:
    """Return ``vri_2_0`` from its factors ``c`` (module docstring)."""
    return (
        work.w("vannaxoi")
        * work.w("vxoi").sign()
        * (1.0 + c["vri_2_0_gamma_coeff"] * c["vri_2_0_vanna_ratio"])
        * c["vri_2_0_norm_vega_flow"]
        * c["vri_2_0_vol_context_weight"]
        * c["vri_2_0_vomma_factor"]
        * c["vri_2_0_term_factor"]
        * c["vri_2_0_surface_factor"]
    )


__all__ = ["VRI_2_0_FACTORS", "vri_2_0_factors", "vri_2_0_value"]
