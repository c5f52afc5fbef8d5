"""DAG, delta-adjusted gamma exposure with flow (``dag_custom``), base_system.md 3.1 ([ITS241]).

Formula, per contract::

    dag_custom = G * sgn(dxoi) * (1 + alpha * r) * n(F_gamma) * prox

* ``G = gxoi`` (gamma x OI x multiplier: shares of delta per $1), optionally volume-weighted
  ``gxoi * (1 + k n(|volume|))`` ([CANON], k = 0 by default); ``sgn(0) = +1``.
* ``alpha`` (``dag_alpha``): 1.3 / 0.7 / 1.0 as ``sgn(F_delta) sgn(dxoi)`` is > 0 / < 0 / 0.
* ``r`` (``net_delta_flow_to_dxoi_ratio``): ``|F_delta| / |dxoi|``, raw (unbounded) or
  ``phi(r) = 2/(1 + e^{-3r}) - 1`` (``FlowRatioShape.SIGMOID``); 0 when dxoi = 0.
* ``n(F_gamma)`` (``norm_net_gamma_flow``): net customer gamma flow normalised over the scope.
* ``prox`` (``dag_proximity``): 1 by default; the [CANON] linear band x delta weight optionally.

Inputs: ``gxoi``, ``dxoi``, delta and gamma net flows (direct ``*_buy - *_sell``, else the
``dxvolm``/``gxvolm`` proxies; see ``flow_inputs``). Units: gxoi's (delta-shares per $1), scaled by
dimensionless factors. Sign: ``sgn(dxoi) * sgn(F_gamma)``: positive where customers net buy gamma on
positive-delta (call) exposure; [DOCS] reads positive as support, negative as resistance or
acceleration.
"""

from __future__ import annotations

from eots.metrics.arrays import ContractArrays, Masked, normalised
from eots.metrics.coefficients import alignment, flow_ratio, sign_nonzero
from eots.metrics.params import BaseMetricParams
from eots.metrics.weights import proximity


def dag_columns(
    a: ContractArrays, params: BaseMetricParams, *, spot: float, atr: float | None
) -> dict[str, Masked]:
    """Return the per-contract DAG factors and ``dag_custom``."""
    p = params.dag
    scope, clip = a.scope, params.clip_percentile
    flow_delta, dxoi = a.flows["delta"], a.working["dxoi"]
    prox = proximity(
        p.proximity,
        strike=a.raw["strike"],
        delta=a.raw["delta"],
        spot=spot,
        atr=atr if atr is not None else float("nan"),
        width=params.tdpi.gaussian_width,
        band=params.proximity_band,
    )
    gamma = a.working["gxoi"]
    if p.volume_weight > 0:
        volume = abs(a.working["volume"])
        gamma = gamma * (1.0 + p.volume_weight * normalised(volume, scope, clip))
    alpha = alignment(flow_delta, dxoi, p.alpha)
    ratio = flow_ratio(flow_delta, dxoi, p.flow_ratio, p.sigmoid_steepness)
    norm_gamma = normalised(a.flows["gamma"], scope, clip)
    return {
        "dag_alpha": alpha,
        "net_delta_flow_to_dxoi_ratio": ratio,
        "norm_net_gamma_flow": norm_gamma,
        "dag_proximity": prox,
        "dag_custom": gamma * sign_nonzero(dxoi) * (1.0 + alpha * ratio) * norm_gamma * prox,
    }
