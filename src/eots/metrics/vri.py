"""VRI (volatility risk), VVR and VFI, per contract (base_system.md 3.4, [ITS241]).

Formulas::

    vri = vannaxoi * sgn(vxoi) * (1 + gamma_v * r_v) * n(F_vomma) * skew_factor * vol_trend_factor
    vvr = |F_vanna| / |F_vomma|
    vfi = n(|F_vega|) / n(|vxoi|)

* ``gamma_v`` (``gamma_coeff``): 1.3 / 0.7 / 1.0 as ``sgn(F_vanna) sgn(vannaxoi)`` > 0 / < 0 / 0.
* ``r_v = |F_vanna| / |vannaxoi|`` (``vanna_flow_to_vanna_oi_ratio``), 0 when vannaxoi = 0.
* ``n(F_vomma)`` (``norm_net_vomma_flow``): vomma flow (``vommaxvolm`` proxy; vomma has no side
  split; or signed by ``volm_bs``).
* ``skew_factor`` = ``1 + (sum_put vxoi - sum_call vxoi) / (sum_put vxoi + sum_call vxoi)`` over the
  normalisation scope (per expiry with ``per_expiry``); unclipped as ITS unless ``skew_clip``.
* ``vol_trend_factor`` = ``1 + (IV_now - IV_5d) / IV_5d`` (one scalar; ``context``). When IV_5d is
  unavailable, the original's constant ``1 + (1 - f)/f`` with f = 0.95 (noted).

Inputs: ``vannaxoi`` (delta-shares per vol point), ``vxoi`` ($ per vol point), vanna/vomma/vega
flows. Units: VRI in vannaxoi's units; VVR is vanna flow per vomma flow (delta-shares per $ of vega,
unlike quantities as in the original); VFI dimensionless >= 0. Sign: ``sgn(vannaxoi) sgn(vxoi)
sgn(F_vomma)``. **Deviation:** VVR and VFI are NaN (not 0) where the denominator is 0.
"""

from __future__ import annotations

import numpy as np

from eots.metrics.arrays import ContractArrays, Masked, constant, normalised, safe_ratio
from eots.metrics.coefficients import alignment, flow_ratio
from eots.metrics.params import BaseMetricParams


def vol_trend_factor(
    params: BaseMetricParams, underlying_iv: float | None, iv_5d: float | None
) -> tuple[float, bool]:
    """Return the VRI vol-trend factor and whether the original's constant fallback was used."""
    if underlying_iv is not None and iv_5d is not None and iv_5d > 0:
        return 1.0 + (underlying_iv - iv_5d) / iv_5d, False
    f = params.vri.vol_trend_fallback_factor
    return 1.0 + (1.0 - f) / f, True


def vri_columns(a: ContractArrays, params: BaseMetricParams, *, trend: float) -> dict[str, Masked]:
    """Return the per-contract VRI factors, ``vri``, ``vvr`` and ``vfi`` with its parts."""
    scope, clip = a.scope, params.clip_percentile
    vanna_flow, vomma_flow = a.flows["vanna"], a.flows["vomma"]
    vannaxoi, vxoi = a.working["vannaxoi"], a.working["vxoi"]
    known = np.where(vxoi.null, 0.0, vxoi.v)
    puts = scope.total(np.where(a.is_put, known, 0.0))
    calls = scope.total(np.where(a.is_put, 0.0, known))
    no_nulls = np.zeros(a.rows, dtype=np.bool_)
    skew = 1.0 + safe_ratio(Masked(puts - calls, no_nulls), Masked(puts + calls, no_nulls))
    if params.vri.skew_clip is not None:
        skew = skew.clip(*params.vri.skew_clip)
    gamma_v = alignment(vanna_flow, vannaxoi, params.vri.gamma)
    ratio = flow_ratio(vanna_flow, vannaxoi)
    norm_vomma = normalised(vomma_flow, scope, clip)
    trend_column = constant(trend, a.rows)
    norm_vxoi = normalised(abs(vxoi), scope, clip)
    norm_vega = normalised(abs(a.flows["vega"]), scope, clip)
    return {
        "gamma_coeff": gamma_v,
        "vanna_flow_to_vanna_oi_ratio": ratio,
        "norm_net_vomma_flow": norm_vomma,
        "skew_factor": skew,
        "vol_trend_factor": trend_column,
        "vvr": safe_ratio(abs(vanna_flow), abs(vomma_flow)),
        "norm_vxoi_abs": norm_vxoi,
        "norm_vega_flow_abs_for_vfi": norm_vega,
        "vri": vannaxoi * vxoi.sign() * (1.0 + gamma_v * ratio) * norm_vomma * skew * trend_column,
        "vfi": safe_ratio(norm_vega, norm_vxoi),
    }
