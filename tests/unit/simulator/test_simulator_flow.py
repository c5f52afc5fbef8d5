"""Customer trades: sides react to the session's fall, closing never exceeds positions."""

from __future__ import annotations

import datetime as dt

import numpy as np

from eots.core.time import nyse_calendar, to_epoch_us
from eots.simulator import ListingSize, SimulatorParams, listing_preset
from eots.simulator.book import empty_book, open_session
from eots.simulator.flow import BlockMarket, apply_trades, block_trades, session_intensity

DAY = dt.date(2024, 3, 12)
PARAMS = SimulatorParams(market=listing_preset(ListingSize.SMALL))


def _setup() -> tuple[object, np.ndarray, int]:
    bounds = nyse_calendar().session_bounds(DAY)
    assert bounds is not None
    book = open_session(
        empty_book(),
        PARAMS,
        day=DAY,
        open_ts=bounds[0],
        spot=5000.0,
        rng=np.random.default_rng(1),
    )
    intensity = session_intensity(book, PARAMS, np.random.default_rng(2), day=np.datetime64(DAY))
    return book, intensity, to_epoch_us(bounds[0])


def _market(open_us: int, session_return: float) -> BlockMarket:
    return BlockMarket(
        open_us=open_us,
        first_minute=0,
        minute_open=np.full(60, 5000.0),
        minute_close=np.full(60, 5000.0),
        surface=PARAMS.market,
        session_return=session_return,
        elapsed=(0.0, 60 / 390),
    )


def test_put_buying_rises_after_a_fall() -> None:
    book, intensity, open_us = _setup()
    shares = []
    for fall in (0.0, -0.02):
        t = block_trades(book, intensity, _market(open_us, fall), PARAMS, np.random.default_rng(3))  # type: ignore[arg-type]
        puts = ~book.is_call[t.contract]  # type: ignore[attr-defined]
        shares.append(float(t.is_buy[puts].mean()))
    assert abs(shares[0] - PARAMS.put_buy_share) < 0.02
    assert abs(shares[1] - (PARAMS.put_buy_share + PARAMS.flow_reaction * 0.02)) < 0.02


def test_closing_trades_never_exceed_customer_positions() -> None:
    book, intensity, open_us = _setup()
    params = PARAMS.model_copy(update={"close_share": 1.0, "mean_trade_size": 50.0})
    t = block_trades(book, intensity * 20, _market(open_us, 0.0), params, np.random.default_rng(4))  # type: ignore[arg-type]
    after = apply_trades(book, t)  # type: ignore[arg-type]
    assert after.long.min() >= 0
    assert after.short.min() >= 0
    assert 0 < int((~t.opening).sum()) < t.n  # some close, some must open (no position left)
    moved = after.open_interest.sum() - book.open_interest.sum()  # type: ignore[attr-defined]
    assert moved == int(t.size[t.opening].sum() - t.size[~t.opening].sum())
