"""Hand-built run directories for the evaluation and report tests (known prices, known answers)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from eots.evaluation.io import RunFrames
from eots.evaluation.schemas import RUN_SCHEMAS

ET = ZoneInfo("America/New_York")
DAY1 = dt.date(2026, 11, 16)  # a Monday
DAY2 = dt.date(2026, 11, 17)


def et(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """An Eastern wall-clock time as a UTC instant."""
    local = dt.datetime(day.year, day.month, day.day, hh, tzinfo=ET) + dt.timedelta(minutes=mm)
    return local.astimezone(dt.UTC)


def bars_from_closes(
    day: dt.date,
    first_open: float,
    closes: Sequence[float],
    *,
    wick: float = 0.0,
    minutes: int = 5,
    start: tuple[int, int] = (9, 30),
) -> pl.DataFrame:
    """Consecutive bars from 09:30 ET: each opens at the previous close; high/low = body +- wick."""
    t0 = et(day, *start)
    rows = []
    prev = first_open
    for i, c in enumerate(closes):
        rows.append(
            {
                "ts": t0 + dt.timedelta(minutes=minutes * i),
                "open": prev,
                "high": max(prev, c) + wick,
                "low": min(prev, c) - wick,
                "close": float(c),
                "interval_minutes": minutes,
            }
        )
        prev = float(c)
    return pl.DataFrame(rows, schema=RUN_SCHEMAS["bars.parquet"])


def frame(file: str, rows: list[dict[str, Any]], defaults: dict[str, Any]) -> pl.DataFrame:
    schema = RUN_SCHEMAS[file]
    full = [{**{k: None for k in schema}, **defaults, **r} for r in rows]
    return pl.DataFrame(full, schema=schema)


def snapshots(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Snapshots with defaults (``ts_event`` and ``snapshot_id`` required; spot 100, ATR 2)."""
    out = []
    for r in rows:
        ts = r["ts_event"]
        out.append({"session": ts.astimezone(ET).date(), **r})
    return frame(
        "snapshots.parquet",
        out,
        {
            "underlying": "SPX",
            "spot": 100.0,
            "net_gex": 1.0e9,
            "net_dex": 0.0,
            "call_wall": 105.0,
            "put_wall": 95.0,
            "abs_gamma": 100.0,
            "atr": 2.0,
            "atm_iv": 0.2,
            "regime": "positive_gamma",
            "direction_score": 0.0,
            "volatility_score": 0.0,
            "time_decay_score": 0.0,
        },
    )


def levels(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return frame(
        "levels.parquet",
        rows,
        {"timeframe": "intraday", "strength": 0.5, "conviction": 0.5, "stars": 2},
    )


def signals(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return frame(
        "signals.parquet",
        rows,
        {
            "family": "directional",
            "name": "directional.test",
            "direction": 1,
            "score": 0.6,
            "strength": 0.6,
            "stars": 3,
            "persistence": 1,
            "baseline": False,
            "claim_kind": "direction",
            "horizon": "5m",
            "claim_direction": 1,
        },
    )


def outcomes(rows: list[dict[str, Any]], file: str = "outcomes.parquet") -> pl.DataFrame:
    return frame(
        file,
        rows,
        {
            "underlying": "SPX",
            "strategy": "call_debit_spread",
            "direction": "bullish",
            "stars": 3,
            "conviction": 0.6,
            "signals": ["directional.test"],
            "regime": "positive_gamma",
            "exit_reason": "target",
            "risk": 100.0,
            "mfe": 0.0,
            "mae": 0.0,
            "minutes_held": 30.0,
        },
    )


def empty(file: str) -> pl.DataFrame:
    return pl.DataFrame(schema=RUN_SCHEMAS[file])


def run(
    snaps: pl.DataFrame,
    bars: pl.DataFrame,
    *,
    lv: pl.DataFrame | None = None,
    sig: pl.DataFrame | None = None,
    **optional: pl.DataFrame | None,
) -> RunFrames:
    """A ``RunFrames`` with a manifest listing ``snaps``."""
    ids = snaps.get_column("snapshot_id").to_list()
    ts = snaps.get_column("ts_event")
    manifest = {
        "version": "test",
        "config_fingerprint": "0123456789abcdef",
        "underlying": "SPX",
        "from": str(ts.min()),
        "to": str(ts.max()),
        "snapshot_ids": ids,
        "n_snapshots": len(ids),
    }
    return RunFrames(
        manifest=manifest,
        snapshots=snaps,
        levels=lv if lv is not None else empty("levels.parquet"),
        signals=sig if sig is not None else empty("signals.parquet"),
        bars=bars,
        **{k: v for k, v in optional.items() if v is not None},  # type: ignore[arg-type]
    )


def write_run(root: Path, frames: RunFrames) -> Path:
    """Write ``frames`` as a run directory."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps(frames.manifest))
    for file, attr in (
        ("snapshots.parquet", "snapshots"),
        ("levels.parquet", "levels"),
        ("signals.parquet", "signals"),
        ("bars.parquet", "bars"),
        ("outcomes.parquet", "outcomes"),
        ("baseline_outcomes.parquet", "baseline_outcomes"),
        ("weights.parquet", "weights"),
        ("flow_accuracy.parquet", "flow_accuracy"),
        ("by_strike.parquet", "by_strike"),
    ):
        f = getattr(frames, attr)
        if f is not None:
            f.write_parquet(root / file)
    return root
