"""D-TDPI's expiration clustering factor from open interest by days to expiry.

From the current chain's open interest per calendar DTE (``eots.market.oi_by_dte``: calls plus
puts, expirations from the session on), with ``avg`` the mean OI over the listed DTEs
(base_system.md 4.3, vectorised)::

    clustered(d) = OI(d) > 1.5 avg  or  OI(d + j) > 1.2 avg for some 0 < |j| <= 2
    factor(d)    = 1.1 if clustered(d) else 1

A contract gets its DTE's factor (dimensionless, >= 1): expiries where open interest piles up,
or next to such a pile, carry more pin risk. From the current snapshot (its open interest is as of
the previous close), not a history factor.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from eots.adaptive.inputs import DTE
from eots.adaptive.params import DTdpiParams
from eots.adaptive.report import FactorReport, measured, switched_off
from eots.market import oi_by_dte

_METRIC, _FACTOR = "d_tdpi", "cluster_factor"
#: Column of the per-DTE frame ``expiration_clustering`` returns.
CLUSTER_COLUMN = "_cluster"


def clustered(dte: np.ndarray, oi: np.ndarray, params: DTdpiParams) -> np.ndarray:
    """Return, per DTE row, whether it is clustered (module docstring).

    Examples
    --------
    >>> clustered(np.array([0, 1, 5, 30]), np.array([100.0, 10.0, 10.0, 10.0]), DTdpiParams())
    array([ True,  True, False, False])
    """
    if dte.size == 0:
        return np.zeros(0, dtype=bool)
    avg = float(oi.mean())
    big = oi > params.cluster_threshold * avg
    near = oi > params.neighbour_threshold * avg
    gap = np.abs(dte[:, None] - dte[None, :])
    window = (gap > 0) & (gap <= params.cluster_lookaround_days)
    return np.asarray(big | (window & near[None, :]).any(axis=1), dtype=bool)


def expiration_clustering(
    contracts: pl.DataFrame, session: dt.date, params: DTdpiParams
) -> tuple[pl.DataFrame | None, FactorReport]:
    """Return the factor per ``dte_days`` (None: 1 everywhere) with its report."""
    if not params.factors.expiration_clustering:
        return None, switched_off(_METRIC, _FACTOR)
    if "open_interest" not in contracts.columns:
        return None, measured(_METRIC, _FACTOR, 1.0, "no open_interest column: 1")
    table = oi_by_dte(contracts.select("expiry", "right", "open_interest"), session)
    dte = table.get_column("dte").to_numpy()
    oi = table.get_column("open_interest").to_numpy().astype(np.float64)
    flags = clustered(dte, oi, params)
    frame = pl.DataFrame(
        {DTE: dte, CLUSTER_COLUMN: np.where(flags, params.cluster_factor, 1.0)},
        schema={DTE: pl.Int32, CLUSTER_COLUMN: pl.Float64},
    )
    days = dte[flags].tolist()
    how = (
        f"clustered DTEs {days[:12]}{' ...' if len(days) > 12 else ''} of {dte.size} (per contract)"
    )
    return frame, measured(_METRIC, _FACTOR, None, how)


__all__ = ["CLUSTER_COLUMN", "clustered", "expiration_clustering"]
