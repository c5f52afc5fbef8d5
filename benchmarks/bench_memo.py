"""Benchmark the foundation memo: ``analyze --store`` and ``warm_state`` with 12 prior sessions.

The store holds 12 XNYS sessions before 2024-04-01, one full synthetic SPX listing per session
at 15:55 ET (about 20k contracts each), and the current session's 10:00 snapshot. The daily (5)
and weekly (4) levels read 5 + up to 4 prior end-of-day snapshots (6 distinct here).

* **cold**: an empty memo (after one warm-up call): each prior read by the levels is priced once
  and its summary written;
* **warm**: the memo holds them: each summary is one small Parquet read, nothing is priced.

CPU seconds (``time.process_time``), medians of 3 runs each. Correctness check: the warm analysis'
levels equal the cold one's exactly, warm computes no summary and reuses all of them.

    python benchmarks/bench_memo.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import ET, nyse_calendar
from eots.engine import Components, EngineParams, analyze_snapshot, warm_state
from eots.engine.summaries import Summaries, summary_fingerprint
from eots.storage import FoundationMemo, SnapshotStore
from eots.storage.memo import MEMO_SIDECAR
from eots.synthetic import SyntheticParams, synthetic_chain

T = TypeVar("T")
CURRENT = dt.date(2024, 4, 1)
PRIOR_SESSIONS = 12


def _cpu(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def _refuse() -> ChainSnapshot:
    raise AssertionError("a memoised summary was priced again")


def main() -> None:
    rng = random.Random(5)
    cal = nyse_calendar()
    days = [CURRENT]
    while len(days) <= PRIOR_SESSIONS:
        days.insert(0, cal.previous_session(days[0]))
    params = EngineParams(
        components=Components(signals=False, ideas=False, tracking=False, baseline=False)
    )
    spot = 5000.0
    with tempfile.TemporaryDirectory() as tmp:
        store = SnapshotStore(Path(tmp))
        for i, day in enumerate(days[:-1]):
            spot *= 1.0 + rng.gauss(0.0, 0.008)
            as_of = dt.datetime.combine(day, dt.time(15, 55), tzinfo=ET)
            store.save(synthetic_chain(SyntheticParams(seed=i, spot=round(spot, 2)), as_of=as_of))
        now = dt.datetime.combine(CURRENT, dt.time(10, 0), tzinfo=ET)
        current = synthetic_chain(SyntheticParams(seed=99, spot=round(spot, 2)), as_of=now)
        memo_dir = Path(tmp) / MEMO_SIDECAR

        first = analyze_snapshot(current, params, store=store)  # warm-up: imports, first calls
        n_memo = len(list(memo_dir.rglob("*.parquet")))
        cold, warm = [], []
        for _ in range(3):
            shutil.rmtree(memo_dir)
            cold.append(_cpu(lambda: analyze_snapshot(current, params, store=store))[0])
            s, again = _cpu(lambda: analyze_snapshot(current, params, store=store))
            warm.append(s)
            assert again.analysis.levels.to_frame().equals(first.analysis.levels.to_frame())
        cold_s = statistics.median(cold)

        shutil.rmtree(memo_dir)
        ws_cold, state = _cpu(lambda: warm_state(store, "SPX", current.ts_event, params))
        ws_warm = statistics.median(
            _cpu(lambda: warm_state(store, "SPX", current.ts_event, params))[0] for _ in range(3)
        )
        probe = Summaries(params.analysis, FoundationMemo(store.root))
        for held in state.end_of_day:
            if held.ref.content_hash in {s.content_hash for s in state.summaries}:
                probe.of(held.ref, _refuse)
        assert probe.computed == 0
        assert probe.reused == len(state.summaries) == n_memo
        print(
            f"{PRIOR_SESSIONS} prior sessions (~{current.n_contracts} contracts each), "
            f"{n_memo} summaries memoised (fingerprint {summary_fingerprint(params.analysis)})"
        )
        print(
            f"analyze --store: cold {cold_s:.2f} s CPU, warm median {statistics.median(warm):.2f} s"
            f" CPU (x{cold_s / statistics.median(warm):.2f})"
        )
        print(f"warm_state: cold {ws_cold:.2f} s CPU, warm median {ws_warm:.2f} s CPU")


if __name__ == "__main__":
    main()
