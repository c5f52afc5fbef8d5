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

import numpy as np

from eots.adaptive.params import ADagParams
from eots.adaptive.report import ColumnFactor, measured, switched_off
from eots.metrics.arrays import Ints, Masked, constant

_METRIC, _FACTOR = "a_dag", "dte_scale"


def dte_scale(params: ADagParams, dte: Ints) -> ColumnFactor:
    """Return the per-contract DTE scale of calendar DTEs ``dte`` with its report."""
    if not params.factors.dte_scaling:
        return ColumnFactor(value=constant(1.0, len(dte)), report=switched_off(_METRIC, _FACTOR))
    k = params.dte_scaling_factor
    edges = params.dte_bucket_edges
    value = np.full(len(dte), 1.0 - k * len(edges))
    for i, edge in reversed(list(enumerate(edges))):
        value = np.where(dte <= edge, 1.0 - k * i, value)
    value = np.where(dte == 0, params.zero_dte_scale, value)
    lo, hi = params.dte_scale_clip
    value = np.where(dte < 0, 1.0, np.clip(value, lo, hi))
    listed = ", ".join(str(e) for e in edges)
    how = f"buckets 0 | ..{listed} | above: {params.zero_dte_scale}, 1 - {k} i (per contract)"
    return ColumnFactor(
        value=Masked(value, np.zeros(len(dte), dtype=np.bool_)),
        report=measured(_METRIC, _FACTOR, None, how),
    )


__all__ = ["dte_scale"]
