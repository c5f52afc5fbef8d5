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

import polars as pl

from eots.metrics.coefficients import alignment, flow_ratio, sign_nonzero
from eots.metrics.flow_inputs import flow_column
from eots.metrics.inputs import working
from eots.metrics.normalise import normalised
from eots.metrics.params import BaseMetricParams
from eots.metrics.weights import proximity


def dag_factors(params: BaseMetricParams, *, spot: float, atr: float | None) -> dict[str, pl.Expr]:
    """Return the per-contract DAG factors (first stage)."""
    p = params.dag
    flow_delta, dxoi = pl.col(flow_column("delta")), pl.col(working("dxoi"))
    prox = proximity(
        p.proximity,
        spot=spot,
        atr=atr if atr is not None else float("nan"),
        width=params.tdpi.gaussian_width,
        band=params.proximity_band,
    )
    gamma = pl.col(working("gxoi"))
    if p.volume_weight > 0:
        volume = pl.col(working("volume")).abs()
        scope, clip = params.normalisation_scope, params.clip_percentile
        gamma = gamma * (1.0 + p.volume_weight * normalised(volume, scope, clip))
    return {
        "dag_alpha": alignment(flow_delta, dxoi, p.alpha),
        "net_delta_flow_to_dxoi_ratio": flow_ratio(
            flow_delta, dxoi, p.flow_ratio, p.sigmoid_steepness
        ),
        "norm_net_gamma_flow": normalised(
            pl.col(flow_column("gamma")), params.normalisation_scope, params.clip_percentile
        ),
        "dag_proximity": prox,
        "_dag_gamma": gamma,
    }


def dag_value() -> dict[str, pl.Expr]:
    """Return ``dag_custom`` from the first-stage factors (second stage)."""
    return {
        "dag_custom": pl.col("_dag_gamma")
        * sign_nonzero(pl.col(working("dxoi")))
        * (1.0 + pl.col("dag_alpha") * pl.col("net_delta_flow_to_dxoi_ratio"))
        * pl.col("norm_net_gamma_flow")
        * pl.col("dag_proximity")
    }
