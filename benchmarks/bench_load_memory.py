"""Benchmark: peak memory of ``load_chain`` on a large CBOE quotedata.csv, against the file size.

Run: ``EOTS_REAL_DATA=/path/to/shared/data/chains python benchmarks/bench_load_memory.py [copies]``.
The file is built in a temporary folder from the real SPX 2023-04-05 export: its rows repeated
``copies`` times (default 75, about 96 MB), each copy's strikes moved up by ``k`` thousandths so
every contract is distinct. Each measurement runs in a fresh interpreter (peak RSS is per process).
Correctness-aware: the snapshot must hold ``copies`` times the original's live contracts. Target
(issue 10): peak memory above the interpreter's baseline within about 3x the file size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RATIO = 3.0
CASE = "spx_20230405_post/spx_quotedata.csv"

_MEASURE = """
import resource, sys, time
from eots.sources import load_chain
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
snap = load_chain(sys.argv[1])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(snap.n_contracts, base * 1024, peak * 1024, elapsed)
"""


def build(source: Path, copies: int, target: Path) -> None:
    """Write ``copies`` strike-shifted copies of ``source``'s rows under its header."""
    lines = source.read_bytes().split(b"\n")
    head, body = lines[:4], [line for line in lines[4:] if line.strip()]
    with target.open("wb") as out:
        out.write(b"\n".join(head) + b"\n")
        for k in range(copies):
            rows = []
            for line in body:
                f = line.split(b",")
                milli = round(float(f[11]) * 1000) + k
                f[11] = b"%.3f" % (milli / 1000)
                f[1] = f[1][:-8] + b"%08d" % milli
                f[12] = f[12][:-8] + b"%08d" % milli
                rows.append(b",".join(f))
            out.write(b"\n".join(rows) + b"\n")


def measure(path: Path) -> tuple[int, float, float, float]:
    """Run ``load_chain`` in a fresh interpreter: (contracts, baseline bytes, peak bytes, s)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2]), float(out[3])


def main() -> int:
    """Build the large file, load it once in a fresh process and print the memory ratio."""
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        print("skipped: EOTS_REAL_DATA is not set (point it at shared/data/chains)")
        return 0
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 75
    source = Path(root) / CASE
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.csv"
        big = Path(tmp) / "big.csv"
        build(source, 1, one)
        build(source, copies, big)
        live_one, *_ = measure(one)
        live, base, peak, seconds = measure(big)
        size = big.stat().st_size
    assert live == copies * live_one, (live, copies, live_one)
    ratio = (peak - base) / size
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"load_chain {size / 1e6:.0f} MB ({live} contracts): peak {peak / 1e6:.0f} MB, "
        f"{ratio:.2f}x the file above the {base / 1e6:.0f} MB baseline, {seconds:.1f} s "
        f"(target <= {TARGET_RATIO:.0f}x: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
