"""The files of a replay's run directory, as declared schemas, and their boundary check.

``eots replay`` writes one RUN_DIR; the evaluation and the report read only these files.
``RUN_SCHEMAS`` maps each file name to its ``pl.Schema`` (units in the comments);
``REQUIRED_FILES`` must exist, the others may be absent (an absent optional file reads as an empty
frame of its schema). ``validate_frame`` and ``validate_run`` name every missing or mistyped
column with its file, so a half-written run is refused before anything is scored.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from eots.core.errors import SchemaError

UTC_US = pl.Datetime("us", "UTC")

#: One row per analysed snapshot.
SNAPSHOTS_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "session": pl.Date(),
        "underlying": pl.String(),
        "spot": pl.Float64(),  # $
        "net_gex": pl.Float64(),  # $ per 1 % move
        "net_dex": pl.Float64(),  # $ notional delta
        "zero_gamma": pl.Float64(),  # $, the crossing nearest spot (null: none in the band)
        "call_wall": pl.Float64(),  # $
        "put_wall": pl.Float64(),  # $
        "abs_gamma": pl.Float64(),  # $
        "vol_trigger": pl.Float64(),  # $ (null: none)
        "atr": pl.Float64(),  # $ (null: unknown)
        "atm_iv": pl.Float64(),  # decimal, annualised (null: unknown)
        "regime": pl.String(),
        "direction_score": pl.Float64(),  # -1..1
        "volatility_score": pl.Float64(),  # -1..1
        "time_decay_score": pl.Float64(),  # 0..1
    }
)

#: One row per level per snapshot.
LEVELS_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "kind": pl.String(),
        "timeframe": pl.String(),
        "price": pl.Float64(),  # $
        "strength": pl.Float64(),  # 0..1
        "conviction": pl.Float64(),  # 0..1
        "stars": pl.Int8(),  # 0..5
    }
)

#: One row per signal per snapshot, with the claim it makes.
SIGNALS_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "family": pl.String(),
        "name": pl.String(),
        "direction": pl.Int8(),
        "score": pl.Float64(),
        "strength": pl.Float64(),  # 0..1
        "stars": pl.Int8(),
        "strike": pl.Float64(),  # $ (null: chain-wide)
        "zone_low": pl.Float64(),
        "zone_high": pl.Float64(),
        "persistence": pl.Int32(),
        "baseline": pl.Boolean(),
        "claim_kind": pl.String(),  # direction | volatility | pin
        "horizon": pl.String(),  # 5m | 30m | close | next_session
        "claim_direction": pl.Int8(),  # +1 up/expansion, -1 down/contraction, 0 pin
        "reference": pl.Float64(),  # spot $ (direction) or annualised vol (volatility)
        "claim_strike": pl.Float64(),  # $ (pin)
        "distance": pl.Float64(),  # $ (pin band)
        "settles_at": UTC_US,  # pin settlement instant
    }
)

#: The underlying's bars over the run (and one session beyond when available).
BARS_SCHEMA = pl.Schema(
    {
        "ts": UTC_US,  # bar start
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "interval_minutes": pl.Int32(),
    }
)

#: One row per closed trade idea (and the same for the random-entry baseline).
OUTCOMES_SCHEMA = pl.Schema(
    {
        "idea_id": pl.String(),
        "underlying": pl.String(),
        "strategy": pl.String(),
        "direction": pl.String(),
        "stars": pl.Int8(),
        "conviction": pl.Float64(),
        "signals": pl.List(pl.String()),
        "regime": pl.String(),
        "ts_entry": UTC_US,
        "ts_exit": UTC_US,
        "exit_reason": pl.String(),
        "pnl_bidask": pl.Float64(),  # $, fills at bid/ask
        "pnl_mid": pl.Float64(),  # $, fills at mid
        "risk": pl.Float64(),  # $, maximum loss of the position
        "r_multiple": pl.Float64(),
        "mfe": pl.Float64(),
        "mae": pl.Float64(),
        "minutes_held": pl.Float64(),
    }
)

#: One row per learned-weight update, with its evidence.
WEIGHTS_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "name": pl.String(),
        "old": pl.Float64(),
        "new": pl.Float64(),
        "n": pl.Int64(),
        "hit_rate": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
    }
)

#: Inferred flow's accuracy against a trade feed (optional).
FLOW_ACCURACY_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "n_contracts": pl.Int64(),
        "accuracy": pl.Float64(),  # 0..1
        "n_classified": pl.Int64(),
    }
)

#: Per-strike metrics near spot (strikes within +-5 % of spot), for the report's heatmaps.
BY_STRIKE_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "strike": pl.Float64(),
        "net_gex": pl.Float64(),  # $ per 1 % move
        "mspi": pl.Float64(),
    }
)

RUN_SCHEMAS: dict[str, pl.Schema] = {
    "snapshots.parquet": SNAPSHOTS_SCHEMA,
    "levels.parquet": LEVELS_SCHEMA,
    "signals.parquet": SIGNALS_SCHEMA,
    "bars.parquet": BARS_SCHEMA,
    "outcomes.parquet": OUTCOMES_SCHEMA,
    "baseline_outcomes.parquet": OUTCOMES_SCHEMA,
    "weights.parquet": WEIGHTS_SCHEMA,
    "flow_accuracy.parquet": FLOW_ACCURACY_SCHEMA,
    "by_strike.parquet": BY_STRIKE_SCHEMA,
}

REQUIRED_FILES = (
    "manifest.json",
    "snapshots.parquet",
    "levels.parquet",
    "signals.parquet",
    "bars.parquet",
)
OPTIONAL_FILES = tuple(f for f in RUN_SCHEMAS if f not in REQUIRED_FILES)

MANIFEST_KEYS = (
    "version",
    "config_fingerprint",
    "underlying",
    "from",
    "to",
    "snapshot_ids",
    "n_snapshots",
)

CLAIM_KINDS = ("direction", "volatility", "pin")
HORIZONS = ("5m", "30m", "close", "next_session")


def _same_dtype(actual: pl.DataType, expected: pl.DataType) -> bool:
    if isinstance(expected, pl.Datetime):
        return (
            isinstance(actual, pl.Datetime)
            and actual.time_unit == expected.time_unit
            and actual.time_zone == expected.time_zone
        )
    return bool(actual == expected)


def schema_problems(actual: pl.Schema, expected: pl.Schema) -> list[str]:
    """Return one line per missing or mistyped column (empty when ``actual`` conforms).

    Extra columns are allowed (a later replay may add some).

    Examples
    --------
    >>> expected = pl.Schema({"a": pl.Float64(), "b": pl.Date()})
    >>> schema_problems(pl.Schema({"a": pl.Int64()}), expected)
    ["column 'a': expected Float64, was Int64", "column 'b' is missing (expected Date)"]
    """
    out = []
    for name, dtype in expected.items():
        if name not in actual:
            out.append(f"column {name!r} is missing (expected {dtype})")
        elif not _same_dtype(actual[name], dtype):
            out.append(f"column {name!r}: expected {dtype}, was {actual[name]}")
    return out


def validate_frame(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    """Return ``frame`` with its declared columns in order, or raise naming what is wrong.

    Raises
    ------
    SchemaError
        Naming the file and every missing or mistyped column.
    """
    expected = RUN_SCHEMAS[file]
    problems = schema_problems(frame.schema, expected)
    if problems:
        raise SchemaError("; ".join(problems), source=file)
    return frame.select(list(expected))


def validate_manifest(manifest: dict[str, object], source: str = "manifest.json") -> None:
    """Raise ``SchemaError`` naming each missing manifest key or a malformed snapshot list."""
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        raise SchemaError(f"missing keys {missing}", source=source)
    ids = manifest["snapshot_ids"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise SchemaError("expected a list of strings", source=source, field="snapshot_ids")
    if manifest["n_snapshots"] != len(ids):
        raise SchemaError(
            f"n_snapshots = {manifest['n_snapshots']} but {len(ids)} snapshot_ids",
            source=source,
            field="n_snapshots",
        )


def validate_run(run_dir: Path | str) -> list[str]:
    """Check a run directory's files against ``RUN_SCHEMAS`` (schemas only; rows are not read).

    Returns
    -------
    list[str]
        The optional files that are absent.

    Raises
    ------
    SchemaError
        Naming the first file that is missing or malformed and every wrong column in it.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise SchemaError("is not a directory", source=str(root))
    for name in REQUIRED_FILES:
        if not (root / name).is_file():
            raise SchemaError("required file is missing", source=str(root / name))
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except json.JSONDecodeError as e:
        raise SchemaError(f"not valid JSON ({e})", source=str(root / "manifest.json")) from e
    if not isinstance(manifest, dict):
        raise SchemaError("expected a JSON object", source=str(root / "manifest.json"))
    validate_manifest(manifest, str(root / "manifest.json"))
    absent = []
    for name, schema in RUN_SCHEMAS.items():
        path = root / name
        if not path.is_file():
            absent.append(name)
            continue
        problems = schema_problems(pl.Schema(pl.read_parquet_schema(path)), schema)
        if problems:
            raise SchemaError("; ".join(problems), source=str(path))
    return absent


__all__ = [
    "BARS_SCHEMA",
    "BY_STRIKE_SCHEMA",
    "CLAIM_KINDS",
    "FLOW_ACCURACY_SCHEMA",
    "HORIZONS",
    "LEVELS_SCHEMA",
    "MANIFEST_KEYS",
    "OPTIONAL_FILES",
    "OUTCOMES_SCHEMA",
    "REQUIRED_FILES",
    "RUN_SCHEMAS",
    "SIGNALS_SCHEMA",
    "SNAPSHOTS_SCHEMA",
    "UTC_US",
    "WEIGHTS_SCHEMA",
    "schema_problems",
    "validate_frame",
    "validate_manifest",
    "validate_run",
]
