"""Benchmark the snapshot store: real-data ingest, and queries over a month of 5-minute snapshots.

1. Ingest every real snapshot under $EOTS_REAL_DATA into a fresh store (target < 60 s), then
   again (all duplicates). Skipped when EOTS_REAL_DATA is unset.
2. Fill a store with one month of 5-minute snapshots (March 2024, 20 sessions x 79 = 1,580 files
   of 2,000 contracts each), then time ``list``, ``latest``, ``between`` (one session),
   ``end_of_day`` and ``spot_series`` (medians). Every answer is checked against a brute-force
   expectation, so a fast wrong answer fails.

    python benchmarks/bench_store.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.chain import ChainSnapshot
from eots.core.time import nyse_calendar
from eots.storage import SnapshotStore, ingest
from eots.synthetic import SyntheticParams, synthetic_chain

MONTH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
EVERY = dt.timedelta(minutes=5)
ROWS = 2_000


def bench_real_ingest(data: Path, root: Path) -> None:
    """Ingest the real folder twice; print wall times and counts."""
    store = SnapshotStore(root)
    t0 = time.perf_counter()
    first = ingest([data], store)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = ingest([data], store)
    second_s = time.perf_counter() - t0
    assert first.files == len(first.stored) + len(first.refused) + len(first.duplicates)
    assert second.stored == ()
    assert len(second.duplicates) == len(first.stored) + len(first.duplicates)
    print(
        f"ingest real folder: {first.files} files, {len(first.stored)} stored, "
        f"{len(first.refused)} refused in {first_s:.1f} s (target < 60 s); "
        f"re-ingest (all duplicates) {second_s:.1f} s"
    )


def _month_times() -> list[dt.datetime]:
    cal = nyse_calendar()
    times = []
    day = MONTH[0]
    while day <= MONTH[1]:
        bounds = cal.session_bounds(day)
        if bounds is not None:
            t = bounds[0]
            while t <= bounds[1]:
                times.append(t)
                t += EVERY
        day += dt.timedelta(days=1)
    return times


def fill_month(root: Path) -> tuple[SnapshotStore, list[dt.datetime]]:
    """Save one month of 5-minute snapshots (the same 2,000 contracts, spot moving)."""
    store = SnapshotStore(root)
    times = _month_times()
    base = synthetic_chain(SyntheticParams(), as_of=times[0])
    small: ChainSnapshot = dataclasses.replace(base, frame=base.frame.head(ROWS))
    t0 = time.perf_counter()
    for i, ts in enumerate(times):
        store.save(dataclasses.replace(small, ts_event=ts, ts_recv=ts, spot=5000.0 + 0.25 * i))
    fill_s = time.perf_counter() - t0
    print(
        f"filled {len(times)} snapshots x {ROWS} rows in {fill_s:.1f} s "
        f"({fill_s / len(times) * 1e3:.1f} ms per save)"
    )
    return store, times


def bench_queries(store: SnapshotStore, times: list[dt.datetime]) -> None:
    """Time the queries (medians) and check each answer."""
    rng = random.Random(7)
    as_ofs = [times[0] + (times[-1] - times[0]) * rng.random() for _ in range(25)]

    list_ms, refs = median_ms(lambda: store.list("SPX"))
    assert [r.ts_event for r in refs] == times

    def latest_all() -> list[ChainSnapshot | None]:
        return [store.latest("SPX", a) for a in as_ofs]

    latest_ms, got = median_ms(latest_all, repeats=5)
    for a, snap in zip(as_ofs, got, strict=True):
        assert snap is not None
        assert snap.ts_event == max(t for t in times if t <= a)
    day = times[len(times) // 2].date()
    session_times = [t for t in times if t.date() == day]
    between_ms, loaded = median_ms(
        lambda: store.between("SPX", session_times[0], session_times[-1]), repeats=5
    )
    assert [s.ts_event for s in loaded] == session_times
    eod_ms, eod = median_ms(lambda: store.end_of_day("SPX", day))
    assert eod is not None
    assert eod.ts_event == session_times[-1]
    spot_ms, spots = median_ms(lambda: store.spot_series("SPX"), repeats=5)
    assert spots.height == len(times)
    print(f"list (month, {len(refs)} refs): {list_ms:.1f} ms")
    print(f"latest(as_of) incl. load: {latest_ms / len(as_ofs):.1f} ms per call")
    print(f"between (one session, {len(loaded)} snapshots): {between_ms:.0f} ms")
    print(f"end_of_day: {eod_ms:.1f} ms")
    print(f"spot_series (month, footers only): {spot_ms:.0f} ms")


def main() -> None:
    """Run both benchmarks in temporary folders."""
    with tempfile.TemporaryDirectory(prefix="eots-bench-store-") as tmp:
        data = os.environ.get("EOTS_REAL_DATA")
        if data:
            bench_real_ingest(Path(data), Path(tmp) / "real")
        else:
            print("ingest real folder: skipped (EOTS_REAL_DATA is not set)")
        store, times = fill_month(Path(tmp) / "month")
        bench_queries(store, times)


if __name__ == "__main__":
    main()
