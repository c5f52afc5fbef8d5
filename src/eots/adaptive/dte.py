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


def unique_days(dte: Ints) -> tuple[Ints, Ints]:
    """Return ``np.unique(dte, return_inverse=True)`` of integer days, by counting them.

    Examples
    --------
    >>> [a.tolist() for a in unique_days(np.array([3, 0, 3, -1]))]
    [[-1, 0, 3], [2, 1, 2, 0]]
    """
    if dte.size == 0:
        return dte[:0], np.zeros(0, dtype=np.intp)
    lo, hi = int(dte.min()), int(dte.max())
    if hi - lo > 4 * dte.size + 4096:  # sparse days: sorting is cheaper than counting
        days, inverse = np.unique(dte, return_inverse=True)
        return days, inverse.astype(np.intp, copy=False)
    present = np.bincount(dte - lo, minlength=hi - lo + 1) > 0
    code = np.cumsum(present) - 1
    return (np.flatnonzero(present) + lo).astype(dte.dtype), code[dte - lo].astype(np.intp)


def dte_scale(params: ADagParams, dte: Ints) -> ColumnFactor:
    """Return the per-contract DTE scale of calendar DTEs ``dte`` with its report."""
    if not params.factors.dte_scaling:
        return ColumnFactor(value=constant(1.0, len(dte)), report=switched_off(_METRIC, _FACTOR))
    k = params.dte_scaling_factor
    edges = params.dte_bucket_edges
    days, inverse = unique_days(dte)  # the scale of each listed DTE, then of each contract
    value = np.full(len(days), 1.0 - k * len(edges))
    for i, edge in reversed(list(enumerate(edges))):
        value = np.where(days <= edge, 1.0 - k * i, value)
    value = np.where(days == 0, params.zero_dte_scale, value)
    lo, hi = params.dte_scale_clip
    value = np.where(days < 0, 1.0, np.clip(value, lo, hi))[inverse]
    listed = ", ".join(str(e) for e in edges)
    how = f"buckets 0 | ..{listed} | above: {params.zero_dte_scale}, 1 - {k} i (per contract)"
    return ColumnFactor(
        value=Masked(value, np.zeros(len(dte), dtype=np.bool_)),
        report=measured(_METRIC, _FACTOR, None, how),
    )


__all__ = ["dte_scale", "unique_days"]
