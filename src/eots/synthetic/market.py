"""The synthetic option market: whole validated chains (and intraday sessions of them) from params.

This is the bundled default sample and the test fixture factory. A chain is built in two steps:

1. the *listing* of a session (`eots.synthetic.expiries`, `strikes`, `open_interest`): the series
   and strikes listed around the reference spot, each contract's open interest (as of the previous
   close, fixed through the session) and its volume over the whole session;
2. the *quotes* at ``as_of``: time to settlement (ACT/365 to the settlement instant), the SSVI
   implied vol at the contract's log-moneyness against the forward ``S e^{(r - q) t}``
   (`eots.synthetic.surface`), the Black-Scholes-Merton price (`eots.greeks.black_scholes`; SPY and
   other American options are priced as European, the same approximation the analytics make),
   bid/ask around it (`eots.synthetic.quotes`), and the share of the session's volume traded so far.

The rows then go through `eots.chain.build_snapshot`, so a synthetic chain passes exactly the
validation a real source does. ``iv_src`` is the surface vol rounded to 4 decimals (as CBOE
publishes it); ``delta_src`` (4 decimals) and ``gamma_src`` (6 decimals) come from the same model.

The session a quote time belongs to is its US/Eastern date when that is a session, otherwise the
previous session: before the open volume is zero and today's PM series are live (0DTE); after
the close the session's full volume is shown and its expired series are gone. Random draws come
from ``numpy.random.Generator`` streams keyed by the seed and the session (listing) or the quote
instant (quote jitter), so a chain is a pure function of ``(params, as_of)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain import ChainSnapshot, build_snapshot
from eots.core.errors import EmptyChainError
from eots.core.time import (
    ET,
    SECONDS_PER_YEAR,
    QuoteTime,
    TimeBasis,
    nyse_calendar,
    settlement_instant,
    to_epoch_us,
    year_fraction,
)
from eots.core.types import underlying_spec
from eots.greeks import black_scholes as bs
from eots.synthetic.expiries import listed_expiries
from eots.synthetic.open_interest import (
    open_interest,
    roundness,
    series_weight,
    session_volume,
    traded_share,
)
from eots.synthetic.params import SyntheticParams
from eots.synthetic.quotes import quotes
from eots.synthetic.strikes import MIN_RANGE_YEARS, RANGE_VOL, strike_grid, strike_ladder
from eots.synthetic.surface import atm_vol, implied_vol

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SOURCE_FORMAT = "synthetic"
_TRADING_DAYS = 252.0
_STREAM_LISTING = 1
_STREAM_QUOTES = 2
_STREAM_SPOT = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class _Listing:
    day: dt.date
    open_ts: dt.datetime
    close_ts: dt.datetime
    root: NDArray[np.str_]
    expiry: NDArray[np.datetime64]
    settle_us: IntArray
    strike: FloatArray
    is_call: NDArray[np.bool_]
    open_interest: IntArray
    full_volume: IntArray


def synthetic_chain(params: SyntheticParams, *, as_of: dt.datetime) -> ChainSnapshot:
    """Return a validated synthetic chain of ``params.underlying`` quoted at ``as_of``.

    Parameters
    ----------
    params
        Market parameters; ``params.reference_spot`` is the spot at ``as_of``.
    as_of
        Quote instant (timezone-aware); becomes ``ts_event`` (basis ``source``) and ``ts_recv``.

    Returns
    -------
    ChainSnapshot
        One row per listed, unexpired contract, following ``CHAIN_SCHEMA``.

    Raises
    ------
    EmptyChainError
        If every listed contract has settled by ``as_of``.

    Examples
    --------
    >>> as_of = dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET)
    >>> snap = synthetic_chain(SyntheticParams(underlying="SPY", spot=510.0), as_of=as_of)
    >>> snap.underlying, snap.expiries[0].isoformat(), snap.spot
    ('SPY', '2024-03-13', 510.0)
    """
    day = session_day(as_of)
    listing = _listing(params, day)
    return _snapshot(params, listing, spot=params.reference_spot, as_of=as_of)


def synthetic_session(
    params: SyntheticParams, *, session: dt.date, every: dt.timedelta
) -> list[ChainSnapshot]:
    """Return snapshots from the open to the close of ``session``, one every ``every``.

    The listing (series, strikes, open interest) is fixed at the open; spot follows a seeded
    geometric random walk starting at ``params.reference_spot`` with the one-month ATM vol of the
    surface, in trading time (252 sessions of 6.5 hours a year); volumes accumulate along the
    session's U-shaped intraday profile. The first snapshot, at the open, equals
    ``synthetic_chain(params, as_of=open)``.

    Raises
    ------
    ValueError
        If ``session`` is not an XNYS session or ``every`` is not positive.
    EmptyChainError
        If every listed contract has settled by one of the snapshot times.
    """
    if every <= dt.timedelta(0):
        raise ValueError(f"expected a positive snapshot interval, was {every}")
    if nyse_calendar().session_bounds(session) is None:
        raise ValueError(f"expected an XNYS session, was {session.isoformat()}")
    listing = _listing(params, session)
    length = listing.close_ts - listing.open_ts
    n = int(length / every) + 1
    times = [listing.open_ts + i * every for i in range(n)]
    step_years = every.total_seconds() / (6.5 * 3600.0) / _TRADING_DAYS
    vol = float(atm_vol(params, 30.0 / 365.0))
    rng = np.random.default_rng([params.seed, _STREAM_SPOT, session.toordinal()])
    shocks = rng.standard_normal(n - 1) * vol * np.sqrt(step_years) - 0.5 * vol**2 * step_years
    path = params.reference_spot * np.exp(np.concatenate([[0.0], np.cumsum(shocks)]))
    return [
        _snapshot(params, listing, spot=round(float(s), 2), as_of=t)
        for s, t in zip(path, times, strict=True)
    ]


def session_day(as_of: dt.datetime) -> dt.date:
    """Return the session whose listing and volume a quote at ``as_of`` belongs to.

    Examples
    --------
    >>> session_day(dt.datetime(2024, 3, 16, 12, 0, tzinfo=ET)).isoformat()  # a Saturday
    '2024-03-15'
    """
    if as_of.tzinfo is None:
        raise ValueError(f"expected a timezone-aware as_of, was {as_of!r}")
    cal = nyse_calendar()
    day = as_of.astimezone(ET).date()
    return day if cal.is_session(day) else cal.previous_session(day)


def _listing(params: SyntheticParams, day: dt.date) -> _Listing:
    bounds = nyse_calendar().session_bounds(day)
    assert bounds is not None, f"{day} is not a session"
    open_ts, close_ts = bounds
    spot = params.reference_spot
    spec = underlying_spec(params.symbol)
    base, _ = strike_ladder(spot)
    roots: list[str] = []
    expiries: list[dt.date] = []
    settles: list[int] = []
    strikes: list[FloatArray] = []
    weights: list[float] = []
    for series in listed_expiries(params, day):
        settle = settlement_instant(series.expiry, spec.settlement(series.root))
        t = max((settle - open_ts).total_seconds() / SECONDS_PER_YEAR, 0.0)
        roots.append(series.root)
        expiries.append(series.expiry)
        settles.append(to_epoch_us(settle))
        strikes.append(strike_grid(params, spot, t))
        weights.append(series_weight(series.kind, t=t, am=series.root in spec.am_roots))
    counts = np.array([2 * len(k) for k in strikes])
    per_series = np.repeat(np.arange(len(roots)), counts)
    strike = np.concatenate([np.tile(k, 2) for k in strikes])
    is_call = np.concatenate([np.repeat([True, False], len(k)) for k in strikes])
    settle_us = np.asarray(settles, dtype=np.int64)[per_series]
    t_open = np.maximum(year_fraction(open_ts, settle_us), MIN_RANGE_YEARS)
    x = np.log(strike / spot) / (RANGE_VOL * np.sqrt(t_open))
    round_factor = roundness(strike, base)
    expiry = np.asarray(expiries, dtype="datetime64[D]")[per_series]
    days = (expiry - np.datetime64(day, "D")).astype(np.float64)
    rng = np.random.default_rng([params.seed, _STREAM_LISTING, day.toordinal()])
    oi = open_interest(
        params,
        rng,
        is_call=is_call,
        x=x,
        weight=np.asarray(weights)[per_series] * round_factor,
    )
    volume = session_volume(params, rng, x=x, days_to_expiry=days, round_factor=round_factor)
    return _Listing(
        day=day,
        open_ts=open_ts,
        close_ts=close_ts,
        root=np.asarray(roots)[per_series],
        expiry=expiry,
        settle_us=settle_us,
        strike=strike,
        is_call=is_call,
        open_interest=oi,
        full_volume=volume,
    )


def _snapshot(
    params: SyntheticParams, listing: _Listing, *, spot: float, as_of: dt.datetime
) -> ChainSnapshot:
    as_of_us = to_epoch_us(as_of)
    live = listing.settle_us > as_of_us
    if not live.any():
        last = dt.datetime.fromtimestamp(int(listing.settle_us.max()) / 1e6, tz=dt.UTC)
        raise EmptyChainError(
            f"every listed contract has settled by {as_of.isoformat()} (the listing of session "
            f"{listing.day} ends with a settlement at {last.astimezone(ET).isoformat()}); "
            "list longer-dated series (daily_sessions, weekly_weeks, monthly_months, ...) or "
            "quote earlier",
            source=f"synthetic {params.symbol} seed={params.seed}",
        )
    strike = listing.strike[live]
    is_call = listing.is_call[live]
    t = year_fraction(as_of, listing.settle_us[live])
    r, q = params.rate, params.dividend_yield
    log_m = np.log(strike / spot) - (r - q) * t
    sigma = implied_vol(params, log_m, t)
    price = bs.price(is_call, spot, strike, t, sigma, r, q)
    elapsed = (as_of - listing.open_ts) / (listing.close_ts - listing.open_ts)
    volume = np.floor(listing.full_volume[live] * traded_share(elapsed)).astype(np.int64)
    rng = np.random.default_rng([params.seed, _STREAM_QUOTES, as_of_us])
    quoted = quotes(params, rng, price=price, x=log_m / (sigma * np.sqrt(t)), traded=volume > 0)
    raw = pl.DataFrame(
        {
            "root": listing.root[live],
            "expiry": pl.Series(listing.expiry[live], dtype=pl.Date),
            "strike": strike,
            "right": np.where(is_call, "C", "P"),
            "bid": quoted.bid,
            "ask": quoted.ask,
            "last": pl.Series(quoted.last, nan_to_null=True),
            "volume": volume,
            "open_interest": listing.open_interest[live],
            "iv_src": np.round(sigma, 4),
            "delta_src": np.round(bs.delta(is_call, spot, strike, t, sigma, r, q), 4),
            "gamma_src": np.round(bs.gamma(is_call, spot, strike, t, sigma, r, q), 6),
        }
    )
    stamp = as_of.astimezone(dt.UTC)
    return build_snapshot(
        raw,
        spot=spot,
        quote_time=QuoteTime(stamp, listing.day, TimeBasis.SOURCE),
        ts_recv=stamp,
        source=f"synthetic {params.symbol} seed={params.seed}",
        source_format=SOURCE_FORMAT,
        underlying=params.symbol,
    )


__all__ = ["SOURCE_FORMAT", "session_day", "synthetic_chain", "synthetic_session"]
