"""Run every benchmark script in this folder and report (python benchmarks/run.py; make bench).

A report, not a gate on speed: each script checks its own answer and prints its medians. The
exit code of a script says what happened:

* 0: right answer (within its time budget, if it has one);
* 2: right answer, slower than its budget (reported as ``SLOW``; does not fail the run);
* anything else (1, an uncaught exception, a crash): a wrong answer or a broken script (``FAIL``).

At the end a table lists each script's status and wall time. The run exits 1 only when some
script failed; ``--strict`` also fails it on a missed budget.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SLOW_EXIT = 2


def main(argv: list[str]) -> int:
    """Run the scripts (all, or those whose names contain an argument); return the exit code."""
    strict = "--strict" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    here = Path(__file__).parent
    scripts = [
        s for s in sorted(here.glob("bench_*.py")) if not wanted or any(w in s.name for w in wanted)
    ]
    rows: list[tuple[str, str, float]] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        wall_s = time.perf_counter() - t0
        status = "ok" if code == 0 else "SLOW" if code == SLOW_EXIT else f"FAIL (exit {code})"
        rows.append((script.name, status, wall_s))
    print("\n== summary (status, wall time of the whole script)")
    for name, status, wall_s in rows:
        print(f"{name:<24} {status:<16} {wall_s:7.1f} s")
    failed = [n for n, s, _ in rows if s.startswith("FAIL") or (strict and s == "SLOW")]
    slow = [n for n, s, _ in rows if s == "SLOW"]
    if slow:
        print(f"over budget (reported, {'failing' if strict else 'not failing'}): {slow}")
    if failed:
        print(f"failed: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
