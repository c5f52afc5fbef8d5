"""TDPI (time decay pressure), CTR and TDFI, per contract (base_system.md 3.3, [ITS241]).

Formulas::

    tdpi = charmxoi * sgn(txoi) * (1 + beta * r_c) * n(F_theta) * time_weight * prox [* dte_w]
    ctr  = |F_charm| / |F_theta|
    tdfi = n(|F_theta|) / n(|txoi|)

* ``beta`` (``tdpi_beta``): 1.3 / 0.7 / 1.0 as ``sgn(F_charm) sgn(charmxoi)`` > 0 / < 0 / 0
  (always 1.3 with the unsigned proxy, as in the original).
* ``r_c = |F_charm| / |charmxoi|`` (``charm_flow_to_charm_oi_ratio``), 0 when charmxoi = 0.
* ``n(F_theta)`` (``norm_net_theta_flow``): net customer theta flow (direct, else ``txvolm``).
* ``time_weight``: ``1 + p^2`` over the session (one scalar per snapshot; ``weights``).
* ``prox`` (``strike_proximity``): ``exp(w ((K - S)/ATR)^2)``, w = -0.5.
* ``dte_w`` (``tdpi_dte_weight``): the [CANON] DTE weight, off by default (then 1).

Inputs: ``charmxoi`` (delta-shares per day), ``txoi`` ($ per day), charm flow (proxy
``charmxvolm`` or signed), theta flow, strike, spot, ATR, ``as_of``. Units: TDPI is in charmxoi's
units (delta-shares per calendar day); CTR is charm flow per theta flow (delta-shares per $, a
ratio of unlike quantities as in the original); TDFI is dimensionless, >= 0. Sign: TDPI carries
``sgn(charmxoi) * sgn(txoi) * sgn(F_theta)``. **Deviation:** CTR and TDFI are NaN (not 0) where
their denominator is 0; per strike they are recomputed from strike sums (``strikes``).
"""

from __future__ import annotations

import polars as pl

from eots.metrics.coefficients import alignment, flow_ratio
from eots.metrics.flow_inputs import flow_column
from eots.metrics.inputs import working
from eots.metrics.normalise import normalised, safe_ratio
from eots.metrics.params import BaseMetricParams
from eots.metrics.weights import dte_weight, proximity


def tdpi_factors(
    params: BaseMetricParams, *, spot: float, atr: float | None, time_weight: float
) -> dict[str, pl.Expr]:
    """Return the per-contract TDPI factors, CTR and TDFI's normalised parts (first stage)."""
    p, scope, clip = params.tdpi, params.normalisation_scope, params.clip_percentile
    charm_flow, theta_flow = pl.col(flow_column("charm")), pl.col(flow_column("theta"))
    charmxoi, txoi = pl.col(working("charmxoi")), pl.col(working("txoi"))
    return {
        "tdpi_beta": alignment(charm_flow, charmxoi, p.beta),
        "charm_flow_to_charm_oi_ratio": flow_ratio(charm_flow, charmxoi),
        "norm_net_theta_flow": normalised(theta_flow, scope, clip),
        "time_weight": pl.lit(time_weight, dtype=pl.Float64),
        "strike_proximity": proximity(
            p.proximity,
            spot=spot,
            atr=atr if atr is not None else float("nan"),
            width=p.gaussian_width,
            band=params.proximity_band,
        ),
        "tdpi_dte_weight": dte_weight(p.dte_decay) if p.dte_weight else pl.lit(1.0),
        "ctr": safe_ratio(charm_flow.abs(), theta_flow.abs()),
        "norm_txoi_abs": normalised(txoi.abs(), scope, clip),
        "norm_raw_theta_flow_abs_for_tdfi": normalised(theta_flow.abs(), scope, clip),
    }


def tdpi_values() -> dict[str, pl.Expr]:
    """Return ``tdpi`` and ``tdfi`` from the first-stage factors (second stage)."""
    return {
        "tdpi": pl.col(working("charmxoi"))
        * pl.col(working("txoi")).sign()
        * (1.0 + pl.col("tdpi_beta") * pl.col("charm_flow_to_charm_oi_ratio"))
        * pl.col("norm_net_theta_flow")
        * pl.col("time_weight")
        * pl.col("strike_proximity")
        * pl.col("tdpi_dte_weight"),
        "tdfi": safe_ratio(pl.col("norm_raw_theta_flow_abs_for_tdfi"), pl.col("norm_txoi_abs")),
    }
