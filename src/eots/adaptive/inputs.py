"""The working frame of the adaptive metrics: scope, working copies, net flows and DTE.

``working_frame`` takes the frame ``base_metrics`` was computed on and the base output, and adds:

* ``IN_SCOPE``/``SCOPE_GROUP``: the base metrics' normalisation scope (live contracts with an
  exposure; 0DTE only or per expiry as ``BaseMetricParams.normalisation_scope`` says), so every
  ``n(x)`` here runs over the same rows as the base metrics';
* ``_a_<x>``: exposures, volume and IV as Float64, NaN -> null and null outside the scope;
* ``_af_<greek>``: the net customer flow of each greek chosen exactly as the base metrics choose it
  (``eots.metrics.flow_inputs.flow_choice``: direct ``*_buy - *_sell``, signed, or proxy);
* the base factor columns the adaptive metrics reuse (``tdpi_beta``, ``gamma_coeff`` ...), NaN ->
  null so that sums skip them;
* ``dte_days``: calendar days from the session to the expiration date (0 = expires today).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.core.errors import SchemaError
from eots.metrics import BaseMetricParams, BaseMetrics, NormalisationScope
from eots.metrics.flow_inputs import flow_choice
from eots.metrics.normalise import IN_SCOPE, SCOPE_GROUP

#: Exposure and chain columns read (absent ones are treated as missing).
WORKING_INPUTS = (
    "gxoi",
    "dxoi",
    "txoi",
    "vxoi",
    "charmxoi",
    "vannaxoi",
    "vommaxoi",
    "volume",
    "iv",
)
#: Greeks whose net flow is resolved.
FLOW_GREEKS = ("delta", "gamma", "theta", "charm", "vanna", "vomma", "vega")
#: Base per-contract columns reused as they are.
REUSED_BASE = (
    "tdpi_beta",
    "charm_flow_to_charm_oi_ratio",
    "norm_net_theta_flow",
    "gamma_coeff",
    "vanna_flow_to_vanna_oi_ratio",
    "dxoi_norm_for_sdag",
)
#: Contract identity used by every history join (``eots.flows.FLOW_KEY``).
CONTRACT_KEY = ("root", "expiry", "strike", "right")
DTE = "dte_days"


def w(name: str) -> str:
    """Return the working column of input ``name``."""
    return f"_a_{name}"


def f(greek: str) -> str:
    """Return the working column of ``greek``'s net flow."""
    return f"_af_{greek}"


def working_frame(
    base: BaseMetrics,
    contracts: pl.DataFrame,
    session: dt.date,
    params: BaseMetricParams,
) -> pl.DataFrame:
    """Return the working frame (module docstring), row-aligned with ``base.contracts``.

    Raises
    ------
    SchemaError
        If ``contracts`` is not the frame the base metrics were computed on (row count, keys).
    """
    if contracts.height != base.contracts.height:
        raise SchemaError(
            "expected the frame base_metrics was computed on, "
            f"was {contracts.height} rows against {base.contracts.height}"
        )
    missing = [c for c in ("strike", "right", "expiry") if c not in contracts.columns]
    if missing:
        raise SchemaError(f"expected contract key columns strike, right, expiry; missing {missing}")
    reused = [c for c in REUSED_BASE if c in base.contracts.columns]
    frame = contracts.with_columns(
        base.contracts.get_column(c).fill_nan(None) for c in reused
    ).with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in REUSED_BASE if c not in reused)
    absent = [c for c in WORKING_INPUTS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in absent)
    live = pl.col("exposure_ok") if "exposure_ok" in frame.columns else pl.lit(value=True)
    scope = params.normalisation_scope
    if scope is NormalisationScope.ZERO_DTE:
        live = live & (pl.col("expiry") == pl.lit(session))
    group = pl.col("expiry") if scope is NormalisationScope.PER_EXPIRY else pl.lit(0, pl.Int32)
    frame = frame.with_columns(
        live.fill_null(value=False).alias(IN_SCOPE),
        group.alias(SCOPE_GROUP),
        (pl.col("expiry") - pl.lit(session)).dt.total_days().cast(pl.Int32).alias(DTE),
    )
    inside = pl.col(IN_SCOPE)
    choices = [flow_choice(frame, g, params) for g in FLOW_GREEKS]
    return frame.with_columns(
        *(
            pl.when(inside).then(pl.col(c).cast(pl.Float64).fill_nan(None)).alias(w(c))
            for c in WORKING_INPUTS
        ),
        *(pl.when(inside).then(c.value).alias(f(c.greek)) for c in choices),
    )


__all__ = ["CONTRACT_KEY", "DTE", "FLOW_GREEKS", "REUSED_BASE", "f", "w", "working_frame"]
