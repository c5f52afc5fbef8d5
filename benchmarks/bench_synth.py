"""Benchmark the simulator: one 390-snapshot 1-minute SPX session (~20k contracts), target <= 30 s.

1. ``simulate`` of one full-listing SPX session with a snapshot every minute (391 snapshots):
   wall time of the whole generator (target <= 30 s), per-snapshot median, and the answer checked
   (391 snapshots, 390 one-minute bars, every snapshot's volume equal to the trades so far, spot
   equal to the last bar's close), so a fast wrong answer fails. CPU time is printed beside the
   wall time: on a shared machine the wall time mostly measures the other processes.
2. ``SnapshotStore.save`` of those snapshots (median per snapshot): does storing dominate?
3. The lead's demo history: 5 sessions of 15-minute snapshots of the ``demo`` listing through
   ``write_history`` (target ~10-20 s).

    python benchmarks/bench_synth.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from eots.simulator import ListingSize, SimulatorParams, listing_preset, simulate
from eots.simulator.store import write_history
from eots.storage import SnapshotStore


def bench_session() -> list[object]:
    """Simulate one 1-minute SPX session; print the timings; return the steps."""
    params = SimulatorParams(every_minutes=1)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    gaps = []
    steps = []
    last = t0
    for step in simulate(params, seed=1):
        now = time.perf_counter()
        gaps.append((now - last) * 1e3)
        last = now
        steps.append(step)
    total = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    assert len(steps) == 391
    bars = pl.concat([s.bars for s in steps])
    assert bars.height == 390
    volume = 0
    for s in steps:
        volume += int(s.trades.get_column("size").sum())
        assert int(s.snapshot.frame.get_column("volume").sum()) <= volume
        if s.bars.height:
            assert s.bars.get_column("close")[-1] == s.snapshot.spot
    contracts = statistics.median(s.snapshot.n_contracts for s in steps)
    n_trades = sum(s.trades.height for s in steps)
    print(
        f"simulate 1 SPX session, 1-minute snapshots: {len(steps)} snapshots of ~{contracts:.0f} "
        f"contracts, {n_trades} trades in {total:.1f} s wall, {cpu:.1f} s CPU (target <= 30 s); "
        f"median {statistics.median(gaps[1:]):.1f} ms per step"
    )
    return steps


def bench_save(steps: list[object]) -> None:
    """Median SnapshotStore.save per snapshot for the session's snapshots."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SnapshotStore(Path(tmp))
        times = []
        for s in steps[::10]:
            t0 = time.perf_counter()
            store.save(s.snapshot)  # type: ignore[attr-defined]
            times.append((time.perf_counter() - t0) * 1e3)
        assert len(store.list("SPX")) == len(times)
    med = statistics.median(times)
    print(
        f"SnapshotStore.save: median {med:.1f} ms per ~20k-contract snapshot "
        f"({391 * med / 1e3:.1f} s for a 1-minute session)"
    )


def bench_demo() -> None:
    """The demo history: 5 sessions of 15-minute snapshots of the demo listing."""
    params = SimulatorParams(market=listing_preset(ListingSize.DEMO), sessions=5, every_minutes=15)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = write_history(Path(tmp), params, 1)
        total = time.perf_counter() - t0
    assert (summary.sessions, summary.snapshots, summary.bars) == (5, 5 * 27, 5 * 390)
    print(
        f"write_history demo: 5 sessions x 27 snapshots, {summary.trades} trades "
        f"in {total:.1f} s (target ~10-20 s)"
    )


if __name__ == "__main__":
    steps = bench_session()
    bench_save(steps)
    bench_demo()
