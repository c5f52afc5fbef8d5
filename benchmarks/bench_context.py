"""Benchmark the market context: one ``as_of`` from a store holding a month of 5-minute snapshots.

The store: every XNYS session of March 2024 (20 sessions x 79 snapshots = 1,580 files), each
session's synthetic SPX listing trimmed to strikes within 4 % of spot (about 3,600 contracts over
every expiry), with spot on a random walk and volume accumulating through the day so that flows
are non-trivial. Each build reads the current session's last hour (13 snapshots, fully priced, with
flow inference and charm), the prior sessions' end-of-day snapshots (near-the-money pricing for
the IV history), and daily bars derived from the snapshots' spots (no price store: the proxy path,
the slower one). Target: median < 1 s on one core.

Correctness check (so a fast wrong answer fails): the 30-day ATM IV equals the synthetic surface's
30-day at-the-forward vol within half a vol point, the IV history has one value per prior session,
and the daily/weekly references are the expected sessions.

    python benchmarks/bench_context.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.core.time import nyse_calendar
from eots.history import AsOfReader, ContextParams, MarketContext, market_context
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, atm_vol, synthetic_chain

MONTH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
EVERY = dt.timedelta(minutes=5)
BAND = 0.04
PARAMS = SyntheticParams()
TARGET_MS = 1000.0


def _sessions() -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    cal = nyse_calendar()
    out = []
    day = MONTH[0]
    while day <= MONTH[1]:
        bounds = cal.session_bounds(day)
        if bounds is not None:
            out.append((day, *bounds))
        day += dt.timedelta(days=1)
    return out


def fill_month(root: Path) -> tuple[SnapshotStore, list[dt.datetime]]:
    """Save a month of 5-minute snapshots; return the store and every ts_event."""
    store = SnapshotStore(root)
    rng = np.random.default_rng(11)
    spot = 5000.0
    times: list[dt.datetime] = []
    t0 = time.perf_counter()
    for _day, open_, close in _sessions():
        base = synthetic_chain(PARAMS.model_copy(update={"spot": spot}), as_of=open_)
        frame = base.frame.filter((pl.col("strike") / spot - 1).abs() <= BAND)
        n = int((close - open_) / EVERY) + 1
        for i in range(n):
            ts = open_ + i * EVERY
            spot *= float(np.exp(rng.normal(0.0, 0.0008)))
            share = (i + 1) / n
            live = frame.filter(pl.col("expiry_ts") > ts).with_columns(
                volume=(pl.col("volume").cast(pl.Float64) * share).round().cast(pl.Int64)
            )
            snap = dataclasses.replace(
                base, frame=live, ts_event=ts, ts_recv=ts, spot=round(spot, 2)
            )
            store.save(snap)
            times.append(ts)
    print(
        f"filled {len(times)} snapshots x ~{frame.height} rows in {time.perf_counter() - t0:.0f} s"
    )
    return store, times


def main() -> None:
    """Fill the month, then time ``market_context`` at a few instants of its last week."""
    with tempfile.TemporaryDirectory(prefix="eots-bench-context-") as tmp:
        store, times = fill_month(Path(tmp) / "month")
        params = ContextParams()
        rng = random.Random(5)
        late = [t for t in times if t.date() >= dt.date(2024, 3, 25)]
        as_ofs = sorted(rng.sample(late, 5))
        expected_iv = float(atm_vol(PARAMS, 30.0 / 365.0))
        medians = []
        for as_of in as_ofs:

            def build(a: dt.datetime = as_of) -> MarketContext:
                return market_context(AsOfReader(store, None, a), "SPX", a, params)

            ms, ctx = median_ms(build, repeats=5, warmup=1)
            medians.append(ms)
            prior = [d for d, _, _ in _sessions() if d < ctx.session]
            assert abs(ctx.atm_iv.value - expected_iv) < 0.005, (ctx.atm_iv, expected_iv)
            assert ctx.iv_daily.get_column("session").to_list() == prior
            assert [p.session for p in ctx.daily] == prior[-5:]
            assert len(ctx.weekly) == 4  # weeks of Mar 1, 4, 11 and 18
            assert ctx.flows_by_contract.height > 0
            assert ctx.intraday_coverage.n_obs == min(
                13, len([t for t in times if t.date() == ctx.session and t <= as_of])
            )
            print(
                f"as_of {as_of.isoformat()}: {ms:.0f} ms (atm_iv {ctx.atm_iv.value:.4f} vs "
                f"surface {expected_iv:.4f}, {ctx.iv_daily.height} prior sessions, "
                f"{ctx.flow_coverage.n_obs} flow increments)"
            )
        median = float(np.median(medians))
        verdict = "ok" if median < TARGET_MS else "SLOWER THAN TARGET"
        print(
            f"market_context median over {len(as_ofs)} as_ofs: {median:.0f} ms "
            f"(target < {TARGET_MS:.0f} ms: {verdict})"
        )


if __name__ == "__main__":
    main()
