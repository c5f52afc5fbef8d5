"""D-TDPI's adaptive time weight from the five-value intraday profiles.

The session fraction ``p`` (``eots.metrics.weights.session_fraction``: elapsed share of 09:30-16:00
ET at ``as_of``, clamped to [0, 1]) is placed on five knots (default p = 0, 0.25, 0.5, 0.75, 1:
09:30, 11:07:30, 12:45, 14:22:30, 16:00 ET) carrying the profile's five values (framework.md 5.2),
and the weight is linearly interpolated between them::

    normal      [0.8, 1.0, 1.2, 1.5, 1.8]
    expiration  [1.0, 1.2, 1.5, 2.0, 2.5]

Before the open the first value holds, after the close the last. Expiration day (one profile per
session): the third Friday of the month (``monthly_is_expiration``), or a session whose expiring
contracts hold at least ``expiration_oi_share`` (25 %) of the chain's open interest. "Any contract
expires today" ([CANON]) would be every day for SPX/SPY. Dimensionless, > 0; one scalar per
snapshot from the current chain and clock (not a history factor).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from eots.adaptive.params import DTdpiParams
from eots.adaptive.report import ScalarFactor, measured, switched_off
from eots.metrics import BaseMetricParams
from eots.metrics.arrays import Floats, Ints
from eots.metrics.weights import session_fraction

_METRIC, _FACTOR = "d_tdpi", "time_weight"


def is_third_friday(day: dt.date) -> bool:
    """Return True on the third Friday of a month (standard monthly expiration).

    Examples
    --------
    >>> is_third_friday(dt.date(2024, 3, 15)), is_third_friday(dt.date(2024, 3, 8))
    (True, False)
    """
    return day.weekday() == 4 and 15 <= day.day <= 21


def zero_dte_oi_share(open_interest: Floats, dte: Ints) -> float:
    """Return the share of open interest expiring in the session (0 when there is none).

    ``open_interest`` per contract (NaN: unknown, skipped) and ``dte`` its calendar days to
    expiration from the session (negative: already expired, not counted).

    Examples
    --------
    >>> zero_dte_oi_share(np.array([30.0, 10.0, np.nan, 5.0]), np.array([0, 3, 0, -1]))
    0.75
    """
    known = ~np.isnan(open_interest)
    total = float(open_interest[known & (dte >= 0)].sum())
    today = float(open_interest[known & (dte == 0)].sum())
    return today / total if total else 0.0


def profile_weight(p: float, knots: tuple[float, ...], values: tuple[float, ...]) -> float:
    """Return the profile interpolated at session fraction ``p``.

    Examples
    --------
    >>> k = (0.0, 0.25, 0.5, 0.75, 1.0)
    >>> profile_weight(0.875, k, (1.0, 1.2, 1.5, 2.0, 2.5))
    2.25
    """
    return float(np.interp(p, knots, values))


def adaptive_time_weight(
    as_of: dt.datetime,
    session: dt.date,
    oi_share: float,
    base_params: BaseMetricParams,
    params: DTdpiParams,
) -> ScalarFactor:
    """Return the time weight at ``as_of`` with its report (module docstring)."""
    if not params.factors.time_weight:
        return ScalarFactor(value=1.0, report=switched_off(_METRIC, _FACTOR))
    monthly = params.monthly_is_expiration and is_third_friday(session)
    expiration = monthly or oi_share >= params.expiration_oi_share
    profiles = params.time_weight_profiles
    values = profiles.expiration if expiration else profiles.normal
    p = session_fraction(as_of, base_params)
    value = profile_weight(p, params.time_weight_knots, values)
    why = "third Friday" if monthly else f"0DTE OI share {oi_share:.3f}"
    how = f"{'expiration' if expiration else 'normal'} profile ({why}) at session fraction {p:.3f}"
    return ScalarFactor(value=value, report=measured(_METRIC, _FACTOR, value, how))


__all__ = ["adaptive_time_weight", "is_third_friday", "profile_weight", "zero_dte_oi_share"]
