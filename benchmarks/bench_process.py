"""Benchmark whole processes: ``eots analyze FILE`` against a bare pandas + NumPy GEX script.

A user runs ``eots analyze`` once per chain, so what they wait for is the whole process: the
interpreter, every import, the parse, the analysis and the printing. The yardstick is
``benchmarks/bare_gex.py``, what a hand-written GEX script costs on the same file. Three
commands run on the largest real SPX chain ($EOTS_REAL_DATA), interleaved (one run of each in
turn, so load on the shared machine hits all alike), ``REPEATS`` times:

* ``python benchmarks/bare_gex.py FILE``
* ``python -m eots analyze FILE``
* ``eots analyze FILE`` (the console script beside the interpreter, when installed)

The CPU of each run (user + system) is the ``resource.getrusage(RUSAGE_CHILDREN)`` difference
around it; the medians are printed with the eots/bare ratio. The children compile their modules
once, as an installed package does: bytecode goes to a temporary ``PYTHONPYCACHEPREFIX`` (the
source tree is not written; ``PYTHONDONTWRITEBYTECODE`` is dropped for them) and one untimed
warm-up run of each command fills it. Without that, a process that imports eots' 250 modules from
source pays for compiling them on every run (~0.5 s), which no user of an installed eots does.

Each answer is checked: every run must exit 0 and print a net GEX, and the bare script's net GEX
must have the sign and the order of magnitude of eots' (the two differ in the time to expiry --
eots values a weekend download at the session's close -- and eots solves the IVs CBOE left at 0,
so only that much agrees).

Exit 0 when ``eots analyze`` costs no more CPU than the bare script, 2 when it costs more (a
``SLOW`` report in ``run.py``), 1 on a wrong answer.

    EOTS_REAL_DATA=/path/to/shared/data/chains python benchmarks/bench_process.py
"""

from __future__ import annotations

import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPEATS = 9
SLOW_EXIT = 2
HERE = Path(__file__).resolve().parent
_NET_GEX = re.compile(r"net GEX ([+-]?[0-9.,]+)(bn|mn|k)?")
_SCALE = {"bn": 1e9, "mn": 1e6, "k": 1e3, None: 1.0}


def _largest_spx_csv(root: Path) -> Path:
    files = [p for p in root.glob("spx_*/*.csv") if p.is_file()]
    return max(files, key=lambda p: p.stat().st_size)


def _env(pycache: str) -> dict[str, str]:
    """Return the children's environment: one BLAS thread, bytecode cached, ``src`` first."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``cmd``; return (its CPU seconds, user + system, and its stdout). Fails on exit != 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise AssertionError(f"{cmd} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, done.stdout


def net_gex(output: str) -> float:
    """The ``net GEX <value>[bn|mn|k]`` a run printed, in USD per 1 % move."""
    found = _NET_GEX.search(output)
    if found is None:
        raise AssertionError(f"no 'net GEX' in the output: {output[:500]!r}")
    return float(found.group(1).replace(",", "")) * _SCALE[found.group(2)]


def _check(outputs: dict[str, str]) -> float:
    """Check the answers agree as far as they can; return eots' net GEX."""
    values = {name: net_gex(text) for name, text in outputs.items()}
    eots = values.pop("python -m eots analyze")
    bare = values.pop("bare_gex.py")
    for name, value in values.items():
        assert value == eots, (name, value, eots)  # the console script: the same program
    assert eots != 0.0, eots
    assert math.copysign(1.0, bare) == math.copysign(1.0, eots), (bare, eots)
    assert abs(math.log10(abs(bare) / abs(eots))) < 1.0, ("order of magnitude", bare, eots)
    return eots


def main() -> int:
    """Time the three commands interleaved and print the CPU medians and the ratio."""
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        print("skipped: EOTS_REAL_DATA is not set (point it at shared/data/chains)")
        return 0
    path = str(_largest_spx_csv(Path(root)))
    commands = {
        "bare_gex.py": [sys.executable, str(HERE / "bare_gex.py"), path],
        "python -m eots analyze": [sys.executable, "-m", "eots", "analyze", path],
    }
    script = shutil.which("eots", path=str(Path(sys.executable).parent))
    if script is not None:
        commands["eots analyze (console script)"] = [script, "analyze", path]
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="eots-bench-pycache-") as pycache:
        env = _env(pycache)
        for cmd in commands.values():
            _run(cmd, env)  # warm-up: compiles every module once
        for _ in range(REPEATS):
            for name, cmd in commands.items():
                seconds, outputs[name] = _run(cmd, env)
                cpu[name].append(seconds)
    eots_gex = _check(outputs)
    bare_ms = statistics.median(cpu["bare_gex.py"]) * 1e3
    print(f"whole-process CPU (user + sys), medians of {REPEATS} interleaved runs, {path}:")
    for name, times in cpu.items():
        ms = statistics.median(times) * 1e3
        print(f"  {name:<30} {ms:7.0f} ms  ({ms / bare_ms:4.2f}x bare)")
    bare_gex = net_gex(outputs["bare_gex.py"])
    print(f"  net GEX: eots {eots_gex / 1e9:+.2f}bn, bare {bare_gex / 1e9:+.2f}bn")
    slowest = max(statistics.median(cpu[n]) for n in commands if n != "bare_gex.py") * 1e3
    verdict = "OK" if slowest <= bare_ms else "SLOW"
    print(f"eots analyze vs the bare script: {slowest / bare_ms:.2f}x ({verdict})")
    return 0 if verdict == "OK" else SLOW_EXIT


if __name__ == "__main__":
    sys.exit(main())
