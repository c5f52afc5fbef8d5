"""A-DAG's days-to-expiry scale, applied inside the flow term ``(1 + alpha r dte_scale)``.

Calendar DTE = expiration date minus the session date (0 = expires this session). Buckets
([CFG253] ``dte_gamma_flow_impact_scaling``, base_system.md 11.3), with the seed's
``dte_scaling_factor`` k = 0.1 as the step between buckets::

    DTE = 0          -> zero_dte_scale (1.5)
    1 <= DTE <= 7    -> 1.0
    8 <= DTE <= 14   -> 1 - k        (0.9)
    15 <= DTE <= 30  -> 1 - 2k       (0.8)
    DTE > 30         -> 1 - 3k       (0.7)

clipped to [0.1, 3]; a contract already past expiry (DTE < 0) gets 1. Dimensionless, > 0: it only
changes how much flow moves A-DAG away from pure gamma exposure, never its sign. Computed from the
current snapshot alone (not a history factor).
"""

from __future__ import annotations

import polars as pl

from eots.adaptive.inputs import DTE
from eots.adaptive.params import ADagParams
from eots.adaptive.report import ColumnFactor, measured, switched_off

_METRIC, _FACTOR = "a_dag", "dte_scale"


def dte_scale(params: ADagParams) -> ColumnFactor:
    """Return the per-contract DTE scale (reads ``dte_days``) with its report."""
    if not params.factors.dte_scaling:
        return ColumnFactor(expr=pl.lit(1.0), report=switched_off(_METRIC, _FACTOR))
    dte = pl.col(DTE)
    k = params.dte_scaling_factor
    edges = params.dte_bucket_edges
    expr: pl.Expr = pl.lit(1.0 - k * len(edges))
    for i, edge in reversed(list(enumerate(edges))):
        expr = pl.when(dte <= edge).then(1.0 - k * i).otherwise(expr)
    expr = pl.when(dte == 0).then(params.zero_dte_scale).otherwise(expr)
    lo, hi = params.dte_scale_clip
    listed = ", ".join(str(e) for e in edges)
    how = f"buckets 0 | ..{listed} | above: {params.zero_dte_scale}, 1 - {k} i (per contract)"
    return ColumnFactor(
        expr=pl.when(dte < 0).then(1.0).otherwise(expr.clip(lo, hi)),
        report=measured(_METRIC, _FACTOR, None, how),
    )


__all__ = ["dte_scale"]
