"""D-TDPI, dynamic time decay pressure, with enhanced CTR and TDFI (framework.md 1.3), per contract.

Formula::

    d_tdpi = charmxoi * sgn(txoi) * (1 + beta * min(5, r_c)) * n(F_theta)
             * time_weight * prox(w) * cluster * charm_accel

* ``beta`` (``d_tdpi_beta``) and ``r_c = |F_charm| / |charmxoi|`` (``d_tdpi_charm_ratio``, capped
  at ``charm_ratio_cap`` 5 as [CANON]) and ``n(F_theta)`` (``d_tdpi_norm_theta_flow``): the base
  TDPI's columns (``tdpi_beta``, ``charm_flow_to_charm_oi_ratio``, ``norm_net_theta_flow``).
* ``time_weight`` (``d_tdpi_time_weight``): the five-value profile (``time_profile``).
* ``prox(w)`` (``d_tdpi_proximity``): ``exp(w ((K - S) / ATR)^2)`` with the dynamic width w
  (``d_tdpi_gaussian_width``, ``gaussian``) and the base metrics' ATR (``MetricInputs.atr`` or its
  documented proxy).
* ``cluster`` (``d_tdpi_cluster_factor``): expiration clustering (``clustering``).
* ``charm_accel`` (``d_tdpi_charm_acceleration``): from charm history (``charm``).

Enhanced ratios ([CANON], bounded and NaN where the denominator is 0)::

    enhanced_ctr  = clip(|F_charm| / |F_theta|, 0, 10)
    enhanced_tdfi = clip(n(|F_theta|) / n(|txoi|), 0, 10)

Units: D-TDPI in charmxoi's (delta-shares per calendar day), CTR delta-shares per $ (as base),
TDFI dimensionless. Sign: ``sgn(charmxoi) sgn(txoi) sgn(F_theta)``, as the base TDPI (all
adaptive factors are positive).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from eots.adaptive.charm import charm_acceleration
from eots.adaptive.clustering import CLUSTER_COLUMN
from eots.adaptive.inputs import f, w
from eots.adaptive.params import DTdpiParams
from eots.metrics import BaseMetricParams, ProximityShape
from eots.metrics.normalise import normalised, safe_ratio
from eots.metrics.weights import proximity

#: Per-contract factor columns of D-TDPI.
D_TDPI_FACTORS = (
    "d_tdpi_time_weight",
    "d_tdpi_gaussian_width",
    "d_tdpi_proximity",
    "d_tdpi_cluster_factor",
    "d_tdpi_charm_acceleration",
    "d_tdpi_beta",
    "d_tdpi_charm_ratio",
    "d_tdpi_norm_theta_flow",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DTdpiScalars:
    """The snapshot-wide values D-TDPI's factors use.

    Attributes
    ----------
    spot
        Underlying price, $.
    atr
        Average true range, $ (None: unknown, the proximity is NaN).
    time_weight
        The adaptive time-of-day weight.
    width
        The dynamic Gaussian width, in ATRs.
    """

    spot: float
    atr: float | None
    time_weight: float
    width: float


def d_tdpi_factors(
    params: DTdpiParams,
    base_params: BaseMetricParams,
    scalars: DTdpiScalars,
    *,
    cluster_joined: bool,
    charm_joined: bool,
) -> dict[str, pl.Expr]:
    """Return D-TDPI's factor columns and the enhanced ratios (first stage)."""
    spot, atr, width = scalars.spot, scalars.atr, scalars.width
    time_weight = scalars.time_weight
    scope, clip = base_params.normalisation_scope, base_params.clip_percentile
    ratio = pl.col("charm_flow_to_charm_oi_ratio")
    if params.charm_ratio_cap is not None:
        ratio = ratio.clip(upper_bound=params.charm_ratio_cap)
    charm_flow, theta_flow = pl.col(f("charm")), pl.col(f("theta"))
    cap = params.ratio_cap
    return {
        "d_tdpi_time_weight": pl.lit(time_weight, dtype=pl.Float64),
        "d_tdpi_gaussian_width": pl.lit(width, dtype=pl.Float64),
        "d_tdpi_proximity": proximity(
            ProximityShape.GAUSSIAN_ATR,
            spot=spot,
            atr=atr if atr is not None else float("nan"),
            width=width,
            band=base_params.proximity_band,
        ),
        "d_tdpi_cluster_factor": pl.col(CLUSTER_COLUMN).fill_null(1.0)
        if cluster_joined
        else pl.lit(1.0),
        "d_tdpi_charm_acceleration": charm_acceleration(pl.col(w("charmxoi")), params)
        if charm_joined
        else pl.lit(1.0),
        "d_tdpi_beta": pl.col("tdpi_beta"),
        "d_tdpi_charm_ratio": ratio,
        "d_tdpi_norm_theta_flow": pl.col("norm_net_theta_flow"),
        "enhanced_ctr": safe_ratio(charm_flow.abs(), theta_flow.abs()).clip(0.0, cap),
        "enhanced_tdfi": safe_ratio(
            normalised(theta_flow.abs(), scope, clip),
            normalised(pl.col(w("txoi")).abs(), scope, clip),
        ).clip(0.0, cap),
    }


def d_tdpi_value() -> dict[str, pl.Expr]:
    """Return ``d_tdpi`` from its factors (second stage)."""
    c = pl.col
    return {
        "d_tdpi": c(w("charmxoi"))
        * c(w("txoi")).sign()
        * (1.0 + c("d_tdpi_beta") * c("d_tdpi_charm_ratio"))
        * c("d_tdpi_norm_theta_flow")
        * c("d_tdpi_time_weight")
        * c("d_tdpi_proximity")
        * c("d_tdpi_cluster_factor")
        * c("d_tdpi_charm_acceleration")
    }


__all__ = ["D_TDPI_FACTORS", "DTdpiScalars", "d_tdpi_factors", "d_tdpi_value"]
