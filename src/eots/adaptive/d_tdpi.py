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

from eots.adaptive.charm import charm_acceleration
from eots.adaptive.inputs import Working
from eots.adaptive.params import DTdpiParams
from eots.metrics import BaseMetricParams, ProximityShape
from eots.metrics.arrays import Masked, constant, fill_null, normalised, safe_ratio
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
    work: Working,
    params: DTdpiParams,
    base_params: BaseMetricParams,
    scalars: DTdpiScalars,
    *,
    cluster: Masked | None,
    charm_past: Masked | None,
) -> dict[str, Masked]:
    """Return D-TDPI's factor columns and the enhanced ratios.

    ``cluster`` is each contract's joined clustering factor, ``charm_past`` its joined mean past
    |charmxoi| (None: no such history, the factor is 1 everywhere).
    """
    n = work.rows
    scope, clip = work.arrays.scope, base_params.clip_percentile
    ratio = work.reused["charm_flow_to_charm_oi_ratio"]
    if params.charm_ratio_cap is not None:
        ratio = ratio.clip(upper=params.charm_ratio_cap)
    charm_flow, theta_flow = work.f("charm"), work.f("theta")
    cap = params.ratio_cap
    raw = work.arrays.raw

    def gaussian() -> Masked:
        return proximity(
            ProximityShape.GAUSSIAN_ATR,
            strike=raw["strike"],
            delta=raw["delta"],
            spot=scalars.spot,
            atr=scalars.atr if scalars.atr is not None else float("nan"),
            width=scalars.width,
            band=base_params.proximity_band,
        )

    # the base TDPI's proximity is this one when it is the Gaussian of the same width (the
    # neutral width): same strikes, spot and ATR
    tdpi = base_params.tdpi
    same_gaussian = (
        tdpi.proximity is ProximityShape.GAUSSIAN_ATR and tdpi.gaussian_width == scalars.width
    )
    return {
        "d_tdpi_time_weight": constant(scalars.time_weight, n),
        "d_tdpi_gaussian_width": constant(scalars.width, n),
        "d_tdpi_proximity": work.same("strike_proximity", gaussian)
        if same_gaussian
        else gaussian(),
        "d_tdpi_cluster_factor": fill_null(cluster, 1.0)
        if cluster is not None
        else constant(1.0, n),
        "d_tdpi_charm_acceleration": charm_acceleration(work.w("charmxoi"), charm_past, params)
        if charm_past is not None
        else constant(1.0, n),
        "d_tdpi_beta": work.reused["tdpi_beta"],
        "d_tdpi_charm_ratio": ratio,
        "d_tdpi_norm_theta_flow": work.reused["norm_net_theta_flow"],
        # the base CTR and TDFI (same flows, scope and clip), bounded
        "enhanced_ctr": work.same("ctr", lambda: safe_ratio(abs(charm_flow), abs(theta_flow))).clip(
            0.0, cap
        ),
        "enhanced_tdfi": work.same(
            "tdfi",
            lambda: safe_ratio(
                normalised(abs(theta_flow), scope, clip),
                normalised(abs(work.w("txoi")), scope, clip),
            ),
        ).clip(0.0, cap),
    }


def d_tdpi_value(work: Working, c: dict[str, Masked]) -> Masked:
    """Return ``d_tdpi`` from its factors ``c`` (module docstring)."""
    return (
        work.w("charmxoi")
        * work.w("txoi").sign()
        * (1.0 + c["d_tdpi_beta"] * c["d_tdpi_charm_ratio"])
        * c["d_tdpi_norm_theta_flow"]
        * c["d_tdpi_time_weight"]
        * c["d_tdpi_proximity"]
        * c["d_tdpi_cluster_factor"]
        * c["d_tdpi_charm_acceleration"]
    )


__all__ = ["D_TDPI_FACTORS", "DTdpiScalars", "d_tdpi_factors", "d_tdpi_value"]
