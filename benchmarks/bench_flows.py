"""Benchmark of flow inference between two SPX-sized snapshots (19,000 contracts each).

Run with ``python benchmarks/bench_flows.py``. Two consecutive synthetic chains are built with
numpy (5 minutes apart, volumes rising by 0..50 contracts, last prices anywhere from the bid to the
ask, a few contracts without quote, with a falling volume and new in the later snapshot). The
median of ``inferred_flow_frames`` is reported, and the answer is checked against a plain numpy
computation of the quote rule so that a fast wrong answer fails loudly.
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import polars as pl
from _timing import median_ms

from eots.chain.schema import RIGHTS
from eots.flows import inferred_flow_frames

N = 19_000
BUDGET_MS = 25.0
T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)


def _frames(seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = np.arange(N)
    key = {
        "root": np.where(idx % 3 == 0, "SPX", "SPXW"),
        "expiry": (np.datetime64("2024-03-15") + (idx // 2000)).astype("datetime64[D]"),
        "strike": 3000.0 + 5.0 * ((idx // 2) % 1000),
        "right": pl.Series(np.where(idx % 2 == 0, "C", "P"), dtype=RIGHTS),
    }
    bid = np.round(rng.uniform(0.0, 50.0, N), 2)
    ask = bid + np.round(rng.uniform(0.05, 1.0, N), 2)
    last = bid + rng.uniform(-0.1, 1.1, N) * (ask - bid)
    vol_prev = rng.integers(0, 5000, N)
    dv = rng.integers(0, 51, N)
    vol_curr = vol_prev + dv
    vol_curr[::997] = 0  # falling volume
    no_quote = idx % 501 == 0
    curr = pl.DataFrame(
        {
            **key,
            "symbol": [f"S{i}" for i in idx],
            "bid": np.where(no_quote, np.nan, bid),
            "ask": np.where(no_quote, np.nan, ask),
            "last": last,
            "volume": vol_curr,
            "multiplier": np.full(N, 100.0),
        },
        nan_to_null=True,
    )
    prev = pl.DataFrame({**key, "volume": vol_prev}).slice(0, N - 100)  # 100 new contracts
    greeks = pl.DataFrame(
        {
            **key,
            "delta": rng.uniform(-1, 1, N),
            "gamma": rng.uniform(0, 0.01, N),
            "vega": rng.uniform(0, 5, N),
            "theta": rng.uniform(-5, 0, N),
        }
    )
    f = np.clip((last - bid) / (ask - bid), 0.0, 1.0)
    size = np.where(idx < N - 100, vol_curr - vol_prev, vol_curr).astype(float)
    ok = (size >= 0) & ~(no_quote & (size > 0))
    expected_buy = float(np.sum((size * f)[ok & ~no_quote]))
    return prev, curr, greeks.sample(fraction=1.0, shuffle=True, seed=1), np.array([expected_buy])


def main() -> int:
    prev, curr, greeks, expected = _frames()

    def run() -> pl.DataFrame:
        return inferred_flow_frames(
            prev, curr, greeks, prev_ts=T0, curr_ts=T0 + dt.timedelta(minutes=5)
        )

    ms, out = median_ms(run, repeats=30, warmup=3)
    got = float(out.get_column("volm_buy").fill_nan(0.0).sum())
    print(f"inferred_flow_frames, {N:,} contracts: median {ms:.2f} ms (budget {BUDGET_MS} ms)")
    print(f"  sum volm_buy {got:,.3f} (numpy reference {expected[0]:,.3f})")
    print(f"  reasons: {dict(out.group_by('flow_reason').len().rows())}")
    if abs(got - expected[0]) > 1e-6 * expected[0]:
        print("WRONG: volm_buy differs from the numpy reference")
        return 1
    return 0 if ms <= BUDGET_MS else 2


if __name__ == "__main__":
    sys.exit(main())
