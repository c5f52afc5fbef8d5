"""Benchmark: ``load_chain`` (detect + parse + validate) on the largest real SPX quotedata.csv.

Run: ``EOTS_REAL_DATA=/path/to/shared/data/chains python benchmarks/bench_parse.py``.
Target: median <= 60 ms for ~20k contracts. Correctness-aware: the snapshot must hold the
contract count PROVENANCE.md states before a timing is reported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from eots.sources import load_chain, load_raw_chain

REPEATS = 25
TARGET_MS = 60.0
#: Contracts per PROVENANCE.md (not computed by eots), so a fast wrong answer cannot pass.
EXPECTED_CONTRACTS = {"spx_20240105_wknd": 21038, "spx_20220204_wknd": 20514}


def _largest_spx_csv(root: Path) -> Path:
    files = [p for p in root.glob("spx_*/*.csv") if p.is_file()]
    return max(files, key=lambda p: p.stat().st_size)


def _median_ms(path: Path, repeats: int) -> tuple[float, float, int]:
    times = []
    snap = load_chain(path)  # warm-up: builds the session calendar once
    for _ in range(repeats):
        start = time.perf_counter()
        snap = load_chain(path)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times), snap.quality.rows_read


def main() -> int:
    """Time load_chain on the largest SPX CSV and print the median."""
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        print("skipped: EOTS_REAL_DATA is not set (point it at shared/data/chains)")
        return 0
    path = _largest_spx_csv(Path(root))
    median, best, rows = _median_ms(path, REPEATS)
    raw_rows = load_raw_chain(path).frame.height
    assert rows == raw_rows > 15_000, (rows, raw_rows)
    expected = EXPECTED_CONTRACTS.get(path.parent.name)
    assert expected is None or rows == expected, (path.parent.name, rows, expected)
    verdict = "OK" if median <= TARGET_MS else "SLOW"
    print(
        f"load_chain {path.parent.name}: {rows} contracts, median {median:.1f} ms, "
        f"best {best:.1f} ms over {REPEATS} runs (target <= {TARGET_MS:.0f} ms: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
