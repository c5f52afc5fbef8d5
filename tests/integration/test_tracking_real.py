"""The lifecycle on real consecutive snapshots: fills and marks at real quotes, PM settlement.

* SPX 2023-06-08 (close) -> 2023-06-09 13:40: a 1-DTE SPXW call debit spread is filled at the
  06-08 quotes and marked at the 06-09 quotes;
* SPY 2025-04-30 (close) -> 2025-05-01 (close): a 1-DTE SPY call debit spread is filled on 04-30
  and settled at the 05-01 close print (taken as that snapshot's spot).

Expected prices are read from the frames here with plain filters, independently of the
lifecycle's join.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from eots.chain.snapshot import ChainSnapshot
from eots.core.types import OptionRight, Settlement
from eots.ideas.model import (
    Direction,
    Greeks,
    Leg,
    PositionPlan,
    Price,
    Strategy,
    TradeIdea,
    UnderlyingPlan,
)
from eots.sources import load_chain
from eots.tracking import (
    Book,
    EntryFilled,
    Marked,
    Marks,
    Settled,
    SettlementPrint,
    TrackingParams,
    advance,
    fold,
)

pytestmark = pytest.mark.real_data


def _load(real_data: Path, snapshot_id: str) -> ChainSnapshot:
    manifest = {e["id"]: e for e in json.loads((real_data / "manifest.json").read_text())}
    return load_chain(real_data / manifest[snapshot_id]["file"])


def _marks(snap: ChainSnapshot, seq: int, prints: tuple[SettlementPrint, ...] = ()) -> Marks:
    return Marks(
        ts_event=snap.ts_event, ts_init=seq, snapshot_id=f"real-{seq}", fingerprint="real",
        underlying=snap.underlying, spot=snap.spot, quotes=snap.frame, settlements=prints,
    )  # fmt: skip


def _row(snap: ChainSnapshot, root: str, expiry: dt.date, strike: float) -> dict[str, Any]:
    rows = snap.frame.filter(
        (pl.col("root") == root)
        & (pl.col("expiry") == expiry)
        & (pl.col("strike") == strike)
        & (pl.col("right") == "C")
    ).to_dicts()
    assert len(rows) == 1, (root, expiry, strike)
    return rows[0]


def _spread(snap: ChainSnapshot, root: str, expiry: dt.date, width: float) -> TradeIdea:
    calls = snap.frame.filter(
        (pl.col("root") == root)
        & (pl.col("expiry") == expiry)
        & (pl.col("right") == "C")
        & pl.col("quote_valid")
        & (pl.col("strike") >= snap.spot)
    )
    k1 = float(calls["strike"].min())  # type: ignore[arg-type]
    legs = []
    for k, q in ((k1, 1), (k1 + width, -1)):
        r = _row(snap, root, expiry, k)
        legs.append(
            Leg(
                root=root, expiry=expiry, expiry_ts=r["expiry_ts"], strike=k,
                right=OptionRight.CALL, quantity=q, bid=r["bid"], ask=r["ask"],
                mid=(r["bid"] + r["ask"]) / 2, iv=0.2, delta=0.5,
            )
        )  # fmt: skip
    cost = (legs[0].ask - legs[1].bid) * 100
    return TradeIdea(
        idea_id=f"real-{root}", ts_event=snap.ts_event, underlying=snap.underlying,
        strategy=Strategy.CALL_DEBIT_SPREAD, direction=Direction.BULLISH, legs=tuple(legs),
        price=Price(net=cost, fill="bid_ask", mid_net=cost), max_profit=width * 100 - cost,
        max_loss=cost, breakevens=(), greeks=Greeks(delta=30, gamma=0, theta=0, vega=0),
        underlying_plan=UnderlyingPlan(entry=snap.spot, target=snap.spot * 2, stop=1.0),
        position=PositionPlan(target=1e6, stop=-1e6), size=1, conviction=0.5, stars=3,
        pop=None, ev=None, vehicle=root, rationale=(), horizon_end=legs[0].expiry_ts,
    )  # fmt: skip


def test_real_spx_spread_fills_and_marks_at_real_quotes(real_data: Path) -> None:
    day1, day2 = _load(real_data, "spx_20230608_post"), _load(real_data, "spx_20230609_1340")
    idea = _spread(day1, "SPXW", dt.date(2023, 6, 9), 25.0)
    book, ev1 = advance(Book(), _marks(day1, 1), (idea,), TrackingParams())
    fill = ev1[1]
    assert isinstance(fill, EntryFilled)
    assert fill.price.bid_ask == pytest.approx(idea.price.net)
    book, ev2 = advance(book, _marks(day2, 2), (), TrackingParams())
    [marked] = [e for e in ev2 if isinstance(e, Marked)]
    lo, hi = (_row(day2, "SPXW", leg.expiry, leg.strike) for leg in idea.legs)
    assert marked.marks[0].value.bid_ask == pytest.approx((lo["bid"] - hi["ask"]) * 100)
    assert fold(ev1 + ev2) == book


def test_real_spy_spread_settles_at_the_close(real_data: Path) -> None:
    day1, day2 = _load(real_data, "spy_20250430_post"), _load(real_data, "spy_20250501_post")
    expiry = dt.date(2025, 5, 1)
    idea = _spread(day1, "SPY", expiry, 5.0)
    book, ev1 = advance(Book(), _marks(day1, 1), (idea,), TrackingParams())
    assert isinstance(ev1[1], EntryFilled)
    close = SettlementPrint(underlying="SPY", session=expiry, style=Settlement.PM, price=day2.spot)
    book, ev2 = advance(book, _marks(day2, 2, (close,)), (), TrackingParams())
    settled = ev2[0]
    assert isinstance(settled, Settled)
    k1, k2 = (leg.strike for leg in idea.legs)
    intrinsic = (max(0.0, day2.spot - k1) - max(0.0, day2.spot - k2)) * 100
    assert settled.price.bid_ask == pytest.approx(intrinsic)
    assert book.outcomes[0].pnl_bidask == pytest.approx(intrinsic - idea.price.net)
