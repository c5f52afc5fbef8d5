"""A-DAG, adaptive delta-adjusted gamma exposure (framework.md 1.1), per contract.

Formula (the seed's, with every helper defined in its own module)::

    a_dag = gxoi * vw * sgn(dxoi) * (1 + alpha_v * r * dte_scale) * n(F_gamma) * decay

* ``vw`` (``a_dag_volume_weight``): ``1 + k n(|volume|)``, k = ``volume_weight_factor`` 0.7
  (volume-weighted gamma; session volume of the current chain; missing volume: 1).
* ``alpha_v`` (``a_dag_alpha``): the base alignment coefficient with the adaptive values
  ``1.3 v`` / ``0.7 / v`` / 1 (``regime``; v = ``a_dag_regime_factor``).
* ``r`` (``a_dag_flow_ratio``): ``phi(|F_delta| / |dxoi|) = 2/(1 + e^{-3 x}) - 1`` in [0, 1) by
  default (the seed's flow_ratio; ``FlowRatioShape.RAW`` gives the base ratio), 0 when dxoi = 0.
* ``dte_scale`` (``a_dag_dte_scale``): the DTE bucket scale, inside the flow term as the seed
  writes it (``dte``).
* ``n(F_gamma)`` (``a_dag_norm_gamma_flow``): net customer gamma flow normalised over the base
  metrics' scope (same flow choice as ``dag_custom``).
* ``decay`` (``a_dag_decay``): the per-contract recency multiplier of flow (``decay``).

Units: gxoi's (delta-shares per $1). Sign: ``sgn(dxoi) sgn(F_gamma)`` exactly as ``dag_custom``;
every adaptive factor is positive, so A-DAG and DAG agree in sign contract by contract. The
regime factor enters only through alpha (the seed; [CANON] also multiplied by it, double counting).
"""

from __future__ import annotations

from eots.adaptive.inputs import Working
from eots.adaptive.params import ADagParams
from eots.metrics import BaseMetricParams
from eots.metrics.arrays import Masked, constant, fill_null, normalised
from eots.metrics.coefficients import alignment, flow_ratio, sign_nonzero
from eots.metrics.params import AlignmentCoefficients

#: Per-contract factor columns of A-DAG.
A_DAG_FACTORS = (
    "a_dag_regime_factor",
    "a_dag_alpha",
    "a_dag_flow_ratio",
    "a_dag_dte_scale",
    "a_dag_volume_weight",
    "a_dag_decay",
    "a_dag_norm_gamma_flow",
)


def a_dag_factors(  # noqa: PLR0913  (the factors' inputs, keyword-only)
    work: Working,
    params: ADagParams,
    base_params: BaseMetricParams,
    *,
    regime: float,
    alpha: AlignmentCoefficients,
    dte_scale: Masked,
    decay: Masked | None,
) -> dict[str, Masked]:
    """Return A-DAG's factor columns (``decay``: the joined multiplier, None: 1 everywhere)."""
    scope, clip, n = work.arrays.scope, base_params.clip_percentile, work.rows
    volume_weight = constant(1.0, n)
    if params.factors.volume_weighting:
        n_volume = normalised(abs(work.w("volume")), scope, clip)
        volume_weight = fill_null(1.0 + params.volume_weight_factor * n_volume, 1.0)
    flow_delta, dxoi = work.f("delta"), work.w("dxoi")

    def ratio() -> Masked:
        return flow_ratio(flow_delta, dxoi, params.flow_ratio, params.sigmoid_steepness)

    dag = base_params.dag  # the base DAG's ratio and n(F_gamma) are these when shaped alike
    same_ratio = (dag.flow_ratio, dag.sigmoid_steepness) == (
        params.flow_ratio,
        params.sigmoid_steepness,
    )
    return {
        "a_dag_regime_factor": constant(regime, n),
        "a_dag_alpha": work.same("dag_alpha", lambda: alignment(flow_delta, dxoi, alpha))
        if alpha == dag.alpha  # a neutral regime: the base DAG's coefficients
        else alignment(flow_delta, dxoi, alpha),
        "a_dag_flow_ratio": work.same("net_delta_flow_to_dxoi_ratio", ratio)
        if same_ratio
        else ratio(),
        "a_dag_dte_scale": dte_scale,
        "a_dag_volume_weight": volume_weight,
        "a_dag_decay": fill_null(decay, 1.0) if decay is not None else constant(1.0, n),
        "a_dag_norm_gamma_flow": work.same(
            "norm_net_gamma_flow", lambda: normalised(work.f("gamma"), scope, clip)
        ),
    }


def a_dag_value(work: Working, c: dict[str, Masked]) -> Masked:
    """Return ``a_dag`` from its factors ``c`` (module docstring)."""
    return (
        work.w("gxoi")
        * c["a_dag_volume_weight"]
        * sign_nonzero(work.w("dxoi"))
        * (1.0 + c["a_dag_alpha"] * c["a_dag_flow_ratio"] * c["a_dag_dte_scale"])
        * c["a_dag_norm_gamma_flow"]
        * c["a_dag_decay"]
    )


__all__ = ["A_DAG_FACTORS", "a_dag_factors", "a_dag_value"]
