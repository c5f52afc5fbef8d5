"""Benchmark the distributed replay: speed-up from 1 to 2 Dask workers, and the per-session cost
that the 5-year estimate of ``docs/scaling.md`` is built from.

1. A simulated store of ``SESSIONS`` (12) sessions (the ``demo`` listing, a snapshot every 30
   minutes) is replayed with ``replay_distributed`` on a ``LocalCluster`` of 1 and then 2
   single-threaded worker processes (target speed-up >= 1.7x on 2 cores), all sessions in one
   block. Each cluster is warmed first (worker imports, one session) so the figure is the
   replay's, not the cluster start's; the two runs must be equal bit for bit (checked), so a fast
   wrong answer fails. Workers' and client CPU, tasks per worker and the load average are printed.
2. The per-snapshot and per-session-start cost of the full SPX listing (~20k contracts): one
   session of a 2-session full-listing store replayed under the session rule on this process,
   timing its first step (``warm_state`` + the prior end-of-day pricing + one step) apart from the
   following ones, and the client's fold per snapshot (the serial part). Wall and CPU time are
   printed: on a shared machine the wall time also measures the other processes.

    python benchmarks/bench_dask.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from distributed import Client, get_task_stream
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).parent))

from eots.engine import EngineParams
from eots.replay import ReplaySpec
from eots.replay.carry import CarryFold
from eots.replay.distributed import connect, replay_distributed
from eots.replay.runner import known_bars, spec_refs
from eots.replay.sessions import plan_sessions, replay_session
from eots.simulator import ListingSize, SimulatorParams, listing_preset
from eots.simulator.store import write_history
from eots.storage import PriceStore, SnapshotStore

SESSIONS = 12
EVERY_MINUTES = 30
FIVE_YEARS_SESSIONS = 5 * 252
SNAPSHOTS_PER_SESSION = 391  # one a minute, 09:30 to 16:00 inclusive
CORES = 64


def _worker_cpu(client: Client) -> dict[str, float]:
    """Return the CPU seconds each worker process has used so far."""
    return {k: float(v) for k, v in client.run(time.process_time).items()}


def _task_split(records: list[dict[str, object]]) -> str:
    """Return 'tasks (compute s)' per worker from a task stream (session tasks only)."""
    per: dict[str, list[float]] = {}
    for rec in records:
        if "eots-session" not in str(rec.get("key", "")):
            continue
        spans = rec.get("startstops", ())
        compute = sum(
            s["stop"] - s["start"]
            for s in spans  # type: ignore[attr-defined]
            if s.get("action") == "compute"
        )
        per.setdefault(str(rec.get("worker")), []).append(compute)
    return ", ".join(f"{len(v)} ({sum(v):.1f} s)" for v in per.values())


def speedup(root: Path) -> float:
    """Replay the store on 1 then 2 workers; print wall, CPU and utilisation; return the ratio.

    Every session is in one block (``block_sessions`` = the number of sessions), so all run in
    parallel; the client only gathers and folds the small per-snapshot parts (its CPU time is
    printed: it competes with the workers for the same two cores).
    """
    spec = ReplaySpec(store=root, underlying="SPX", prices=root / "_prices")
    tasks = plan_sessions(spec_refs(SnapshotStore(root), spec))
    walls: dict[int, float] = {}
    busiest: dict[int, float] = {}
    frames = {}
    for n in (1, 2):
        with connect(f"local:{n}", memory_limit="1.5GiB") as client:
            client.wait_for_workers(n)
            with tempfile.TemporaryDirectory() as tmp:
                # warm-up: n sessions at once, so every worker imports eots and runs one
                end = tasks[n - 1].refs[-1].ts_event
                warm = ReplaySpec(store=root, underlying="SPX", prices=root / "_prices", end=end)
                replay_distributed(warm, EngineParams(), Path(tmp) / "warm", client)
                load0, wcpu0 = os.getloadavg()[0], _worker_cpu(client)
                ccpu0 = time.process_time()
                t0 = time.perf_counter()
                with get_task_stream(client) as stream:
                    result = replay_distributed(
                        spec, EngineParams(), Path(tmp) / "run", client, block_sessions=len(tasks)
                    )
                walls[n] = time.perf_counter() - t0
                split = _task_split(stream.data)
                ccpu = time.process_time() - ccpu0
                after = _worker_cpu(client)
                per_worker = [after[k] - wcpu0.get(k, 0.0) for k in after]
                wcpu, busiest[n] = sum(per_worker), max(per_worker)
                frames[n] = result.frames
        print(
            f"  {n} worker(s): wall {walls[n]:6.1f} s for {result.analysed} snapshots in "
            f"{len(tasks)} sessions ({walls[n] / len(tasks):.2f} s per session); workers' CPU "
            f"{wcpu:.1f} s (busiest {busiest[n]:.1f} s) = {wcpu / (n * walls[n]):.0%} of {n} "
            f"core(s) x wall; client CPU "
            f"{ccpu:.1f} s (gather + fold + write); tasks per worker {split}; load average "
            f"{load0:.1f} -> "
            f"{os.getloadavg()[0]:.1f}"
        )
    for stem in ("snapshots", "levels", "by_strike", "signals", "weights", "outcomes"):
        assert_frame_equal(frames[1][stem], frames[2][stem], check_exact=True)
    ratio = walls[1] / walls[2]
    print(f"  speed-up 1 -> 2 workers: {ratio:.2f}x (target >= 1.7x); runs bit for bit equal")
    print(
        f"  (CPU-bound projection for idle cores, not a measurement: busiest worker's CPU "
        f"{busiest[1]:.1f} s -> {busiest[2]:.1f} s = {busiest[1] / busiest[2]:.2f}x)"
    )
    return ratio


def fold_cost(root: Path) -> float:
    """Return the client's CPU seconds per snapshot to fold the lifecycle (full listing)."""
    spec = ReplaySpec(store=root, underlying="SPX", prices=root / "_prices")
    tasks = plan_sessions(spec_refs(SnapshotStore(root), spec))
    results = [replay_session(spec, EngineParams(), t) for t in tasks]
    refs = [r for t in tasks for r in t.refs]
    prices = PriceStore.open(root / "_prices")
    bars = known_bars(prices, "SPX", refs[0].ts_event, refs[-1].ts_event)
    carry = CarryFold.start(EngineParams(), bars)
    parts = [p for r in results for p in r.parts]
    cpu0 = time.process_time()
    for part in parts:
        carry.step(part)
    per = (time.process_time() - cpu0) / len(parts)
    size = statistics.median(p.quotes.estimated_size() for p in parts) / 1e6
    print(
        f"  client fold: {per * 1e3:.1f} CPU ms per snapshot ({len(parts)} snapshots, "
        f"{len(carry.book.outcomes)} outcomes); a snapshot's part carries {size:.2f} MB of quotes"
    )
    return per


def start_cost_per_prior(root: Path) -> tuple[float, float]:
    """Return (s per prior session of a session's first step, s per later snapshot) on the demo
    store: the first step of the second and of the last session, whose warm states hold 1 and
    SESSIONS - 1 prior end-of-day snapshots, on this process."""
    spec = ReplaySpec(store=root, underlying="SPX", prices=root / "_prices")
    tasks = plan_sessions(spec_refs(SnapshotStore(root), spec))
    firsts, rests = [], []
    for task in (tasks[1], tasks[-1], tasks[1], tasks[-1]):
        stamps: list[float] = []
        t0 = time.perf_counter()

        def tick(_item: object, stamps: list[float] = stamps) -> None:
            stamps.append(time.perf_counter())

        replay_session(spec, EngineParams(), task, tick)
        firsts.append(stamps[0] - t0)
        rests.append(statistics.median(np.diff(stamps)))
    priors = len(tasks) - 2
    slope = (min(firsts[1], firsts[3]) - min(firsts[0], firsts[2])) / priors
    rest = statistics.median(rests)
    print(
        f"  demo listing: first step {min(firsts[0], firsts[2]):.2f} s with 1 prior session, "
        f"{min(firsts[1], firsts[3]):.2f} s with {len(tasks) - 1}: {slope:.3f} s per prior "
        f"session at {rest:.2f} s per snapshot"
    )
    return slope, rest


def full_listing_costs(root: Path) -> tuple[float, float, float]:
    """Return (median CPU s per snapshot after the first, CPU s of the first step, CPU share of
    wall) of the second session of a full-listing SPX store, replayed under the session rule.

    CPU time, not wall: on a dedicated core (one session per core) a session's wall time is
    its CPU time, while here the wall time mostly measures the other processes."""
    spec = ReplaySpec(store=root, underlying="SPX", prices=root / "_prices")
    tasks = plan_sessions(spec_refs(SnapshotStore(root), spec))
    task = tasks[-1]
    walls: list[float] = []
    cpus: list[float] = []

    def tick(_item: object) -> None:
        walls.append(time.perf_counter())
        cpus.append(time.process_time())

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    replay_session(spec, EngineParams(), task, tick)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    first_cpu = cpus[0] - cpu0
    rest_cpu = statistics.median(np.diff(cpus)) if len(cpus) > 2 else math.nan
    rest_wall = statistics.median(np.diff(walls)) if len(walls) > 2 else math.nan
    print(
        f"  full SPX listing, session {task.session} ({len(task.refs)} snapshots, "
        f"{len(tasks) - 1} prior session): first step {first_cpu:.2f} CPU s (warm state + "
        f"priors), then {rest_cpu:.2f} CPU s ({rest_wall:.2f} wall s) per snapshot (median); "
        f"session wall {wall:.1f} s, CPU {cpu:.1f} s"
    )
    return rest_cpu, first_cpu, cpu / wall


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        params = SimulatorParams(
            market=listing_preset(ListingSize.DEMO, underlying="SPX"),
            sessions=SESSIONS,
            every_minutes=EVERY_MINUTES,
        )
        t0 = time.perf_counter()
        summary = write_history(root, params, seed=7)
        print(
            f"store: {summary.sessions} sessions, {summary.snapshots} snapshots (demo listing) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        print(f"  load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        ratio = speedup(root)
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
        slope, demo_snap = start_cost_per_prior(root)
        full = Path(tmp) / "full"
        write_history(full, SimulatorParams(sessions=2, every_minutes=60), seed=7)
        per_snap, first, cpu_share = full_listing_costs(full)
        fold_s = fold_cost(full)
    # a warm start holds PRIORS end-of-day snapshots (iv_sessions_needed = 252 by default);
    # their cost scales with the listing like a snapshot's does
    priors = EngineParams().history.iv_sessions_needed
    start_s = first + priors * slope * (per_snap / demo_snap)
    session_s = start_s + (SNAPSHOTS_PER_SESSION - 1) * per_snap
    waves = math.ceil(FIVE_YEARS_SESSIONS / CORES)
    print(
        f"estimate: one 1-minute full SPX session ~ {session_s / 60:.1f} min on one core "
        f"({start_s:.0f} s warm start with {priors} priors + {SNAPSHOTS_PER_SESSION - 1} x "
        f"{per_snap:.2f} s); {FIVE_YEARS_SESSIONS} sessions on {CORES} cores = {waves} waves "
        f"~ {waves * session_s / 3600:.1f} h wall, {FIVE_YEARS_SESSIONS * session_s / 3600:.0f} "
        f"core-hours (CPU share of wall here {cpu_share:.0%}; speed-up measured {ratio:.2f}x)"
    )
    fold_h = FIVE_YEARS_SESSIONS * SNAPSHOTS_PER_SESSION * fold_s / 3600
    print(
        f"  the client's in-order fold: {fold_h:.2f} h of one core for the 5 years "
        f"({SNAPSHOTS_PER_SESSION * fold_s:.1f} s per session against {session_s / CORES:.1f} s "
        f"of cluster time per session on {CORES} cores: it keeps up if below)"
    )


if __name__ == "__main__":
    main()
