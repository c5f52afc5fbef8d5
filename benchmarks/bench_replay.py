"""Benchmark the engine's fold: a one-minute synthetic SPX session (~20k contracts per snapshot).

Issue targets (2-core machine): a 390-snapshot replay with full history <= 60 s and peak memory
<= 2 GB; per-snapshot cost with history <= 1.5x the cost without. Measured here:

1. ``analyze`` of a snapshot alone (no history): the per-snapshot floor, timed on every
   ``N // 30``-th snapshot of the stream (spread over the session, interleaved with pass 2 so
   both see the same machine load);
2. the engine's fold with the history machinery only (context, flows, levels' persistence);
3. the full fold (+ signals, ideas, the lifecycle with learning, the baseline book).

Snapshots are streamed from the simulator (re-created with the same seed for each pass) and no
step is kept, so the peak memory measured is the engine's, not this script's. The time spent
producing a snapshot (simulating it, hashing its content, the interleaved ``analyze``) is taken
out of each step's time. Per-step figures are medians with a distribution-free 95 % interval
(order statistics), CPU time (``process_time``, every thread of the process) beside wall time:
the machine is shared.

The answer is checked: the history-only fold's last analysis equals ``analyze`` with the context
built from a store of the same snapshots (metrics frames equal, exactly), and two folds of the
same stream give the same levels, so a fast wrong answer fails. ``N`` snapshots (default 390) can
be set as the first argument.

    python benchmarks/bench_replay.py [N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import collections
import math
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from polars.testing import assert_frame_equal

from eots.chain.snapshot import ChainSnapshot
from eots.engine import Components, EngineParams, fold, snapshot_ref
from eots.history import AsOfReader, market_context
from eots.pipeline import History, analyze
from eots.simulator import SimulatorParams, simulate
from eots.storage import SnapshotStore
from eots.storage.snapshots import SnapshotRef

SLOW_EXIT = 2
STORE_WINDOW = 14  # the snapshots the store-built context reads (intraday window + 1)


@dataclass
class _Clock:
    """Wall and CPU seconds spent producing items (taken out of the fold's step times)."""

    wall: float = 0.0
    cpu: float = 0.0
    alone_wall: list[float] = field(default_factory=list)
    alone_cpu: list[float] = field(default_factory=list)
    last: collections.deque[ChainSnapshot] = field(
        default_factory=lambda: collections.deque(maxlen=STORE_WINDOW)
    )
    contracts: list[int] = field(default_factory=list)


def _snapshots(n: int) -> Iterator[ChainSnapshot]:
    stream = simulate(SimulatorParams(every_minutes=1), 3)
    for _, st in zip(range(n), stream, strict=False):
        yield st.snapshot


def _items(n: int, clock: _Clock, every: int | None) -> Iterator[tuple[SnapshotRef, ChainSnapshot]]:
    """Stream ``(ref, snapshot)``; with ``every``, time ``analyze`` alone on every k-th one."""
    snaps = _snapshots(n)
    i = 0
    while True:
        w0, c0 = time.perf_counter(), time.process_time()
        snap = next(snaps, None)
        if snap is None:
            return
        item = (snapshot_ref(snap), snap)
        clock.last.append(snap)
        clock.contracts.append(snap.n_contracts)
        if every and i % every == every // 2:
            a0, b0 = time.perf_counter(), time.process_time()
            analyze(snap)
            clock.alone_wall.append(time.perf_counter() - a0)
            clock.alone_cpu.append(time.process_time() - b0)
        clock.wall += time.perf_counter() - w0
        clock.cpu += time.process_time() - c0
        i += 1
        yield item


@dataclass
class _Run:
    wall: float
    cpu: float
    step_wall: list[float]
    step_cpu: list[float]
    first_levels: list[object]
    final: object


def _fold(n: int, params: EngineParams, every: int | None, clock: _Clock) -> _Run:
    """Fold ``n`` streamed snapshots; keep only the first five steps' levels and the last step."""
    steps = fold(_items(n, clock, every), params)
    wall_total = cpu_total = 0.0
    step_wall: list[float] = []
    step_cpu: list[float] = []
    kept: list[object] = []
    final: object = None
    while True:
        w0, c0 = time.perf_counter(), time.process_time()
        gen_w, gen_c = clock.wall, clock.cpu
        got = next(steps, None)
        if got is None:
            break
        dw = time.perf_counter() - w0 - (clock.wall - gen_w)
        dc = time.process_time() - c0 - (clock.cpu - gen_c)
        step_wall.append(dw)
        step_cpu.append(dc)
        wall_total += dw
        cpu_total += dc
        item, _state = got
        if len(kept) < 5:
            kept.append(item.analysis.levels.to_frame())  # type: ignore[union-attr]
        final = item
    return _Run(wall_total, cpu_total, step_wall, step_cpu, kept, final)


def median_ci(values: list[float]) -> tuple[float, float, float]:
    """Return the median and a distribution-free 95 % interval (binomial order statistics)."""
    xs = sorted(values)
    n = len(xs)
    half = 1.96 * math.sqrt(n) / 2
    lo = max(math.floor(n / 2 - half), 0)
    hi = min(math.ceil(n / 2 + half), n - 1)
    return statistics.median(xs), xs[lo], xs[hi]


def _ms(values: list[float]) -> str:
    med, lo, hi = median_ci(values)
    return f"{med * 1e3:.0f} ms [{lo * 1e3:.0f}, {hi * 1e3:.0f}]"


def _report(name: str, run: _Run, alone: tuple[list[float], list[float]] | None) -> None:
    n = len(run.step_wall)
    print(
        f"{name}: {n} steps, {run.wall:.1f} s wall, {run.cpu:.1f} s CPU (stream excluded); "
        f"per step median wall {_ms(run.step_wall)}, CPU {_ms(run.step_cpu)}"
    )
    if alone is not None:
        aw, ac = alone
        ratio_w = statistics.median(run.step_wall) / statistics.median(aw)
        ratio_c = statistics.median(run.step_cpu) / statistics.median(ac)
        extra = (statistics.median(run.step_cpu) - statistics.median(ac)) * 1e3
        print(
            f"  analyze alone ({len(aw)} snapshots of the same stream): wall {_ms(aw)}, "
            f"CPU {_ms(ac)}; fold / analyze: {ratio_w:.2f}x wall, {ratio_c:.2f}x CPU; "
            f"history overhead {extra:.0f} ms CPU"
        )


def _check(final: object, last: collections.deque[ChainSnapshot], n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SnapshotStore(Path(folder))
        for s in last:
            store.save(s)
        snap = last[-1]
        ctx = market_context(AsOfReader(store, None, snap.ts_event), "SPX", snap.ts_event)
        expected = analyze(snap, history=History.from_context(ctx))
    got = final.analysis  # type: ignore[attr-defined]
    assert_frame_equal(got.metrics.strikes, expected.metrics.strikes, check_exact=True)
    assert_frame_equal(got.strike_metrics, expected.strike_metrics, check_exact=True)
    print(f"checked: step {n}'s metrics equal the store-built context's (exactly)", end="; ")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 390
    every = max(n // 30, 1)
    clock = _Clock()
    bare = EngineParams(components=Components(signals=False, ideas=False, tracking=False))
    hist = _fold(n, bare, every, clock)
    print(
        f"{len(clock.contracts)} one-minute SPX snapshots, median "
        f"{statistics.median(clock.contracts):,.0f} contracts (streamed from the simulator)"
    )
    _report("fold, history only", hist, (clock.alone_wall, clock.alone_cpu))
    _check(hist.final, clock.last, n)
    full_clock = _Clock()
    full = _fold(n, EngineParams(), None, full_clock)
    _report("fold, everything (signals, ideas, lifecycle, learning, baseline)", full, None)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again = _fold(5, EngineParams(), None, _Clock())
    for a, b in zip(again.first_levels, full.first_levels, strict=True):
        assert a.equals(b)  # type: ignore[attr-defined]
    print("folds are deterministic")
    print(f"peak resident memory: {peak_mb:,.0f} MB")
    ratio = statistics.median(hist.step_cpu) / statistics.median(clock.alone_cpu)
    over = full.wall > 60.0 or ratio > 1.5 or peak_mb > 2048
    return SLOW_EXIT if over and n >= 390 else 0


if __name__ == "__main__":
    sys.exit(main())
