"""What a replay writes: per-snapshot summaries, levels, by-strike slices, bars and a manifest.

Run directory layout (the evaluation, the report and the dashboard read these):

* ``manifest.json``: eots version, config fingerprint, underlying, first/last quote time, the
  snapshot ids in replay order, counts, skipped snapshots with reasons, where the bars came from;
* ``snapshots.parquet`` (``SNAPSHOT_SCHEMA``): one row per analysed snapshot;
* ``levels.parquet`` (``LEVEL_ROWS_SCHEMA``): every key level of every snapshot;
* ``by_strike.parquet`` (``BY_STRIKE_SCHEMA``): net GEX and MSPI per strike within
  ``by_strike_band`` of spot (heatmaps);
* ``bars.parquet`` (``BARS_SCHEMA``): the underlying's bars over the run (from the price store,
  else from the snapshots' spots, said in the manifest).

Rows are collected in memory per run (a 390-snapshot session is a few MB) and written at the end
with an atomic rename per file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from eots.chain.schema import UTC_US
from eots.engine import Skipped, Step
from eots.levels import LevelKind

SNAPSHOT_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "session": pl.Date(),
        "underlying": pl.String(),
        "spot": pl.Float64(),
        "net_gex": pl.Float64(),
        "net_dex": pl.Float64(),
        "zero_gamma": pl.Float64(),
        "call_wall": pl.Float64(),
        "put_wall": pl.Float64(),
        "abs_gamma": pl.Float64(),
        "vol_trigger": pl.Float64(),
        "atr": pl.Float64(),
        "atm_iv": pl.Float64(),
        "regime": pl.String(),
        "direction_score": pl.Float64(),
        "volatility_score": pl.Float64(),
        "time_decay_score": pl.Float64(),
    }
)
LEVEL_ROWS_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "kind": pl.String(),
        "timeframe": pl.String(),
        "price": pl.Float64(),
        "strength": pl.Float64(),
        "conviction": pl.Float64(),
        "stars": pl.Int8(),
    }
)
BY_STRIKE_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,
        "snapshot_id": pl.String(),
        "strike": pl.Float64(),
        "net_gex": pl.Float64(),
        "mspi": pl.Float64(),
    }
)
BARS_SCHEMA = pl.Schema(
    {
        "ts": UTC_US,
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "interval_minutes": pl.Int32(),
    }
)


def snapshot_id(step: Step | Skipped) -> str:
    """Return the id a run uses for a snapshot: underlying, quote time and content hash."""
    ref = step.ref
    return f"{ref.underlying}-{ref.ts_event.strftime('%Y%m%dT%H%M%S')}-{ref.content_hash[:10]}"


def _nan_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def snapshot_row(step: Step, sid: str) -> dict[str, Any]:
    """Return the ``SNAPSHOT_SCHEMA`` row of one step (signal columns null until signals run)."""
    a = step.analysis
    ctx = a.history.context
    triggers = [lv.price for lv in a.levels.levels if lv.kind is LevelKind.VOL_TRIGGER]
    return {
        "ts_event": a.as_of,
        "snapshot_id": sid,
        "session": a.session,
        "underlying": a.snapshot.underlying,
        "spot": a.snapshot.spot,
        "net_gex": a.totals.net_gex,
        "net_dex": a.totals.net_dex,
        "zero_gamma": _nan_none(a.zero_gamma.nearest),
        "call_wall": _nan_none(a.walls.call_wall_strike),
        "put_wall": _nan_none(a.walls.put_wall_strike),
        "abs_gamma": _nan_none(a.walls.abs_gamma_strike),
        "vol_trigger": _nan_none(triggers[0]) if triggers else None,
        "atr": _nan_none(a.metrics.atr),
        "atm_iv": _nan_none(ctx.atm_iv.value) if ctx is not None else None,
        "regime": None,
        "direction_score": None,
        "volatility_score": None,
        "time_decay_score": None,
    }


def level_rows(step: Step, sid: str) -> pl.DataFrame:
    """Return the ``LEVEL_ROWS_SCHEMA`` rows of one step's key levels."""
    lv = step.analysis.levels.to_frame()
    return lv.select(
        pl.lit(step.analysis.as_of).cast(UTC_US).alias("ts_event"),
        pl.lit(sid).alias("snapshot_id"),
        pl.col("kind").cast(pl.String),
        pl.col("timeframe").cast(pl.String),
        "price",
        "strength",
        "conviction",
        pl.col("stars").cast(pl.Int8),
    )


def strike_rows(step: Step, sid: str, band: float) -> pl.DataFrame:
    """Return ``BY_STRIKE_SCHEMA`` rows for strikes within ``band`` (fraction) of spot."""
    a = step.analysis
    spot = a.snapshot.spot
    gex = a.by_strike.select("strike", "net_gex")
    mspi = a.strike_metrics.group_by("strike").agg(pl.col("mspi").sum())
    return (
        gex.join(mspi, on="strike", how="left")
        .filter((pl.col("strike") / spot - 1.0).abs() <= band)
        .select(
            pl.lit(a.as_of).cast(UTC_US).alias("ts_event"),
            pl.lit(sid).alias("snapshot_id"),
            pl.col("strike").cast(pl.Float64),
            pl.col("net_gex").cast(pl.Float64),
            pl.col("mspi").cast(pl.Float64),
        )
        .sort("strike")
    )


@dataclass(slots=True)
class RunRecorder:
    """Collects a replay's rows and writes the run directory (module docstring)."""

    by_strike_band: float = 0.05
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    levels: list[pl.DataFrame] = field(default_factory=list)
    strikes: list[pl.DataFrame] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def record(self, item: Step | Skipped) -> str:
        """Add one runner item; return its snapshot id."""
        sid = snapshot_id(item)
        if isinstance(item, Skipped):
            self.skipped.append({"snapshot_id": sid, "reason": item.reason})
            return sid
        self.ids.append(sid)
        self.snapshots.append(snapshot_row(item, sid))
        self.levels.append(level_rows(item, sid))
        self.strikes.append(strike_rows(item, sid, self.by_strike_band))
        return sid

    def frames(self) -> dict[str, pl.DataFrame]:
        """Return the run's frames by file stem."""
        return {
            "snapshots": pl.DataFrame(self.snapshots, schema=SNAPSHOT_SCHEMA),
            "levels": _concat(self.levels, LEVEL_ROWS_SCHEMA),
            "by_strike": _concat(self.strikes, BY_STRIKE_SCHEMA),
        }


def _concat(frames: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def write_frame(out: Path, stem: str, frame: pl.DataFrame) -> Path:
    """Write ``frame`` to ``out/<stem>.parquet`` atomically (temp file, then rename)."""
    path = out / f"{stem}.parquet"
    tmp = out / f".{stem}.parquet.tmp"
    frame.write_parquet(tmp)
    tmp.replace(path)
    return path


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` atomically."""
    path = out / "manifest.json"
    tmp = out / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=_json_default) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


__all__ = [
    "BARS_SCHEMA",
    "BY_STRIKE_SCHEMA",
    "LEVEL_ROWS_SCHEMA",
    "SNAPSHOT_SCHEMA",
    "RunRecorder",
    "level_rows",
    "snapshot_id",
    "snapshot_row",
    "strike_rows",
    "write_frame",
    "write_manifest",
]
