"""Check that two code versions give the same ``analyze`` on real chains, frame by frame.

Run ``dump`` in each worktree (it flattens every frame, array and scalar of ``eots.analyze(snap)``
for the chains below into one pickle), then ``compare`` the two pickles: frames and arrays must be
equal bit for bit; a float that differs is reported with its largest relative difference.

    PYTHONPATH=src python benchmarks/compare_analyze.py dump /tmp/main.pkl      # in main
    PYTHONPATH=src python benchmarks/compare_analyze.py dump /tmp/branch.pkl    # in the branch
    python benchmarks/compare_analyze.py compare /tmp/main.pkl /tmp/branch.pkl

Reads $EOTS_REAL_DATA (default /work/shared/data/chains) in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

CHAINS = (
    "spx_20240105_wknd",
    "spx_20220712_1155",
    "ndx_20230515_1209",
    "spy_20220712_cboejson",
    "rut_20230920_cboejson",
    "spx_20230818_wknd",
    "qqq_20230510_1510",
)
_SKIP = (".snapshot", ".history")  # inputs, not results


def _children(obj: object) -> list[tuple[str, object]] | None:
    """Return the named parts of a composite result (None: a leaf)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f".{f.name}", getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    fields = getattr(type(obj), "model_fields", None)  # pydantic parameters
    if isinstance(fields, dict) and hasattr(obj, "model_dump"):
        return [(f".{k}", getattr(obj, k)) for k in fields]
    if isinstance(obj, dict):
        return [(f"[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, list | tuple):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    if type(obj).__module__.startswith("eots") and not isinstance(obj, enum.Enum):
        names = [*getattr(type(obj), "__slots__", ()), *getattr(obj, "__dict__", {})]
        return [(f".{k}", getattr(obj, k)) for k in names if hasattr(obj, k)]
    return None


def flatten(obj: object, prefix: str, out: dict[str, Any]) -> None:
    """Add every frame, array and scalar under ``obj`` to ``out``, keyed by its path."""
    if prefix.endswith(_SKIP):
        return
    if isinstance(obj, pl.DataFrame | np.ndarray):
        out[prefix] = obj
        return
    parts = _children(obj)
    if parts is None:
        out[prefix] = obj
        return
    if isinstance(obj, list | tuple):
        out[f"{prefix}.len"] = len(obj)
    for name, value in parts:
        flatten(value, prefix + name, out)


def dump(target: Path) -> None:
    """Flatten ``eots.analyze`` of every chain of ``CHAINS`` into a pickle at ``target``."""
    import eots

    root = Path(os.environ.get("EOTS_REAL_DATA", "/work/shared/data/chains"))
    manifest = {e["id"]: e for e in json.loads((root / "manifest.json").read_text())}
    result: dict[str, dict[str, Any]] = {}
    for chain in CHAINS:
        out: dict[str, Any] = {}
        flatten(eots.analyze(eots.load_chain(root / manifest[chain]["file"])), "a", out)
        result[chain] = out
    target.write_bytes(pickle.dumps(result))


def _relative(x: np.ndarray, y: np.ndarray) -> float:
    """Largest relative difference of two float arrays (NaN equal to NaN; inf when one is)."""
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    if same.all():
        return 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.abs(x - y)[~same] / np.maximum(np.abs(x), np.abs(y))[~same]
    return float("inf") if np.isnan(d).any() else float(d.max())


def _frame(x: pl.DataFrame, y: pl.DataFrame) -> tuple[str | None, float]:
    if x.schema != y.schema or x.shape != y.shape:
        return f"schema or shape {x.shape} {y.shape}", 0.0
    worst = 0.0
    for c in x.columns:
        if x[c].equals(y[c], null_equal=True):
            continue
        if not x[c].dtype.is_float():
            return f"column {c} differs", 0.0
        worst = max(worst, _relative(x[c].to_numpy(), y[c].to_numpy()))
    return None, worst


def _array(x: np.ndarray, y: np.ndarray) -> tuple[str | None, float]:
    if x.shape != y.shape or x.dtype != y.dtype:
        return "shape or dtype", 0.0
    if x.dtype.kind == "f":
        return None, _relative(x, y)
    return (None if np.array_equal(x, y) else "values differ"), 0.0


def _scalar(x: object, y: object) -> tuple[str | None, float]:
    if isinstance(x, float) and isinstance(y, float):
        if x == y or (math.isnan(x) and math.isnan(y)):
            return None, 0.0
        return None, abs(x - y) / max(abs(x), abs(y))
    if isinstance(x, dt.datetime) and repr(x) != repr(y):
        return f"{x!r} != {y!r}", 0.0
    return (None if x == y else f"{x!r} != {y!r}"), 0.0


def _item(x: object, y: object) -> tuple[str | None, float]:
    if isinstance(x, pl.DataFrame) and isinstance(y, pl.DataFrame):
        return _frame(x, y)
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        return _array(x, y)
    return _scalar(x, y)


def compare(a: Path, b: Path) -> int:
    """Print every difference between two dumps; return the number of hard differences."""
    left, right = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    hard, worst, items = 0, 0.0, 0
    for chain, xs in left.items():
        ys = right[chain]
        if xs.keys() != ys.keys():
            print(chain, "items differ:", sorted(xs.keys() ^ ys.keys())[:10])
            hard += 1
        for key in sorted(xs.keys() & ys.keys()):
            items += 1
            problem, rel = _item(xs[key], ys[key])
            if problem is not None:
                print(chain, key, problem)
                hard += 1
            elif rel:
                print(chain, key, f"float relative difference {rel:.3g}")
                worst = max(worst, rel)
    print(f"{len(left)} chains, {items} items: {hard} hard differences, worst float {worst:.3g}")
    return hard


def main() -> None:
    """Dispatch ``dump PATH`` or ``compare A B``."""
    if sys.argv[1:2] == ["dump"]:
        dump(Path(sys.argv[2]))
    else:
        sys.exit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)


if __name__ == "__main__":
    main()
