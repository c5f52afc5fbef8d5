"""VRI 2.0's volatility-surface dynamics: the ATM IV now against its recent snapshots.

From the market context's ``iv_intraday`` (30-day constant-maturity ATM IV of the session's
snapshots, oldest first; only those quoted at or before ``as_of``), "now" is the latest and "past"
the up to ``surface_lookback`` (5) snapshots before it (base_system.md 4.4 / 11.3)::

    surface = clip(1 + s (IV_now / mean(IV_past) - 1), 0.5, 1.5)    s = surface_dynamics_factor 0.2

Rising implied volatility amplifies VRI 2.0, falling damps it. Dimensionless. Fewer than
``surface_min_snapshots`` (1) past snapshots with a finite IV: 1, flagged neutral.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from eots.adaptive.params import Vri2Params
from eots.adaptive.report import ScalarFactor, measured, switched_off, thin
from eots.chain.schema import UTC_US, utc_lit
from eots.market import MarketContext

_METRIC, _FACTOR = "vri_2_0", "surface_factor"


def surface_value(now: float, past: list[float], params: Vri2Params) -> float:
    """Return the factor for the current IV and past IVs.

    Examples
    --------
    >>> surface_value(0.22, [0.2, 0.2], Vri2Params())
    1.02
    """
    raw = 1.0 + params.surface_dynamics_factor * (now / (sum(past) / len(past)) - 1.0)
    return min(params.surface_clip[1], max(params.surface_clip[0], raw))


def surface_dynamics(
    context: MarketContext | None, as_of: dt.datetime, params: Vri2Params
) -> ScalarFactor:
    """Return the surface-dynamics factor with its report (module docstring)."""
    if not params.factors.surface_dynamics:
        return ScalarFactor(value=1.0, report=switched_off(_METRIC, _FACTOR))
    if context is None:
        return ScalarFactor(value=1.0, report=thin(_METRIC, _FACTOR, 1.0, "no market context"))
    finite = _known_ivs(context.iv_intraday, as_of)
    past = finite[-params.surface_lookback - 1 : -1]
    if not finite or len(past) < params.surface_min_snapshots:
        why = f"{len(past)} past snapshots with an ATM IV, {params.surface_min_snapshots} needed"
        return ScalarFactor(value=1.0, report=thin(_METRIC, _FACTOR, 1.0, why))
    value = surface_value(finite[-1], past, params)
    how = f"ATM IV {finite[-1]:.4f} over the mean of {len(past)} past snapshots"
    return ScalarFactor(value=value, report=measured(_METRIC, _FACTOR, value, how))


def _known_ivs(iv_intraday: pl.DataFrame, as_of: dt.datetime) -> list[float]:
    """Return the finite positive ATM IVs quoted at or before ``as_of``, in time order.

    Read as arrays when those stamps are strictly increasing (the usual case: the sort keeps
    the rows as they are); else filtered and sorted by polars.
    """
    ts = iv_intraday.get_column("ts_event")
    if ts.dtype == UTC_US and not ts.null_count():
        stamps = ts.to_numpy()  # datetime64[us], UTC
        cut = np.datetime64(as_of.astimezone(dt.UTC).replace(tzinfo=None), "us")
        before = stamps <= cut
        kept = stamps[before]
        if bool((kept[1:] > kept[:-1]).all()):
            iv = iv_intraday.get_column("atm_iv").cast(pl.Float64).to_numpy()[before]  # null: NaN
            return iv[np.isfinite(iv) & (iv > 0)].tolist()  # type: ignore[no-any-return]
    series = (
        iv_intraday.filter(pl.col("ts_event") <= utc_lit(as_of))
        .sort("ts_event")
        .get_column("atm_iv")
        .to_list()
    )
    return [v for v in series if v is not None and math.isfinite(v) and v > 0]


__all__ = ["surface_dynamics", "surface_value"]
