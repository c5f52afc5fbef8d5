"""Benchmark the lifecycle step: one SPX snapshot (~20k contracts) with 50 open recommendations.

Two synthetic SPX listings five minutes apart. 50 ideas are made on the first (20 call debit
spreads, 15 iron condors, 15 long puts on the two nearest expiries, plans wide enough that none
exits) and filled by ``advance``; the timed call is ``advance(book, marks of the second snapshot,
(), params)``: one join of the 140 open legs against the quotes, per-idea sums, triggers,
trailing checks, the five one-minute underlying bars since the previous snapshot and the
``Marked`` event. Target <= 10 ms.

Correctness check: every idea's bid/ask mark equals a per-leg reference computed with a Python
dict over the second snapshot (sell longs at the bid, buy shorts back at the ask, x 100), its mid
mark likewise, and the fold of the events equals the returned book.

    python benchmarks/bench_tracking.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import polars as pl
from _timing import median_ms

from eots.core.time import ET
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
from eots.synthetic import SyntheticParams, synthetic_chain
from eots.tracking import BARS_SCHEMA, Book, Marked, Marks, TrackingParams, advance, fold

TARGET_MS = 10.0
Key = tuple[str, dt.date, float, str]


def _legs(rows: dict[Key, dict[str, object]], spec: list[tuple[Key, int]]) -> tuple[Leg, ...]:
    out = []
    for key, qty in spec:
        r = rows[key]
        bid, ask = float(r["bid"]), float(r["ask"])  # type: ignore[arg-type]
        out.append(
            Leg(
                root=key[0], expiry=key[1], expiry_ts=r["expiry_ts"],  # type: ignore[arg-type]
                strike=key[2], right=OptionRight(key[3]), quantity=qty, bid=bid, ask=ask,
                mid=(bid + ask) / 2, iv=0.15, delta=0.5,
            )
        )  # fmt: skip
    return tuple(out)


def _idea(n: int, legs: tuple[Leg, ...], ts: dt.datetime, spot: float) -> TradeIdea:
    net = sum(lg.quantity * (lg.ask if lg.quantity > 0 else lg.bid) * 100 for lg in legs)
    return TradeIdea(
        idea_id=f"bench-{n:02d}", ts_event=ts, underlying="SPX",
        strategy=Strategy.CALL_DEBIT_SPREAD, direction=Direction.BULLISH, legs=legs,
        price=Price(net=net, fill="bid_ask", mid_net=net), max_profit=1e4, max_loss=abs(net),
        breakevens=(), greeks=Greeks(delta=10.0, gamma=0.0, theta=0.0, vega=0.0),
        underlying_plan=UnderlyingPlan(entry=spot, target=spot * 1.5, stop=spot * 0.5),
        position=PositionPlan(target=net + 1e6, stop=net - 1e6), size=1, conviction=0.5,
        stars=3, pop=None, ev=None, vehicle="SPXW", rationale=(),
        horizon_end=ts + dt.timedelta(hours=3),
    )  # fmt: skip


def main() -> None:
    t0 = dt.datetime(2024, 3, 13, 10, 0, tzinfo=ET)
    t1 = t0 + dt.timedelta(minutes=5)
    snap0 = synthetic_chain(SyntheticParams(seed=1, spot=5000.0), as_of=t0)
    snap1 = synthetic_chain(SyntheticParams(seed=2, spot=5003.0), as_of=t1)
    live = snap0.frame.filter(snap0.frame["quote_valid"])
    rows = {
        (r["root"], r["expiry"], r["strike"], r["right"]): r for r in live.iter_rows(named=True)
    }
    expiries = sorted({k[1] for k in rows if k[0] == "SPXW"})[1:3]
    by_series: dict[tuple[dt.date, str], list[float]] = {}
    for root, expiry, strike, right in rows:
        if root == "SPXW":
            by_series.setdefault((expiry, right), []).append(strike)

    def near(e: dt.date, strike: float, right: str) -> Key:
        best = min(by_series[(e, right)], key=lambda s: abs(s - strike))
        return ("SPXW", e, best, right)

    ideas = []
    for n in range(50):
        e = expiries[n % 2]
        k = 4900.0 + 10.0 * (n % 20)
        if n < 20:
            spec = [(near(e, k, "C"), 1), (near(e, k + 25.0, "C"), -1)]
        elif n < 35:
            spec = [
                (near(e, k - 75.0, "P"), 1), (near(e, k - 40.0, "P"), -1),
                (near(e, k + 140.0, "C"), -1), (near(e, k + 175.0, "C"), 1),
            ]  # fmt: skip
        else:
            spec = [(near(e, k, "P"), 1)]
        ideas.append(_idea(n, _legs(rows, spec), snap0.ts_event, snap0.spot))
    params = TrackingParams()

    def marks(snap: object, seq: int, bars: pl.DataFrame | None = None) -> Marks:
        return Marks(
            ts_event=snap.ts_event, ts_init=seq, snapshot_id=str(seq),  # type: ignore[attr-defined]
            fingerprint="bench", underlying="SPX", spot=snap.spot,  # type: ignore[attr-defined]
            quotes=snap.frame, atr=8.0, bars=bars,  # type: ignore[attr-defined]
        )  # fmt: skip

    book, _ = advance(Book(), marks(snap0, 0), tuple(ideas), params)
    assert sum(p.entry is not None for p in book.positions.values()) == 50
    minutes = [snap0.ts_event + dt.timedelta(minutes=j + 1) for j in range(5)]
    bars = pl.DataFrame(
        {
            "ts": minutes,
            "high": [5001.0, 5002.5, 5004.0, 5003.5, 5003.2],
            "low": [4999.0, 5000.5, 5001.0, 5002.0, 5002.4],
            "close": [5000.5, 5002.0, 5003.0, 5003.0, 5003.0],
        },
        schema=BARS_SCHEMA,
    )
    m1 = marks(snap1, 1, bars)
    ms, (after, events) = median_ms(lambda: advance(book, m1, (), params), repeats=30)
    cpu = []
    for _ in range(30):
        c0 = time.process_time()
        advance(book, m1, (), params)
        cpu.append((time.process_time() - c0) * 1e3)
    cpu_ms = statistics.median(cpu)

    quotes = {
        (r["root"], r["expiry"], r["strike"], r["right"]): (r["bid"], r["ask"])
        for r in snap1.frame.iter_rows(named=True)
    }
    [marked] = [e for e in events if isinstance(e, Marked)]
    got = {row.idea_id: row.value for row in marked.marks}
    assert len(got) == 50, len(got)
    for i in ideas:
        value = mid = 0.0
        for lg in i.legs:
            bid, ask = quotes[(lg.root, lg.expiry, lg.strike, lg.right.value)]
            value += lg.quantity * (bid if lg.quantity > 0 else ask) * 100
            mid += lg.quantity * (bid + ask) / 2 * 100
        assert abs(got[i.idea_id].bid_ask - value) < 1e-6, (i.idea_id, got[i.idea_id], value)
        assert abs(got[i.idea_id].mid - mid) < 1e-6
    assert fold(events, book) == after
    legs = sum(len(i.legs) for i in ideas)
    print(
        f"advance, {snap1.n_contracts} quotes, 50 open recommendations ({legs} legs): "
        f"median {ms:.2f} ms wall, {cpu_ms:.2f} ms CPU (target <= {TARGET_MS:.0f} ms)"
    )
    if ms > TARGET_MS:
        print(f"WARNING: above target ({ms:.2f} ms > {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
