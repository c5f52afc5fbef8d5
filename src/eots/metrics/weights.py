"""Weights shared by the metrics: strike proximity, time of day, DTE, and the MSPI session.

Strike proximity (base_system.md 2.2), dimensionless in [0, 1], 1 at the money:

* ``gaussian_atr``:      ``exp(w ((K - S) / ATR)^2)`` with w < 0 (ITS TDPI; w = -0.5)
* ``linear_band``:       ``clip(1 - |K - S| / (b S), 0, 1)``
* ``linear_band_delta``: the linear band times ``clip(0.5 + 0.5 |delta|, 0.5, 1)`` ([CANON] DAG)
* ``none``:              1

Time of day (2.3), one scalar per snapshot from ``as_of`` in US/Eastern: ``quadratic`` is
``1 + p^2`` with p the elapsed fraction of the session clamped to [0, 1] (1 at the open, 2 at the
close); ``step`` is 1.2 before open + 1 h, 1.5 from close - 1 h, else 1. DTE weight ([CANON]):
``clip(exp(-lambda DTE) * (2 if DTE <= 1 else 1), 0.1, 3)`` with DTE in calendar days
(``t_years * 365``), and 1 for DTE < 0. MSPI sessions: morning before 11:00 ET, midday before
14:00 ET, final after.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import numpy as np

from eots.core.time import ET
from eots.metrics.arrays import Masked, masked
from eots.metrics.params import BaseMetricParams, ProximityShape, TimeWeightShape


class MspiSession(StrEnum):
    """Intraday session that selects the time-based MSPI weights."""

    MORNING = "morning"
    MIDDAY = "midday"
    FINAL = "final"


def _minutes(t: dt.time) -> float:
    return t.hour * 60.0 + t.minute + t.second / 60.0


def session_fraction(as_of: dt.datetime, params: BaseMetricParams) -> float:
    """Return the elapsed fraction of the session at ``as_of`` (ET), clamped to [0, 1]."""
    now = _minutes(as_of.astimezone(ET).time())
    start, end = _minutes(params.market_open), _minutes(params.market_close)
    return min(1.0, max(0.0, (now - start) / (end - start)))


def time_of_day_weight(as_of: dt.datetime, params: BaseMetricParams) -> float:
    """Return the TDPI time-of-day weight at ``as_of`` (dimensionless, >= 1)."""
    shape = params.tdpi.time_weight
    if shape is TimeWeightShape.NONE:
        return 1.0
    if shape is TimeWeightShape.QUADRATIC:
        return 1.0 + session_fraction(as_of, params) ** 2
    now = _minutes(as_of.astimezone(ET).time())
    if _minutes(params.market_close) - 60.0 <= now <= _minutes(params.market_close):
        return params.tdpi.step_close_factor
    if _minutes(params.market_open) <= now <= _minutes(params.market_open) + 60.0:
        return params.tdpi.step_open_factor
    return 1.0


def mspi_session(as_of: dt.datetime, params: BaseMetricParams) -> MspiSession:
    """Return the MSPI session of ``as_of`` (ET wall clock)."""
    now = as_of.astimezone(ET).time()
    if now < params.mspi.morning_end:
        return MspiSession.MORNING
    if now < params.mspi.midday_end:
        return MspiSession.MIDDAY
    return MspiSession.FINAL


def proximity(  # noqa: PLR0913  (the shape's keyword-only arrays and scalars)
    shape: ProximityShape,
    *,
    strike: Masked,
    delta: Masked,
    spot: float,
    atr: float,
    width: float,
    band: float,
) -> Masked:
    """Return the strike-proximity weight of each contract (module docstring).

    Parameters
    ----------
    shape
        Which weight.
    strike, delta
        The contracts' strikes and deltas as they are in the frame.
    spot, atr
        Underlying price and ATR ($; NaN when unknown: the Gaussian weight is then NaN).
    width
        Gaussian w (negative).
    band
        Linear band b as a fraction of spot.
    """
    distance = strike - spot
    if shape is ProximityShape.GAUSSIAN_ATR:
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = distance / atr
        return (width * (scaled * scaled)).exp()
    if shape is ProximityShape.NONE:
        return Masked(np.ones(len(strike.v)), np.zeros(len(strike.v), dtype=np.bool_))
    linear = (1.0 - abs(distance) / (band * spot)).clip(0.0, 1.0)
    if shape is ProximityShape.LINEAR_BAND:
        return linear
    return linear * (0.5 + 0.5 * abs(delta)).clip(0.5, 1.0)


def dte_weight(decay: float, t_years: Masked) -> Masked:
    """Return the [CANON] DTE weight of each contract (module docstring; from ``t_years``)."""
    dte = t_years * 365.0
    base = (-decay * dte).exp() * np.where(dte.v <= 1.0, 2.0, 1.0)
    value = np.where(dte.v < 0.0, 1.0, base.clip(0.1, 3.0).v)
    return masked(value, t_years.null)
