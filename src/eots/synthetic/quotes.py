"""Synthetic bid/ask quotes around a model price.

The full spread is ``max(spread_min_ticks * tick, spread_rel * price)``, widened by
``1 + spread_wing * max(|x| - 1, 0)`` for strikes more than one standard deviation ``x`` from the
forward (in the contract's own implied vol). Each side gets a random share of half of it (uniform in
0.6..1.4, so quotes are not centred exactly on the model), then the bid is rounded down and the ask
up to the tick, so the model price always lies inside ``[bid, ask]`` and the quote is never
crossed. A bid that would fall below one tick becomes 0 (the deep wings: bid 0, ask one tick).

Ticks: index options (SPX, NDX, RUT, XSP) trade in $0.05 below $3 and $0.10 from $3 (CBOE's
rule); ETFs and single names (SPY, QQQ) are treated as penny-class, $0.01 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.synthetic.params import SyntheticParams

FloatArray = NDArray[np.float64]

INDEX_TICKS = (0.05, 0.10)
PENNY_TICKS = (0.01, 0.01)
TICK_BREAK = 3.0
_SIDE_JITTER = 0.4


@dataclass(frozen=True, slots=True, kw_only=True)
class Quotes:
    """Bid, ask and last trade prices, $ per share (``last`` is NaN where nothing traded)."""

    bid: FloatArray
    ask: FloatArray
    last: FloatArray


def tick_size(params: SyntheticParams, price: FloatArray) -> FloatArray:
    """Return the minimum price increment at each price level, $.

    Examples
    --------
    >>> tick_size(SyntheticParams(), np.array([1.0, 3.0])).tolist()
    [0.05, 0.1]
    >>> tick_size(SyntheticParams(underlying="SPY"), np.array([1.0, 30.0])).tolist()
    [0.01, 0.01]
    """
    low, high = INDEX_TICKS if params.is_index else PENNY_TICKS
    result: FloatArray = np.where(price < TICK_BREAK, low, high)
    return result


def quotes(
    params: SyntheticParams,
    rng: np.random.Generator,
    *,
    price: FloatArray,
    x: FloatArray,
    traded: NDArray[np.bool_],
) -> Quotes:
    """Return bid, ask and last around model prices (see the module docstring).

    Parameters
    ----------
    params
        Spread model and underlying (for the ticks).
    rng
        The random stream (consumed: three draws per contract).
    price
        Model value, $ per share (finite, >= 0).
    x
        Distance of the strike from the forward in sd of the contract's vol.
    traded
        Whether the contract traded this session (gets a ``last``).
    """
    n = len(price)
    tick = tick_size(params, price)
    spread = np.maximum(params.spread_min_ticks * tick, params.spread_rel * price)
    spread = spread * (1.0 + params.spread_wing * np.maximum(np.abs(x) - 1.0, 0.0))
    jitter = rng.uniform(1.0 - _SIDE_JITTER, 1.0 + _SIDE_JITTER, size=(2, n))
    raw_bid = price - 0.5 * spread * jitter[0]
    bid_tick = tick_size(params, np.maximum(raw_bid, 0.0))
    # The 1e-9 guards keep an exact multiple of the tick from being pushed a tick away.
    floored: FloatArray = np.floor(raw_bid / bid_tick + 1e-9) * bid_tick
    bid: FloatArray = np.where(floored < bid_tick - 1e-9, 0.0, floored)
    raw_ask = price + 0.5 * spread * jitter[1]
    ask_tick = tick_size(params, raw_ask)
    ceiled: FloatArray = np.ceil(raw_ask / ask_tick - 1e-9) * ask_tick
    ask: FloatArray = np.maximum(ceiled, np.maximum(bid + ask_tick, ask_tick))
    where = rng.uniform(size=n)
    last_tick = tick_size(params, price)
    inside: FloatArray = np.clip(
        np.round((bid + where * (ask - bid)) / last_tick) * last_tick, bid, ask
    )
    last: FloatArray = np.where(traded & (inside > 0), inside, np.nan)
    return Quotes(bid=np.round(bid, 2), ask=np.round(ask, 2), last=np.round(last, 2))


__all__ = ["INDEX_TICKS", "PENNY_TICKS", "Quotes", "quotes", "tick_size"]
