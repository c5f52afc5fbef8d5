"""Hand-built priced chains for the idea tests: a flat-vol Black-Scholes world.

Every contract's mid is its Black-Scholes-Merton value at one volatility, the quote is
``mid +- half_spread`` and the greeks are the model's, so legs, prices, breakevens and the
risk-neutral density (a lognormal) are known in closed form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from eots.core.time import ET, settlement_instant, to_epoch_us, year_fraction
from eots.core.types import Settlement
from eots.greeks import black_scholes as bs
from eots.levels import KeyLevels, Level, LevelKind, Timeframe
from eots.signals.model import SignalIntegration

RATE = 0.04
SIGMA = 0.2


def et(y: int, m: int, d: int, hh: int = 11, mm: int = 0) -> dt.datetime:
    """An instant in US/Eastern, as UTC."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=ET).astimezone(dt.UTC)


def flat_chain(
    *,
    spot: float,
    as_of: dt.datetime,
    series: Sequence[tuple[str, dt.date, Settlement]],
    strikes: Sequence[float],
    sigma: float = SIGMA,
    half_spread: float = 0.05,
    rate: float = RATE,
    q: float = 0.0,
) -> pl.DataFrame:
    """Return a priced per-contract frame (``ideas.CONTRACT_COLUMNS`` and more)."""
    rows: dict[str, list[object]] = {c: [] for c in ("root", "expiry", "settlement", "right")}
    ks: list[float] = []
    ts: list[dt.datetime] = []
    for root, expiry, settle in series:
        instant = settlement_instant(expiry, settle)
        for k in strikes:
            for right in ("C", "P"):
                rows["root"].append(root)
                rows["expiry"].append(expiry)
                rows["settlement"].append(settle.value)
                rows["right"].append(right)
                ks.append(float(k))
                ts.append(instant)
    strike = np.array(ks)
    is_call = np.array([r == "C" for r in rows["right"]])
    settle_us = np.array([to_epoch_us(x) for x in ts], dtype=np.int64)
    t = year_fraction(as_of, settle_us)
    g = bs.greeks(is_call, spot, strike, t, sigma, rate, q)
    mid = g.price
    bid = np.round(mid - half_spread, 6)
    ask = np.round(mid + half_spread, 6)
    valid = bid > 0
    return pl.DataFrame(
        {
            "underlying": ["SPX"] * len(strike),
            "root": rows["root"],
            "expiry": rows["expiry"],
            "settlement": rows["settlement"],
            "expiry_ts": ts,
            "strike": strike,
            "right": rows["right"],
            "bid": np.where(valid, bid, np.nan),
            "ask": np.where(valid, ask, np.nan),
            "quote_valid": valid,
            "mid": np.where(valid, mid, np.nan),
            "iv": np.full(len(strike), sigma),
            "delta": g.delta,
            "gamma": g.gamma,
            "theta": g.theta,
            "vega": g.vega,
            "multiplier": np.full(len(strike), 100.0),
            "t_years": t,
            "forward": spot * np.exp((rate - q) * t),
            "carry_q": np.full(len(strike), q),
        }
    ).with_columns(
        pl.col("expiry_ts").dt.convert_time_zone("UTC"),
        pl.col("bid").fill_nan(None),
        pl.col("ask").fill_nan(None),
    )


def level(price: float, kind: LevelKind, strength: float, at: dt.datetime) -> Level:
    """A point level of the current snapshot."""
    return Level(
        price=price,
        kind=kind,
        timeframe=Timeframe.INTRADAY,
        strength=strength,
        conviction=strength,
        first_seen=at,
        last_seen=at,
    )


def key_levels(spot: float, at: dt.datetime, levels: Sequence[Level] = ()) -> KeyLevels:
    """Key levels holding just ``levels``."""
    return KeyLevels(
        as_of=at,
        spot=spot,
        levels=tuple(sorted(levels, key=lambda lv: lv.price)),
        conviction_threshold=0.5,
        mspi_threshold=0.3,
        metric_weights=(),
        positioning=pl.DataFrame(),
    )


def integration(
    at: dt.datetime,
    direction: float = 0.0,
    volatility: float = 0.0,
    decay: float = 0.0,
    pin: float | None = None,
) -> SignalIntegration:
    """An integrated view with the given scores."""
    return SignalIntegration(
        ts_event=at,
        regime="test",
        direction_score=direction,
        volatility_score=volatility,
        time_decay_score=decay,
        pin_strike=pin,
    )
