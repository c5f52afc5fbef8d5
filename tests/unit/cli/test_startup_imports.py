"""What ``import eots.config`` and ``eots analyze`` import: a guard against eager heavy imports.

Each check runs a fresh interpreter and lists ``sys.modules`` at the end, so a module imported by
any path (a package ``__init__``, a params module importing a runtime one, a CLI module importing
a subcommand's dependencies) fails it. Why it matters: every import is start-up time of every
``eots analyze`` (benchmarks/bench_process.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import write_generic_csv
from eots.synthetic import SyntheticParams, synthetic_chain

SRC = Path(__file__).resolve().parents[3] / "src"

#: Never needed to read a config or analyse one chain file.
HEAVY = (
    "scipy",
    "scipy.special",
    "scipy.optimize",
    "pandas",
    "pyarrow",
    "fsspec",
    "httpx",
    "dash",
    "plotly",
    "exchange_calendars",
    "eots.collect.loop",
    "eots.dashboard.app",
    "eots.replay.runner",
    "eots.evaluation.evaluate",
)
#: Runtime modules a configuration does not need (only the params modules).
RUNTIME = (
    "numpy",
    "polars",
    "typer",
    "rich",
    "eots.pipeline",
    "eots.storage",
    "eots.tracking.book",
    "eots.ideas.generate",
    "eots.engine.run",
    "eots.sources.files",
    "eots.greeks.black_scholes",
)


def _modules_after(code: str, *args: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return the names in ``sys.modules`` at its end."""
    script = (
        "import atexit, json, sys\n"
        "def _report():\n"
        "    sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
        "atexit.register(_report)\n" + code
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(SRC.parent / "tests")])}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=SRC.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    listing = done.stderr.rsplit("MODULES ", 1)[1]
    return set(json.loads(listing))


def test_import_config_imports_only_params() -> None:
    loaded = _modules_after("import eots.config\neots.config.EotsConfig()\n")
    assert not loaded & set(HEAVY + RUNTIME), sorted(loaded & set(HEAVY + RUNTIME))
    runtime_eots = {
        m
        for m in loaded
        if m.startswith("eots.")
        and m.rsplit(".", 1)[-1] not in {"params", "model", "types", "errors", "lazy"}
    }
    assert runtime_eots <= {
        "eots.analysis_params",
        "eots.config",
        "eots.core",
        "eots.framework_config",
        *{m for m in loaded if m.count(".") == 1},  # the (lazy) package __init__s
    }


def test_analyze_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nsys.argv = ['eots', 'analyze', '--help']\n"
        "from eots.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    loaded = _modules_after(code)
    assert "typer" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & {"polars", "numpy", "eots.pipeline", "eots.engine.run", "eots.storage"}


#: A trade idea's risk-neutral density is a smoothing spline (``scipy.interpolate``, imported by
#: ``eots.ideas.density`` when an idea needs it): allowed while analysing, never at start-up.
DENSITY = {"scipy", "scipy.special", "scipy.optimize", "scipy.interpolate"}

_ANALYZE = (
    "import sys\nsys.argv = ['eots', 'analyze', sys.argv[1]]\n"
    "from eots.cli.main import main\ntry:\n    main()\nexcept SystemExit as e:\n"
    "    assert not e.code, e.code\n"
)


#: What a one-off analysis of a CSV file (no --store, --prices, tracking) never uses: the idea
#: lifecycle and its event log (an empty book is all it holds), the price and level stores, the
#: readers of the other formats.
NOT_FOR_ONE_ANALYSIS = (
    "eots.tracking.events",
    "eots.tracking.lifecycle",
    "eots.tracking.marking",
    "eots.tracking.outcomes",
    "eots.storage.prices",
    "eots.storage.bars_csv",
    "eots.storage.levels",
    "eots.sources.cboe_json",
    "eots.sources.tda_json",
    "eots.sources.barchart_json",
    "eots.sources.zerodte_csv",
    "eots.sources._json",
)


def test_analyze_a_chain_file_imports_nothing_heavy(tmp_path: Path) -> None:
    as_of = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    snap = synthetic_chain(SyntheticParams(underlying="SPY", seed=3), as_of=as_of)
    path = write_generic_csv(snap, tmp_path / "chain.csv")
    loaded = _modules_after(_ANALYZE, str(path))
    assert {"eots.engine.run", "eots.pipeline"} <= loaded  # it did analyse
    assert not loaded & (set(HEAVY) - DENSITY), sorted(loaded & set(HEAVY))
    assert not loaded & set(NOT_FOR_ONE_ANALYSIS), sorted(loaded & set(NOT_FOR_ONE_ANALYSIS))


@pytest.mark.real_data
def test_analyze_the_largest_spx_chain_imports_no_scipy(real_data: Path) -> None:
    # the chain bench_process.py times: its ideas need no density fit, so no SciPy at all
    path = max(real_data.glob("spx_*/*.csv"), key=lambda p: p.stat().st_size)
    loaded = _modules_after(_ANALYZE, str(path))
    assert "eots.engine.run" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & set(NOT_FOR_ONE_ANALYSIS), sorted(loaded & set(NOT_FOR_ONE_ANALYSIS))


def test_analyze_json_does_not_load_rich(tmp_path: Path) -> None:
    # --json prints json.dumps of the report: the rich tables of the text output are not needed
    as_of = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    snap = synthetic_chain(SyntheticParams(underlying="SPX", seed=5), as_of=as_of)
    path = write_generic_csv(snap, tmp_path / "chain.csv")
    loaded = _modules_after(_ANALYZE.replace("sys.argv[1]]", "sys.argv[1], '--json']"), str(path))
    assert "eots.engine.run" in loaded
    assert "rich" not in loaded
    assert "eots.cli.render" not in loaded
