"""One snapshot's inputs as NumPy arrays and scalars: what every signal family reads.

Built once per snapshot (``signal_context``) so the families share one conversion:

* per-strike metric arrays and the proximity weights ``w_k = exp(-0.5 ((K - S)/(width ATR))^2)``,
  zero beyond ``band`` ATR (``ProximityParams``);
* the front expiry (the earliest settlement after ``as_of``): its settlement instant, hours and
  days to it, per-strike absolute and net GEX ($ per 1 %) and its total dealer charm ($ of delta
  per day);
* ATM IV of the front expiry (claims' reference, expected moves), of the first expiry at least
  ``short_min_days`` out (the term structure's short end: a 0DTE IV hours before settlement says
  little about the curve) and at ``back_days`` (``eots.market.constant_maturity_iv``);
* from the bars up to ``as_of`` (later bars are ignored and counted): the realised volatility of
  the last ``rv_bars`` log returns, annualised with ``252 * 390 / bar_minutes`` bars per year for
  intraday bars (252 for daily), and the momentum
  ``m = tanh(z / z_scale)``, ``z = ln(C_t / C_{t-n}) / (sigma_bar sqrt(n))``;
* the session fraction ``(as_of - open) / (close - open)`` clipped to 0..1 (XNYS calendar).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.time import nyse_calendar
from eots.market import constant_maturity_iv
from eots.signals.inputs import STRIKE_METRIC_COLUMNS, SignalInputs
from eots.signals.params import SignalParams

FloatArray = NDArray[np.float64]
_US_PER_HOUR = 3.6e9
_SESSION_MINUTES = 390.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Front:
    """The front expiry: settlement, time left and its gamma/charm near the price."""

    settles_at: dt.datetime
    hours: float
    days: float
    strike: FloatArray
    abs_gex: FloatArray
    net_gex: FloatArray
    charm_usd_per_day: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalContext:
    """Arrays and scalars of one snapshot (module docstring)."""

    inputs: SignalInputs
    strike: FloatArray
    metrics: dict[str, FloatArray]
    weight: FloatArray
    gex_strike: FloatArray
    gex_weight: FloatArray
    net_gex_k: FloatArray
    abs_gex_k: FloatArray
    charm_k: FloatArray
    front: Front | None
    iv_front: float | None
    iv_short: float | None
    iv_back: float | None
    closes: FloatArray
    future_bars: int
    realized_vol: float | None
    momentum: float | None
    session_fraction: float
    minutes_to_close: float

    @property
    def spot(self) -> float:
        """Underlying price at ``as_of``, $."""
        return self.inputs.spot

    @property
    def atr(self) -> float:
        """ATR, $."""
        return self.inputs.atr

    def metric(self, name: str) -> FloatArray:
        """Return a per-strike metric (NaN everywhere when the column is absent)."""
        return self.metrics[name]


def proximity(strike: FloatArray, spot: float, atr: float, params: SignalParams) -> FloatArray:
    """Return the Gaussian proximity weight of each strike (0 beyond the band)."""
    d = (strike - spot) / atr
    w = np.exp(-0.5 * (d / params.proximity.width_atr) ** 2)
    return np.where(np.abs(d) <= params.proximity.band_atr, w, 0.0)


def signal_context(inputs: SignalInputs, params: SignalParams) -> SignalContext:
    """Return the arrays and scalars the families read (module docstring)."""
    sm = inputs.strike_metrics
    present = [c for c in STRIKE_METRIC_COLUMNS if c in set(sm.columns)]
    block = (
        sm.select(pl.col(present).cast(pl.Float64).fill_null(float("nan")))
        .to_numpy()
        .T.astype(np.float64)
    )
    strike = block[present.index("strike")]
    missing = np.full(strike.size, np.nan)
    metrics = {
        c: block[present.index(c)] if c in present else missing for c in STRIKE_METRIC_COLUMNS
    }
    bs = inputs.by_strike.select("strike", "net_gex", "abs_gex", "charm").to_numpy().T
    gex_strike = bs[0].astype(np.float64)
    term = _term(inputs)
    closes, future = _closes(inputs)
    rv = _realized_vol(inputs, closes, params)
    fraction, to_close = _session_clock(inputs)
    return SignalContext(
        inputs=inputs,
        strike=strike,
        metrics=metrics,
        weight=proximity(strike, inputs.spot, inputs.atr, params),
        gex_strike=gex_strike,
        gex_weight=proximity(gex_strike, inputs.spot, inputs.atr, params),
        net_gex_k=bs[1].astype(np.float64),
        abs_gex_k=bs[2].astype(np.float64),
        charm_k=bs[3].astype(np.float64),
        front=_front(inputs),
        iv_front=_front_iv(term),
        iv_short=_short_iv(term, params),
        iv_back=_back_iv(term, params),
        closes=closes,
        future_bars=future,
        realized_vol=rv,
        momentum=_momentum(closes, params),
        session_fraction=fraction,
        minutes_to_close=to_close,
    )


def _front(inputs: SignalInputs) -> Front | None:
    c = inputs.contracts
    if c.height == 0:
        return None
    as_of_us = int(inputs.as_of.timestamp() * 1e6)
    expiry = c.get_column("expiry_ts").dt.epoch("us").to_numpy()
    live = expiry > as_of_us
    if not live.any():
        return None
    first = int(expiry[live].min())
    mask = expiry == first
    k = c.get_column("strike").to_numpy()[mask]
    gex = np.nan_to_num(c.get_column("gex_usd_per_pct").to_numpy()[mask])
    charm = np.nan_to_num(c.get_column("charm_usd_per_day").to_numpy()[mask])
    strikes, idx = np.unique(k, return_inverse=True)
    hours = (first - as_of_us) / _US_PER_HOUR
    return Front(
        settles_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=first),
        hours=hours,
        days=hours / 24.0,
        strike=strikes.astype(np.float64),
        abs_gex=np.bincount(idx, weights=np.abs(gex), minlength=strikes.size).astype(np.float64),
        net_gex=np.bincount(idx, weights=gex, minlength=strikes.size).astype(np.float64),
        charm_usd_per_day=float(charm.sum()),
    )


def _term(inputs: SignalInputs) -> pl.DataFrame:
    return inputs.term.filter(pl.col("t_years") > 0).sort("t_years")


def _front_iv(term: pl.DataFrame) -> float | None:
    if term.height == 0:
        return None
    iv = float(term.item(0, "atm_iv"))
    return iv if math.isfinite(iv) and iv > 0 else None


def _short_iv(term: pl.DataFrame, params: SignalParams) -> float | None:
    if term.height == 0:
        return None
    later = term.filter(pl.col("t_years") >= params.volatility.short_min_days / 365.0)
    row = later if later.height else term
    iv = float(row.item(0, "atm_iv"))
    return iv if math.isfinite(iv) and iv > 0 else None


def _back_iv(term: pl.DataFrame, params: SignalParams) -> float | None:
    if term.height == 0:
        return None
    cm = constant_maturity_iv(term, params.volatility.back_days)
    return cm.iv if math.isfinite(cm.iv) and cm.iv > 0 else None


def _closes(inputs: SignalInputs) -> tuple[FloatArray, int]:
    if inputs.bars is None or inputs.bars.height == 0:
        return np.empty(0), 0
    bars = inputs.bars.sort("ts")
    ts = bars.get_column("ts").dt.epoch("us").to_numpy()
    keep = ts <= int(inputs.as_of.timestamp() * 1e6)
    closes = bars.get_column("close").to_numpy().astype(np.float64)[keep]
    if (closes <= 0).any() or not np.isfinite(closes).all():
        raise ValueError("bars: expected finite closes > 0 ($) up to as_of")
    return closes, int((~keep).sum())


def _bar_minutes(inputs: SignalInputs, params: SignalParams) -> float:
    if inputs.bars is None or inputs.bars.height < 2:
        return params.volatility.bar_minutes
    ts = inputs.bars.sort("ts").get_column("ts").dt.epoch("us").to_numpy()
    ts = ts[ts <= int(inputs.as_of.timestamp() * 1e6)]
    if ts.size < 2:
        return params.volatility.bar_minutes
    return float(np.median(np.diff(ts))) / 6e7


def _realized_vol(inputs: SignalInputs, closes: FloatArray, params: SignalParams) -> float | None:
    n = params.volatility.rv_bars
    if closes.size < n + 1:
        return None
    r = np.diff(np.log(closes[-(n + 1) :]))
    minutes = _bar_minutes(inputs, params)
    per_year = 252.0 if minutes >= 24 * 60 - 1 else 252.0 * _SESSION_MINUTES / minutes
    return float(np.std(r, ddof=1) * math.sqrt(per_year))


def _momentum(closes: FloatArray, params: SignalParams) -> float | None:
    n = params.directional.momentum_bars
    if closes.size < n + 2:
        return None
    r = np.diff(np.log(closes[-(max(n, params.volatility.rv_bars) + 1) :]))
    sigma = float(np.std(r, ddof=1))
    move = math.log(closes[-1] / closes[-1 - n])
    if sigma <= 0:
        return 0.0 if move == 0 else math.copysign(1.0, move)
    z = move / (sigma * math.sqrt(n))
    return math.tanh(z / params.directional.momentum_z_scale)


def _session_clock(inputs: SignalInputs) -> tuple[float, float]:
    bounds = nyse_calendar().session_bounds(inputs.session)
    if bounds is None:
        return 0.5, float("nan")
    open_, close = bounds
    length = (close - open_).total_seconds()
    fraction = (inputs.as_of - open_).total_seconds() / length
    return min(1.0, max(0.0, fraction)), (close - inputs.as_of).total_seconds() / 60.0


__all__ = ["Front", "SignalContext", "proximity", "signal_context"]
