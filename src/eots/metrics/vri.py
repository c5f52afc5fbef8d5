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

import polars as pl

from eots.metrics.coefficients import alignment, flow_ratio
from eots.metrics.flow_inputs import flow_column
from eots.metrics.inputs import working
from eots.metrics.normalise import normalised, safe_ratio, scope_aggregate
from eots.metrics.params import BaseMetricParams


def vol_trend_factor(
    params: BaseMetricParams, underlying_iv: float | None, iv_5d: float | None
) -> tuple[float, bool]:
    """Return the VRI vol-trend factor and whether the original's constant fallback was used."""
    if underlying_iv is not None and iv_5d is not None and iv_5d > 0:
        return 1.0 + (underlying_iv - iv_5d) / iv_5d, False
    f = params.vri.vol_trend_fallback_factor
    return 1.0 + (1.0 - f) / f, True


def vri_factors(params: BaseMetricParams, *, trend: float) -> dict[str, pl.Expr]:
    """Return the per-contract VRI factors, VVR and VFI's normalised parts (first stage)."""
    scope, clip = params.normalisation_scope, params.clip_percentile
    vanna_flow, vomma_flow = pl.col(flow_column("vanna")), pl.col(flow_column("vomma"))
    vannaxoi, vxoi = pl.col(working("vannaxoi")), pl.col(working("vxoi"))
    is_put = pl.col("right") == "P"
    puts = scope_aggregate(pl.when(is_put).then(vxoi).otherwise(0.0).sum(), scope)
    calls = scope_aggregate(pl.when(is_put).then(0.0).otherwise(vxoi).sum(), scope)
    skew = 1.0 + safe_ratio(puts - calls, puts + calls)
    if params.vri.skew_clip is not None:
        skew = skew.clip(*params.vri.skew_clip)
    return {
        "gamma_coeff": alignment(vanna_flow, vannaxoi, params.vri.gamma),
        "vanna_flow_to_vanna_oi_ratio": flow_ratio(vanna_flow, vannaxoi),
        "norm_net_vomma_flow": normalised(vomma_flow, scope, clip),
        "skew_factor": skew,
        "vol_trend_factor": pl.lit(trend, dtype=pl.Float64),
        "vvr": safe_ratio(vanna_flow.abs(), vomma_flow.abs()),
        "norm_vxoi_abs": normalised(vxoi.abs(), scope, clip),
        "norm_vega_flow_abs_for_vfi": normalised(pl.col(flow_column("vega")).abs(), scope, clip),
    }


def vri_values() -> dict[str, pl.Expr]:
    """Return ``vri`` and ``vfi`` from the first-stage factors (second stage)."""
    return {
        "vri": pl.col(working("vannaxoi"))
        * pl.col(working("vxoi")).sign()
        * (1.0 + pl.col("gamma_coeff") * pl.col("vanna_flow_to_vanna_oi_ratio"))
        * pl.col("norm_net_vomma_flow")
        * pl.col("skew_factor")
        * pl.col("vol_trend_factor"),
        "vfi": safe_ratio(pl.col("norm_vega_flow_abs_for_vfi"), pl.col("norm_vxoi_abs")),
    }
