"""Run every benchmark script in this folder (a report, not a gate): python benchmarks/run.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
failed = []
for script in sorted(here.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    if subprocess.run([sys.executable, str(script)], check=False).returncode:
        failed.append(script.name)
sys.exit(f"failed: {failed}" if failed else 0)
