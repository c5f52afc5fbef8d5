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

from eots.metrics.arrays import ContractArrays, Masked, constant, normalised, safe_ratio
from eots.metrics.coefficients import alignment, flow_ratio
from eots.metrics.params import BaseMetricParams
from eots.metrics.weights import dte_weight, proximity


def tdpi_columns(
    a: ContractArrays,
    params: BaseMetricParams,
    *,
    spot: float,
    atr: float | None,
    time_weight: float,
) -> dict[str, Masked]:
    """Return the per-contract TDPI factors, ``tdpi``, ``ctr`` and ``tdfi`` with its parts."""
    p, scope, clip = params.tdpi, a.scope, params.clip_percentile
    charm_flow, theta_flow = a.flows["charm"], a.flows["theta"]
    charmxoi, txoi = a.working["charmxoi"], a.working["txoi"]
    beta = alignment(charm_flow, charmxoi, p.beta)
    ratio = flow_ratio(charm_flow, charmxoi)
    norm_theta = normalised(theta_flow, scope, clip)
    weight = constant(time_weight, a.rows)
    prox = proximity(
        p.proximity,
        strike=a.raw["strike"],
        delta=a.raw["delta"],
        spot=spot,
        atr=atr if atr is not None else float("nan"),
        width=p.gaussian_width,
        band=params.proximity_band,
    )
    dte_w = dte_weight(p.dte_decay, a.raw["t_years"]) if p.dte_weight else constant(1.0, a.rows)
    norm_txoi = normalised(abs(txoi), scope, clip)
    norm_theta_abs = normalised(abs(theta_flow), scope, clip)
    return {
        "tdpi_beta": beta,
        "charm_flow_to_charm_oi_ratio": ratio,
        "norm_net_theta_flow": norm_theta,
        "time_weight": weight,
        "strike_proximity": prox,
        "tdpi_dte_weight": dte_w,
        "ctr": safe_ratio(abs(charm_flow), abs(theta_flow)),
        "norm_txoi_abs": norm_txoi,
        "norm_raw_theta_flow_abs_for_tdfi": norm_theta_abs,
        "tdpi": charmxoi * txoi.sign() * (1.0 + beta * ratio) * norm_theta * weight * prox * dte_w,
        "tdfi": safe_ratio(norm_theta_abs, norm_txoi),
    }
