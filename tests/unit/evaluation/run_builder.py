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
    full = [{**dict.fromkeys(schema), **defaults, **r} for r in rows]
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
        **{k: v for k, v in optional.items() if v is not None},
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


def rich_run(root: Path, seed: int = 3) -> Path:
    """A two-session run with every file (for the report): random-walk bars, snapshots every
    15 minutes, levels, signals, ideas, a baseline, weights, per-strike metrics, flow accuracy."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bar_frames, snap_rows, level_rows, signal_rows, strike_rows = [], [], [], [], []
    price = 5000.0
    for d, day in enumerate((DAY1, DAY2)):
        closes = price * np.exp(np.cumsum(rng.normal(0.0, 0.0012, 78)))
        bar_frames.append(bars_from_closes(day, price, closes.tolist(), wick=1.5))
        opens = [price, *closes[:-1].tolist()]
        price = float(closes[-1])
        for k in range(0, 78, 3):
            ts = et(day, 9, 30 + 5 * k)
            sid = f"d{d}k{k}"
            spot = float(opens[k])
            zg = spot - 15.0 + 10.0 * d
            snap_rows.append(
                {
                    "ts_event": ts,
                    "snapshot_id": sid,
                    "spot": spot,
                    "zero_gamma": zg,
                    "call_wall": round(spot / 25) * 25 + 50.0,
                    "put_wall": round(spot / 25) * 25 - 50.0,
                    "abs_gamma": round(spot / 25) * 25.0,
                    "vol_trigger": zg - 5.0,
                    "atr": 40.0,
                    "direction_score": float(np.tanh(rng.normal())),
                    "volatility_score": float(np.tanh(rng.normal())),
                    "time_decay_score": float(rng.uniform()),
                }
            )
            for kind, off in (
                ("call_wall", 50),
                ("put_wall", -50),
                ("support", -20),
                ("resistance", 20),
                ("zero_gamma", -15),
            ):
                level_rows.append(
                    {
                        "ts_event": ts,
                        "snapshot_id": sid,
                        "kind": kind,
                        "price": round(spot / 5) * 5.0 + off,
                    }
                )
            for h in ("5m", "30m", "close"):
                up = int(rng.choice([-1, 1]))
                signal_rows.append(
                    {
                        "ts_event": ts,
                        "snapshot_id": sid,
                        "horizon": h,
                        "claim_direction": up,
                        "direction": up,
                        "stars": int(rng.integers(1, 5)),
                        "score": 0.5 * up,
                    }
                )
            centre = round(spot / 25) * 25
            strike_rows += [
                {
                    "ts_event": ts,
                    "snapshot_id": sid,
                    "strike": float(k),
                    "net_gex": float(1e8 * (k - zg) / 50 * np.exp(-(((k - spot) / 120) ** 2))),
                    "mspi": float(np.tanh((spot - k) / 100)),
                }
                for k in np.arange(centre - 250, centre + 275, 25)
            ]
    snaps = snapshots(snap_rows)
    ideas, base = [], []
    for i in range(24):
        entry = et(DAY1 if i < 12 else DAY2, 9, 45 + 25 * (i % 12))
        pnl = float(rng.normal(15.0, 80.0))
        ideas.append(
            {
                "idea_id": f"i{i}",
                "ts_entry": entry,
                "ts_exit": entry + dt.timedelta(minutes=20),
                "pnl_bidask": pnl,
                "pnl_mid": pnl + 12.0,
                "r_multiple": pnl / 200.0,
                "risk": 200.0,
                "strategy": ["long_call", "put_credit_spread", "iron_condor"][i % 3],
                "stars": int(1 + i % 5),
            }
        )
        bp = float(rng.normal(-10.0, 80.0))
        base.append(
            {
                "idea_id": f"b{i}",
                "ts_entry": entry,
                "ts_exit": entry + dt.timedelta(minutes=20),
                "pnl_bidask": bp,
                "pnl_mid": bp + 12.0,
                "r_multiple": bp / 200.0,
                "risk": 200.0,
                "strategy": ["long_call", "put_credit_spread", "iron_condor"][i % 3],
            }
        )
    weights = frame(
        "weights.parquet",
        [
            {
                "ts_event": et(day, 12),
                "name": name,
                "old": w0 + 0.02 * d,
                "new": w0 + 0.02 * (d + 1),
                "n": 20 * (d + 1),
                "hit_rate": 0.55,
                "ci_low": 0.4,
                "ci_high": 0.7,
            }
            for d, day in enumerate((DAY1, DAY2))
            for name, w0 in (("signals.directional", 0.4), ("signals.volatility", 0.3))
        ],
        {},
    )
    flow = frame(
        "flow_accuracy.parquet",
        [{"ts_event": et(DAY1, 12), "n_contracts": 300, "accuracy": 0.71, "n_classified": 120}],
        {},
    )
    frames = run(
        snaps,
        pl.concat(bar_frames),
        lv=levels(level_rows),
        sig=signals(signal_rows),
        outcomes=outcomes(ideas),
        baseline_outcomes=outcomes(base, "baseline_outcomes.parquet"),
        weights=weights,
        flow_accuracy=flow,
        by_strike=frame("by_strike.parquet", strike_rows, {}),
    )
    return write_run(root, frames)
