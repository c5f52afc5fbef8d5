"""Customer trades with ground truth: who traded what, at which price, opening or closing.

Per contract and block of minutes, the number of trades is Poisson with mean::

    volume_scale * (1 + days_to_expiry)**-1.5 * exp(-(x / 1.2)**2 / 2) * sqrt(roundness)
        * noise * flow_scale / mean_trade_size * (U(e1) - U(e0))

(the session volume of `eots.synthetic.open_interest.session_volume`, in trades: heaviest in
0DTE and at the money, ``x`` the strike's distance from the *current* spot in sd of a 20 % vol,
``noise`` a per-session lognormal of each contract, ``U`` the U-shaped intraday share
`eots.synthetic.open_interest.traded_share` of the block's start and end fractions ``e0, e1``).
Each trade gets a time uniform in its minute, a size ``1 + Poisson(mean_trade_size - 1)``, a side
(buy with chance ``call_buy_share``, or for puts ``put_buy_share`` plus ``flow_reaction`` times
the session's fall so far), the prevailing quote (`eots.synthetic.quotes` around the model price
at the trade's spot and the block's surface) and a price: at the touch (ask for a buy, bid for a
sell) with chance ``at_touch_share``, otherwise uniform between the mid and the touch, on the
tick, never below one tick.

Opening or closing: a buy closes a customer short (a sell a customer long) with chance
``close_share`` when customers hold enough of it; the closing sizes of one contract within a
block never exceed the position held at the block's start, so positions never go negative and
open interest moves by exactly ``sum(opening sizes) - sum(closing sizes)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.core.time import SECONDS_PER_YEAR
from eots.greeks import black_scholes as bs
from eots.simulator.book import Book
from eots.simulator.params import SimulatorParams
from eots.synthetic import SyntheticParams, implied_vol
from eots.synthetic.open_interest import traded_share
from eots.synthetic.quotes import quotes, tick_size
from eots.synthetic.strikes import MIN_RANGE_YEARS, RANGE_VOL

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_MINUTE_US = 60_000_000
_MIN_BUY_SHARE = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class Trades:
    """A block's trades in time order (arrays aligned row by row)."""

    contract: IntArray  # row of the book
    ts_us: IntArray  # epoch microseconds
    minute: IntArray  # minute of the session the trade falls in (0 = the first)
    size: IntArray  # contracts
    is_buy: BoolArray  # customer side (the aggressor)
    price: FloatArray  # $ per share
    bid: FloatArray
    ask: FloatArray
    opening: BoolArray  # True opens a customer position, False closes one

    @property
    def n(self) -> int:
        """Number of trades."""
        return len(self.size)


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockMarket:
    """What the trades of one block of minutes are priced against."""

    open_us: int  # the session's open, epoch us
    first_minute: int  # the block's first minute of the session
    minute_open: FloatArray  # spot at each minute's start, $
    minute_close: FloatArray  # spot at each minute's end, $
    surface: SyntheticParams  # the block's implied-vol surface
    session_return: float  # log return of the session so far at the block's start
    elapsed: tuple[float, float]  # session fraction at the block's start and end


def session_intensity(
    book: Book, params: SimulatorParams, rng: np.random.Generator, *, day: np.datetime64
) -> FloatArray:
    """Return each contract's static trade-rate factor for one session (before moneyness).

    ``volume_scale * (1 + days)**-1.5 * sqrt(roundness) * noise * flow_scale / mean_trade_size``,
    in trades per session.
    """
    from eots.synthetic import strike_ladder
    from eots.synthetic.open_interest import roundness

    days = (book.expiry - day).astype(np.float64)
    base, _ = strike_ladder(float(np.median(book.strike)) if book.size else 1.0)
    noise = rng.lognormal(-0.5 * 0.8**2, 0.8, size=book.size)
    result: FloatArray = (
        params.market.volume_scale
        * (1.0 + days) ** -1.5
        * np.sqrt(roundness(book.strike, base))
        * noise
        * params.flow_scale
        / params.mean_trade_size
    )
    return result


def block_trades(
    book: Book,
    intensity: FloatArray,
    market: BlockMarket,
    params: SimulatorParams,
    rng: np.random.Generator,
) -> Trades:
    """Draw the customer trades of one block (see the module docstring)."""
    minutes = len(market.minute_open)
    start_us = market.open_us + market.first_minute * _MINUTE_US
    end_us = start_us + minutes * _MINUTE_US
    alive = book.settle_us > end_us
    spot0 = float(market.minute_open[0])
    t0 = np.maximum((book.settle_us - start_us) / 1e6 / SECONDS_PER_YEAR, MIN_RANGE_YEARS)
    x = np.log(book.strike / spot0) / (RANGE_VOL * np.sqrt(t0))
    share = traded_share(market.elapsed[1]) - traded_share(market.elapsed[0])
    lam = np.where(alive, intensity * np.exp(-0.5 * (x / 1.2) ** 2) * share, 0.0)
    counts = rng.poisson(lam)
    contract = np.repeat(np.arange(book.size), counts)
    n = len(contract)
    minute = rng.integers(0, minutes, size=n)
    offset = _MINUTE_US - rng.integers(0, _MINUTE_US, size=n)  # in (0, 1 minute]
    ts_us = start_us + minute * _MINUTE_US + offset
    order = np.argsort(ts_us, kind="stable")
    contract, minute, ts_us = contract[order], minute[order], ts_us[order]
    size = 1 + rng.poisson(params.mean_trade_size - 1.0, size=n)
    is_call = book.is_call[contract]
    put_buy = params.put_buy_share + params.flow_reaction * max(-market.session_return, 0.0)
    buy_share = np.where(is_call, params.call_buy_share, min(max(put_buy, _MIN_BUY_SHARE), 0.95))
    is_buy = rng.uniform(size=n) < buy_share
    frac = offset / _MINUTE_US
    spot = market.minute_open[minute] + frac * (
        market.minute_close[minute] - market.minute_open[minute]
    )
    bid, ask, price = _prices(book, market, params, rng, contract, ts_us, spot, is_buy)
    opening = _opening(book, params, rng, contract, size, is_buy)
    return Trades(
        contract=contract,
        ts_us=ts_us.astype(np.int64),
        minute=(market.first_minute + minute).astype(np.int64),
        size=size.astype(np.int64),
        is_buy=is_buy,
        price=price,
        bid=bid,
        ask=ask,
        opening=opening,
    )


def _prices(  # noqa: PLR0913  (the block's state and per-trade arrays, private)
    book: Book,
    market: BlockMarket,
    params: SimulatorParams,
    rng: np.random.Generator,
    contract: IntArray,
    ts_us: IntArray,
    spot: FloatArray,
    is_buy: BoolArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    strike = book.strike[contract]
    is_call = book.is_call[contract]
    t = (book.settle_us[contract] - ts_us) / 1e6 / SECONDS_PER_YEAR
    r, q = market.surface.rate, market.surface.dividend_yield
    log_m = np.log(strike / spot) - (r - q) * t
    sigma = implied_vol(market.surface, log_m, t)
    model = bs.price(is_call, spot, strike, t, sigma, r, q)
    quoted = quotes(
        market.surface,
        rng,
        price=model,
        x=log_m / (sigma * np.sqrt(t)),
        traded=np.ones(len(model), dtype=np.bool_),
    )
    bid, ask = quoted.bid, quoted.ask
    mid = 0.5 * (bid + ask)
    touch = rng.uniform(size=len(model)) < params.at_touch_share
    inside = rng.uniform(size=len(model))
    raw = np.where(
        is_buy,
        np.where(touch, ask, mid + inside * (ask - mid)),
        np.where(touch, bid, bid + inside * (mid - bid)),
    )
    tick = tick_size(market.surface, raw)
    on_tick: FloatArray = np.clip(np.round(raw / tick) * tick, bid, ask)
    price: FloatArray = np.round(np.maximum(on_tick, tick), 2).astype(np.float64)
    return bid, ask, price


def _opening(
    book: Book,
    params: SimulatorParams,
    rng: np.random.Generator,
    contract: IntArray,
    size: IntArray,
    is_buy: BoolArray,
) -> BoolArray:
    wants_close = rng.uniform(size=len(size)) < params.close_share
    closing = np.zeros(len(size), dtype=np.bool_)
    for buys, held in ((True, book.short), (False, book.long)):
        cand = wants_close & (is_buy == buys)
        closing |= cand & (_group_cumsum(contract, np.where(cand, size, 0)) <= held[contract])
    result: BoolArray = ~closing
    return result


def _group_cumsum(group: IntArray, values: IntArray) -> IntArray:
    # Running sum of values within each group, in the given (time) order.
    order = np.lexsort((np.arange(len(group)), group))
    g, v = group[order], values[order]
    total = np.cumsum(v)
    starts = np.r_[True, g[1:] != g[:-1]] if len(g) else np.array([], dtype=np.bool_)
    base = np.repeat(total[starts] - v[starts], np.diff(np.r_[np.nonzero(starts)[0], len(g)]))
    out = np.empty_like(values)
    out[order] = total - base
    return out


def apply_trades(book: Book, trades: Trades) -> Book:
    """Return the book with customer positions moved by ``trades``."""
    n = book.size
    opening, buy, size = trades.opening, trades.is_buy, trades.size
    d_long = np.bincount(trades.contract, weights=size * (opening & buy), minlength=n) - (
        np.bincount(trades.contract, weights=size * (~opening & ~buy), minlength=n)
    )
    d_short = np.bincount(trades.contract, weights=size * (opening & ~buy), minlength=n) - (
        np.bincount(trades.contract, weights=size * (~opening & buy), minlength=n)
    )
    long = book.long + np.rint(d_long).astype(np.int64)
    short = book.short + np.rint(d_short).astype(np.int64)
    return book.with_positions(long, short)


__all__ = ["BlockMarket", "Trades", "apply_trades", "block_trades", "session_intensity"]
