"""Hand-built trade ideas and snapshot marks for the lifecycle tests (no generator involved)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

import polars as pl

from eots.core.types import OptionRight
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
from eots.tracking.model import (
    QUOTES_SCHEMA,
    EvidenceItem,
    Marks,
    SettlementPrint,
    WeightGroup,
)

EXPIRY = dt.date(2024, 3, 15)
#: 16:00 ET on 2024-03-15 (EDT) = 20:00 UTC; SPX AM settles at the 09:30 ET open = 13:30 UTC.
PM_CLOSE = dt.datetime(2024, 3, 15, 20, 0, tzinfo=dt.UTC)
AM_OPEN = dt.datetime(2024, 3, 15, 13, 30, tzinfo=dt.UTC)
T0 = dt.datetime(2024, 3, 15, 14, 0, tzinfo=dt.UTC)

Quote = tuple[str, float, str, float | None, float | None]  # root, strike, right, bid, ask


def at(minutes: float) -> dt.datetime:
    """T0 + minutes."""
    return T0 + dt.timedelta(minutes=minutes)


def leg(
    root: str,
    strike: float,
    right: str,
    quantity: int,
    bid: float,
    ask: float,
    expiry_ts: dt.datetime = PM_CLOSE,
) -> Leg:
    """One leg priced at (bid, ask)."""
    return Leg(
        root=root,
        expiry=EXPIRY,
        expiry_ts=expiry_ts,
        strike=strike,
        right=OptionRight(right),
        quantity=quantity,
        bid=bid,
        ask=ask,
        mid=(bid + ask) / 2,
        iv=0.15,
        delta=0.5 if right == "C" else -0.5,
    )


def idea(
    idea_id: str = "idea-1",
    legs: Sequence[Leg] | None = None,
    *,
    ts: dt.datetime = T0,
    target: float = 600.0,
    stop: float = 250.0,
    plan: tuple[float, float, float] = (5000.0, 5015.0, 4990.0),
    horizon_end: dt.datetime = PM_CLOSE,
    signals: tuple[str, ...] = ("directional.composite",),
    components: tuple[tuple[str, float], ...] = (),
    delta: float = 20.0,
    max_loss: float = 440.0,
) -> TradeIdea:
    """A call debit spread 5000/5010 on SPXW (default), bought at 4.40 (440 $ a unit)."""
    legs = tuple(
        legs
        if legs is not None
        else (leg("SPXW", 5000.0, "C", 1, 10.0, 10.4), leg("SPXW", 5010.0, "C", -1, 6.0, 6.3))
    )
    net = sum(lg.quantity * (lg.ask if lg.quantity > 0 else lg.bid) * lg.multiplier for lg in legs)
    mid = sum(lg.quantity * lg.mid * lg.multiplier for lg in legs)
    return TradeIdea(
        idea_id=idea_id,
        ts_event=ts,
        underlying="SPX",
        strategy=Strategy.CALL_DEBIT_SPREAD,
        direction=Direction.BULLISH,
        legs=legs,
        price=Price(net=net, fill="bid_ask", mid_net=mid),
        max_profit=1000.0 - net,
        max_loss=max_loss,
        breakevens=(5004.4,),
        greeks=Greeks(delta=delta, gamma=0.0, theta=0.0, vega=0.0),
        underlying_plan=UnderlyingPlan(entry=plan[0], target=plan[1], stop=plan[2]),
        position=PositionPlan(target=target, stop=stop),
        size=1,
        conviction=0.6,
        stars=3,
        pop=None,
        ev=None,
        vehicle="SPXW",
        rationale=("test",),
        horizon_end=horizon_end,
        signals=signals,
        regime="calm",
        conviction_components=components,
    )


def quotes(rows: Sequence[Quote]) -> pl.DataFrame:
    """A quotes frame on EXPIRY (missing bid/ask as None)."""
    return pl.DataFrame(
        {
            "root": [r[0] for r in rows],
            "expiry": [EXPIRY] * len(rows),
            "strike": [r[1] for r in rows],
            "right": [r[2] for r in rows],
            "bid": [r[3] for r in rows],
            "ask": [r[4] for r in rows],
        },
        schema=QUOTES_SCHEMA,
    )


def spread_quotes(long: tuple[float, float], short: tuple[float, float]) -> pl.DataFrame:
    """Quotes of the default spread's two legs (plus an unrelated row)."""
    return quotes(
        [
            ("SPXW", 5000.0, "C", *long),
            ("SPXW", 5010.0, "C", *short),
            ("SPXW", 5000.0, "P", 5.0, 5.2),
        ]
    )


def marks(
    ts: dt.datetime,
    frame: pl.DataFrame,
    *,
    spot: float = 5002.0,
    seq: int | None = None,
    bars: pl.DataFrame | None = None,
    settlements: tuple[SettlementPrint, ...] = (),
    atr: float | None = None,
    evidence: tuple[EvidenceItem, ...] = (),
) -> Marks:
    """Marks of one snapshot (id = its time)."""
    return Marks(
        ts_event=ts,
        ts_init=seq if seq is not None else int(ts.timestamp()),
        snapshot_id=ts.strftime("%Y%m%dT%H%M%S"),
        fingerprint="cfg-test",
        underlying="SPX",
        spot=spot,
        quotes=frame,
        bars=bars,
        settlements=settlements,
        atr=atr,
        evidence=evidence,
    )


def _call_quote(spot: float, strike: float, minutes_left: float) -> tuple[float, float]:
    time_value = (
        0.02 * math.sqrt(max(minutes_left, 1.0)) * spot / 100 * math.exp(-abs(spot - strike) / 25.0)
    )
    mid = max(spot - strike, 0.0) + time_value
    half = 0.05 + 0.01 * mid
    return round(max(mid - half, 0.0), 2), round(mid + half, 2)


def session(snapshots: int = 60, seed: int = 7) -> list[tuple[Marks, tuple[TradeIdea, ...]]]:
    """A deterministic random session: spot walk, SPXW call quotes, a spread idea every 4th."""
    rng = random.Random(seed)
    spot = 5000.0
    strikes = [4900.0 + 5 * i for i in range(41)]
    out = []
    for n in range(snapshots):
        ts = T0 + dt.timedelta(minutes=5 * n)
        spot += rng.gauss(0.0, 3.0)
        left = (PM_CLOSE - ts).total_seconds() / 60
        rows: list[Quote] = []
        for k in strikes:
            bid, ask = _call_quote(spot, k, left)
            if rng.random() < 0.02:
                bid, ask = ask + 0.1, ask  # crossed now and then
            rows.append(("SPXW", k, "C", bid, ask))
        frame = quotes(rows)
        ideas: tuple[TradeIdea, ...] = ()
        if n % 4 == 0 and n < snapshots - 8:
            k = min(strikes, key=lambda s: abs(s - spot))
            by = {r[1]: r for r in rows}
            lo, hi = by[k], by[k + 10.0]
            legs = (
                leg("SPXW", k, "C", 1, float(lo[3] or 0), float(lo[4] or 0)),
                leg("SPXW", k + 10.0, "C", -1, float(hi[3] or 0), float(hi[4] or 0)),
            )
            cost = (legs[0].ask - legs[1].bid) * 100
            ideas = (
                idea(
                    f"idea-{n:03d}",
                    legs,
                    ts=ts,
                    target=cost + 50.0,
                    stop=max(cost - 200.0, 5.0),
                    plan=(spot, spot + 25.0, spot - 25.0),
                    horizon_end=ts + dt.timedelta(minutes=90),
                    signals=("directional.composite", "complex.sdag"),
                    components=(("performance", 0.5), ("signal_strength", rng.random())),
                    max_loss=cost,
                ),
            )
        ev = (
            EvidenceItem(
                group=WeightGroup.LEVEL_KIND, name="call_wall", hit=rng.random() < 0.8,
                observed_at=ts,
            ),
        )  # fmt: skip
        out.append((marks(ts, frame, spot=spot, seq=n, evidence=ev), ideas))
    return out
