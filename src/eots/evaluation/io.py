"""Reading a run directory and writing its evaluation (the evaluation's only file I/O).

``read_run`` checks every file against ``schemas.RUN_SCHEMAS`` and returns ``RunFrames``; an
absent optional file becomes an empty frame of its schema (``flow_accuracy`` and ``by_strike``:
None, so "not measured" stays distinct from "measured nothing"). ``write_evaluation`` writes
``evaluation.json`` (every table as records, NaN as null) and one ``evaluation_<table>.parquet``
per table.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from eots.core.errors import SchemaError
from eots.evaluation.schemas import RUN_SCHEMAS, validate_frame, validate_manifest, validate_run


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFrames:
    """The files of one run directory as validated frames (see ``schemas``)."""

    manifest: dict[str, Any]
    snapshots: pl.DataFrame
    levels: pl.DataFrame
    signals: pl.DataFrame
    bars: pl.DataFrame
    outcomes: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=RUN_SCHEMAS["outcomes.parquet"])
    )
    baseline_outcomes: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=RUN_SCHEMAS["baseline_outcomes.parquet"])
    )
    weights: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=RUN_SCHEMAS["weights.parquet"])
    )
    flow_accuracy: pl.DataFrame | None = None
    by_strike: pl.DataFrame | None = None

    def validated(self) -> RunFrames:
        """Return a copy with every frame checked against its schema (columns in order)."""
        validate_manifest(self.manifest)
        opt = {
            "flow_accuracy": "flow_accuracy.parquet",
            "by_strike": "by_strike.parquet",
        }
        kw: dict[str, Any] = {"manifest": self.manifest}
        for attr, file in (
            ("snapshots", "snapshots.parquet"),
            ("levels", "levels.parquet"),
            ("signals", "signals.parquet"),
            ("bars", "bars.parquet"),
            ("outcomes", "outcomes.parquet"),
            ("baseline_outcomes", "baseline_outcomes.parquet"),
            ("weights", "weights.parquet"),
        ):
            kw[attr] = validate_frame(getattr(self, attr), file)
        for attr, file in opt.items():
            frame = getattr(self, attr)
            kw[attr] = None if frame is None else validate_frame(frame, file)
        return RunFrames(**kw)


_ATTRS = {
    "snapshots.parquet": "snapshots",
    "levels.parquet": "levels",
    "signals.parquet": "signals",
    "bars.parquet": "bars",
    "outcomes.parquet": "outcomes",
    "baseline_outcomes.parquet": "baseline_outcomes",
    "weights.parquet": "weights",
    "flow_accuracy.parquet": "flow_accuracy",
    "by_strike.parquet": "by_strike",
}


def read_run(run_dir: Path | str) -> RunFrames:
    """Read and validate a run directory.

    Raises
    ------
    SchemaError
        Naming the missing file or the file and its wrong columns.
    """
    root = Path(run_dir)
    absent = set(validate_run(root))
    manifest = json.loads((root / "manifest.json").read_text())
    kw: dict[str, Any] = {"manifest": manifest}
    for file, attr in _ATTRS.items():
        if file in absent:
            continue
        try:
            kw[attr] = validate_frame(pl.read_parquet(root / file), file)
        except (OSError, pl.exceptions.PolarsError) as e:
            raise SchemaError(f"cannot be read ({e})", source=str(root / file)) from e
    return RunFrames(**kw)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON-ready dicts (NaN/inf -> None, times in ISO 8601)."""
    return [_clean(r) for r in frame.to_dicts()]


def write_json(path: Path, document: dict[str, Any]) -> Path:
    """Write ``document`` as indented JSON (NaN -> null) and return ``path``."""
    path.write_text(json.dumps(_clean(document), indent=2, sort_keys=False) + "\n")
    return path


__all__ = ["RunFrames", "read_run", "records", "write_json"]
