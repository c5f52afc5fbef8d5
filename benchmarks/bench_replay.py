"""Benchmark the engine's fold: a one-minute synthetic SPX session (~20k contracts per snapshot).

Issue targets (2-core machine): a 390-snapshot replay with full history <= 60 s and peak memory
<= 2 GB; per-snapshot cost with history <= 1.5x the cost without. Measured here:

1. ``analyze`` of each snapshot alone (no history): the per-snapshot floor;
2. the engine's fold with the history machinery only (context, flows, levels' persistence);
3. the full fold (+ signals, ideas, the lifecycle with learning, the baseline book).

The answer is checked: the history-only fold's last analysis equals ``analyze`` with the context
built from a store of the same snapshots (metrics frames equal), and two folds of the same stream
give the same levels, so a fast wrong answer fails. CPU time is printed beside wall time (the
machine is shared). ``N`` snapshots (default 390) can be set as the first argument.

    python benchmarks/bench_replay.py [N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import itertools
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from polars.testing import assert_frame_equal

from eots.engine import Components, EngineParams, fold, snapshot_ref
from eots.history import AsOfReader, market_context
from eots.pipeline import History, analyze
from eots.simulator import SimulatorParams, simulate
from eots.storage import SnapshotStore

SLOW_EXIT = 2


def _fold(items, params):  # type: ignore[no-untyped-def]
    """Fold ``items``; keep only the first five steps' levels and the last step (a replay keeps
    no steps either, so the peak memory measured is the engine's, not this script's)."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    gaps, last, kept, final = [], t0, [], None
    for item, _state in fold(iter(items), params):
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        if len(kept) < 5:
            kept.append(item.analysis.levels.to_frame())
        final = item
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return (kept, final), wall, cpu, statistics.median(gaps)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 390
    stream = simulate(SimulatorParams(every_minutes=1), 3)
    snaps = [step.snapshot for _, step in zip(range(n), stream, strict=False)]
    items = [(snapshot_ref(s), s) for s in snaps]
    contracts = statistics.median(s.n_contracts for s in snaps)
    print(f"{len(snaps)} one-minute SPX snapshots, median {contracts:,.0f} contracts")

    alone = [time.perf_counter()]
    for s in snaps[:20]:
        analyze(s)
        alone.append(time.perf_counter())
    per_alone = statistics.median(b - a for a, b in itertools.pairwise(alone))
    print(f"analyze without history: median {per_alone * 1e3:.0f} ms per snapshot (20 snapshots)")

    bare = EngineParams(components=Components(signals=False, ideas=False, tracking=False))
    (_, last_bare), wall, cpu, med = _fold(items, bare)
    print(
        f"fold, history only: {wall:.1f} s wall, {cpu:.1f} s CPU, median {med * 1e3:.0f} ms "
        f"per snapshot ({med / per_alone:.2f}x analyze alone)"
    )
    (first_levels, _), wall_f, cpu_f, med_f = _fold(items, EngineParams())
    print(
        f"fold, everything (signals, ideas, lifecycle, learning, baseline): {wall_f:.1f} s wall, "
        f"{cpu_f:.1f} s CPU, median {med_f * 1e3:.0f} ms per snapshot"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:,.0f} MB")

    with tempfile.TemporaryDirectory() as folder:
        store = SnapshotStore(Path(folder))
        window = snaps[-14:]
        for s in window:
            store.save(s)
        last = snaps[-1]
        ctx = market_context(AsOfReader(store, None, last.ts_event), "SPX", last.ts_event)
        expected = analyze(last, history=History.from_context(ctx))
    assert_frame_equal(last_bare.analysis.metrics.strikes, expected.metrics.strikes)
    (again, _), *_ = _fold(items[:5], EngineParams())
    for a, b in zip(again, first_levels, strict=True):
        assert a.equals(b)
    print("checked: the fold's metrics equal the store-built context's; folds are deterministic")
    over = wall_f > 60.0 or med / per_alone > 1.5
    return SLOW_EXIT if over and len(snaps) >= 390 else 0


if __name__ == "__main__":
    sys.exit(main())
