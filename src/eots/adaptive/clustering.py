"""D-TDPI's expiration clustering factor from open interest by days to expiry.

From the current chain's open interest per calendar DTE (calls plus puts, expirations from the
session on; the sums of ``eots.market.oi_by_dte``, taken on the contracts' arrays), with ``avg``
the mean OI over the listed DTEs (base_system.md 4.3, vectorised)::

    clustered(d) = OI(d) > 1.5 avg  or  OI(d + j) > 1.2 avg for some 0 < |j| <= 2
    factor(d)    = 1.1 if clustered(d) else 1

A contract gets its DTE's factor (dimensionless, >= 1): expiries where open interest piles up,
or next to such a pile, carry more pin risk. From the current snapshot (its open interest is as of
the previous close), not a history factor.
"""

from __future__ import annotations

import numpy as np

from eots.adaptive.dte import unique_days
from eots.adaptive.params import DTdpiParams
from eots.adaptive.report import FactorReport, measured, switched_off
from eots.metrics.arrays import Floats, Ints, Masked

_METRIC, _FACTOR = "d_tdpi", "cluster_factor"


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
    open_interest: Floats | None, dte: Ints, params: DTdpiParams
) -> tuple[Masked | None, FactorReport]:
    """Return each contract's clustering factor (None: 1 everywhere) with its report.

    Parameters
    ----------
    open_interest
        Open interest of each contract (NaN: unknown, counted as 0); None: no such column.
    dte
        Calendar days from the session to each contract's expiration (negative: expired, not
        listed; its factor is null).
    params
        D-TDPI parameters (thresholds, look-around, factor).

    Examples
    --------
    >>> f, _ = expiration_clustering(np.array([90.0, 5.0, 5.0, 1.0]), np.array([0, 0, 9, 30]),
    ...                              DTdpiParams())
    >>> f.v.tolist()
    [1.1, 1.1, 1.0, 1.0]
    """
    if not params.factors.expiration_clustering:
        return None, switched_off(_METRIC, _FACTOR)
    if open_interest is None:
        return None, measured(_METRIC, _FACTOR, 1.0, "no open_interest column: 1")
    listed = dte >= 0
    days, inverse = unique_days(dte[listed])
    oi = np.bincount(inverse, weights=np.nan_to_num(open_interest[listed]), minlength=days.size)
    flags = clustered(days, oi, params)
    value = np.full(dte.size, np.nan)
    value[listed] = np.where(flags, params.cluster_factor, 1.0)[inverse]
    shown = days[flags].tolist()
    how = (
        f"clustered DTEs {shown[:12]}{' ...' if len(shown) > 12 else ''} of {days.size} "
        "(per contract)"
    )
    return Masked(value, ~listed), measured(_METRIC, _FACTOR, None, how)


__all__ = ["clustered", "expiration_clustering"]
