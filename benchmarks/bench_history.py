"""Benchmark: the two real-history readers on synthetic files of the real sizes.

Barchart: 8 expirations x 500 rows (two of them truncated, one a monthly listed twice), parsed and
validated (``parse_barchart_json`` + ``snapshot_from_raw``). 0DTE: one session of 80 quote times x
154 rows from two collectors with 10 overlapping quote times (``zerodte_snapshots``).
Correctness-aware: the kept contract counts and de-duplicated copies are checked before timing.
Run: ``python benchmarks/bench_history.py``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json

from _timing import median_ms

from eots.sources.barchart_json import parse_barchart_json
from eots.sources.raw import snapshot_from_raw
from eots.sources.zerodte_csv import zerodte_snapshots

SPOT = 7000.0


def _row(k: float, side: str, expiry: str, shift: float = 0.0) -> dict[str, object]:
    intrinsic = max(SPOT - k, 0.0) if side == "Call" else max(k - SPOT, 0.0)
    mid = intrinsic + 2.0 + shift
    return {
        "strikePrice": k,
        "lastPrice": mid,
        "volatility": 0.15,
        "delta": 0.5,
        "gamma": 0.001,
        "theta": -1.0,
        "vega": 1.0,
        "rho": 0.1,
        "openInterest": 100,
        "volume": 5,
        "optionType": side,
        "daysToExpiration": 3,
        "expirationDate": expiry,
        "bidPrice": mid - 0.1,
        "askPrice": mid + 0.1,
    }


def _barchart() -> bytes:
    expiries: dict[str, list[dict[str, object]]] = {}
    days = [dt.date(2026, 8, d) for d in (13, 14, 17, 18, 19, 20, 24, 25)]
    strikes = sorted((SPOT + 5 * i for i in range(-125, 125)), key=lambda k: abs(k - SPOT))
    for i, day in enumerate(days):
        key = day.isoformat()
        rows = [_row(k, "Call", key) for k in strikes] + [_row(k, "Put", key) for k in strikes]
        if i in (1, 6):  # truncated: 300 calls cut the puts at 500 rows
            more = strikes + [SPOT + 5 * j for j in range(125, 185)]
            rows = [_row(k, "Call", key) for k in more] + [_row(k, "Put", key) for k in strikes]
        expiries[key] = rows[:500]
    # 2026-08-21 is a monthly date: two series of 250 calls (PM listed first), no put.
    monthly = [_row(k, "Call", "2026-08-21", 1.0) for k in strikes[:250]]
    monthly += [_row(k, "Call", "2026-08-21") for k in strikes[:250]]
    expiries["2026-08-21"] = monthly
    doc = {
        "date": "2026-08-12",
        "spot": SPOT,
        "timestamp": "2026-08-12T21:52:38",
        "expiries": expiries,
    }
    return gzip.compress(json.dumps(doc).encode())


def _zerodte() -> tuple[bytes, bytes]:
    head = (
        "fetched_at_et,quote_ts,spot,expiry,type,strike,bid,ask,bid_size,ask_size,"
        "last_trade_price,iv,delta,gamma,theta,vega,rho,volume,open_interest"
    )
    blocks: list[list[str]] = []
    start = dt.datetime(2026, 8, 12, 9, 30, 4, tzinfo=dt.UTC)  # printed without its zone
    for n in range(80):
        quote = start + dt.timedelta(minutes=5 * n)
        fetched = quote + dt.timedelta(minutes=15, seconds=30)
        blocks.append(
            [
                f"{fetched:%Y-%m-%d %H:%M:%S},{quote:%Y-%m-%dT%H:%M:%S},738.5,2026-08-12,"
                f"{side},{k}.0,1.0,1.1,10,10,1.05,0.2,0.5,0.05,-0.5,0.1,0.0,10,100"
                for k in range(700, 777)
                for side in ("C", "P")
            ]
        )
    laptop = "\n".join([head, *(r for b in blocks for r in b)]) + "\n"
    runner = "\n".join([head, *(r for b in blocks[::8] for r in b)]) + "\n"
    return gzip.compress(laptop.encode()), gzip.compress(runner.encode())


def main() -> None:
    """Time both readers and print the medians."""
    data = _barchart()

    def barchart() -> int:
        return snapshot_from_raw(parse_barchart_json(data, source="bench")).n_contracts

    ms, kept = median_ms(barchart, repeats=9)
    raw = parse_barchart_json(data, source="bench")
    assert any("no put left" in d.reason for d in raw.dropped), raw.dropped
    assert sum("band" in d.reason for d in raw.dropped) == 2, raw.dropped
    assert kept < 8 * 500, kept
    print(f"barchart parse+validate: {ms:.1f} ms median for 4,000 rows ({kept} contracts kept)")

    laptop, runner = _zerodte()

    def zerodte() -> int:
        read = zerodte_snapshots([("chains", laptop), ("chains_ci", runner)])
        assert read.copies_identical == 10, read.copies_identical
        return len(read.chains)

    ms, n = median_ms(zerodte, repeats=9)
    assert n == 80, n
    print(f"0DTE session read+dedupe: {ms:.1f} ms median for 13,860 rows -> {n} snapshots")


if __name__ == "__main__":
    main()
