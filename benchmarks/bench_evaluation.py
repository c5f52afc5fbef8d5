"""Benchmark of ``evaluate_run``: a month-long replay (20 sessions, a snapshot every 5 minutes).

Setup (not timed): 20 sessions of 5-minute bars (a seeded random walk), 1,560 snapshots, 30
levels and 10 signals per snapshot (46,800 levels, 15,600 signals), 500 ideas and 500 baseline
ideas. Timed: ``evaluate_run`` on the frames (validation, levels with 20 random draws each,
signals over 4 horizons, ideas, learning), one core, median.

Checked so a fast wrong answer cannot pass: an ``oracle`` family whose 5-minute claim is the
realised sign of the next bar scores 100 %, its mirror ``anti`` 0 %; ``far`` levels 100 ATR
away are never tested; the ideas' total P&L equals the planted sum.

    python benchmarks/bench_evaluation.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_var, "1")

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.evaluation import RUN_SCHEMAS, RunFrames, evaluate_run

BUDGET_MS = 3000.0
rng = np.random.default_rng(11)
SESSIONS = [dt.date(2026, 10, 5) + dt.timedelta(days=d) for d in range(28)]
SESSIONS = [d for d in SESSIONS if d.weekday() < 5][:20]


def _frames() -> RunFrames:
    starts, closes, opens = [], [], []
    px = 5000.0
    for day in SESSIONS:
        t0 = dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.UTC)  # 09:30 ET (EDT-1h)
        path = px * np.exp(np.cumsum(rng.normal(0, 0.001, 78)))
        opens += [px, *path[:-1].tolist()]
        closes += path.tolist()
        starts += [t0 + dt.timedelta(minutes=5 * i) for i in range(78)]
        px = float(path[-1])
    o, c = np.array(opens), np.array(closes)
    bars = pl.DataFrame(
        {
            "ts": starts,
            "open": o,
            "high": np.maximum(o, c) + 1.0,
            "low": np.minimum(o, c) - 1.0,
            "close": c,
            "interval_minutes": np.full(o.size, 5, dtype=np.int32),
        },
    ).cast(RUN_SCHEMAS["bars.parquet"])
    n = o.size
    ids = [f"s{i}" for i in range(n)]
    snaps = pl.DataFrame(
        {
            "ts_event": starts,
            "snapshot_id": ids,
            "session": [s.date() for s in starts],
            "underlying": ["SPX"] * n,
            "spot": o,
            "net_gex": np.full(n, 1e9),
            "net_dex": np.zeros(n),
            "zero_gamma": o - 10.0,
            "call_wall": o + 50,
            "put_wall": o - 50,
            "abs_gamma": o,
            "vol_trigger": o - 12.0,
            "atr": np.full(n, 40.0),
            "atm_iv": np.full(n, 0.15),
            "regime": ["pos"] * n,
            "direction_score": np.zeros(n),
            "volatility_score": np.zeros(n),
            "time_decay_score": np.zeros(n),
        }
    ).cast(RUN_SCHEMAS["snapshots.parquet"])
    kinds = ["call_wall", "put_wall", "support", "resistance", "zero_gamma", "far"]
    offs = np.array([50.0, -50.0, -20.0, 20.0, -10.0, 4000.0])
    k = 30
    rep = np.repeat(np.arange(n), k)
    lv = pl.DataFrame(
        {
            "ts_event": pl.Series(starts)[rep],
            "snapshot_id": pl.Series(ids)[rep],
            "kind": [kinds[j % 6] for j in range(n * k)],
            "timeframe": ["intraday"] * (n * k),
            "price": np.round(o[rep] / 5) * 5 + offs[np.arange(n * k) % 6] + (np.arange(n * k) % 5),
            "strength": np.full(n * k, 0.5),
            "conviction": np.full(n * k, 0.5),
            "stars": np.full(n * k, 2, dtype=np.int8),
        }
    ).cast(RUN_SCHEMAS["levels.parquet"])
    sign = np.sign(c - o).astype(np.int8)
    m = 10
    rep = np.repeat(np.arange(n), m)
    j = np.arange(n * m) % m
    fam = np.where(j == 0, "oracle", np.where(j == 1, "anti", "directional"))
    cd = np.where(j == 0, sign[rep], np.where(j == 1, -sign[rep], rng.choice([-1, 1], n * m)))
    horizon = np.where(j < 2, "5m", np.array(["5m", "30m", "close", "next_session"])[j % 4])
    null_f = pl.Series([None] * (n * m), dtype=pl.Float64)
    sig = pl.DataFrame(
        {
            "ts_event": pl.Series(starts)[rep],
            "snapshot_id": pl.Series(ids)[rep],
            "family": fam,
            "name": fam,
            "direction": cd.astype(np.int8),
            "score": np.zeros(n * m),
            "strength": np.full(n * m, 0.5),
            "stars": np.full(n * m, 2, dtype=np.int8),
            "strike": null_f,
            "zone_low": null_f,
            "zone_high": null_f,
            "persistence": np.ones(n * m, dtype=np.int32),
            "baseline": np.zeros(n * m, bool),
            "claim_kind": ["direction"] * (n * m),
            "horizon": horizon,
            "claim_direction": cd.astype(np.int8),
            "reference": null_f,
            "claim_strike": null_f,
            "distance": null_f,
            "settles_at": pl.Series([None] * (n * m), dtype=pl.Datetime("us", "UTC")),
        }
    ).cast(RUN_SCHEMAS["signals.parquet"])
    return RunFrames(
        manifest={
            "version": "bench",
            "config_fingerprint": "x",
            "underlying": "SPX",
            "from": str(starts[0]),
            "to": str(starts[-1]),
            "snapshot_ids": ids,
            "n_snapshots": n,
        },
        snapshots=snaps,
        levels=lv,
        signals=sig,
        bars=bars,
        outcomes=_ideas(starts, "outcomes.parquet"),
        baseline_outcomes=_ideas(starts, "baseline_outcomes.parquet"),
    )


PNL = rng.normal(10.0, 100.0, 500)


def _ideas(starts: list[dt.datetime], file: str) -> pl.DataFrame:
    idx = rng.choice(len(starts) - 10, 500)
    entry = pl.Series(starts)[idx]
    return pl.DataFrame(
        {
            "idea_id": [f"{file[:4]}{i}" for i in range(500)],
            "underlying": ["SPX"] * 500,
            "strategy": rng.choice(["long_call", "iron_condor", "put_credit_spread"], 500),
            "direction": ["bullish"] * 500,
            "stars": rng.integers(1, 6, 500).astype(np.int8),
            "conviction": np.full(500, 0.5),
            "signals": [["x"]] * 500,
            "regime": ["pos"] * 500,
            "ts_entry": entry,
            "ts_exit": entry + dt.timedelta(minutes=30),
            "exit_reason": ["target"] * 500,
            "pnl_bidask": PNL,
            "pnl_mid": PNL + 10,
            "risk": np.full(500, 200.0),
            "r_multiple": PNL / 200,
            "mfe": np.zeros(500),
            "mae": np.zeros(500),
            "minutes_held": np.full(500, 30.0),
        }
    ).cast(RUN_SCHEMAS[file])


def main() -> None:
    frames = _frames()
    ms, ev = median_ms(lambda: evaluate_run(frames), repeats=5, warmup=1)
    s = ev.signals
    oracle = s.filter(pl.col("family") == "oracle")
    anti = s.filter(pl.col("family") == "anti")
    assert oracle["hits"].sum() == oracle["hit_n"].sum() > 1000, oracle
    assert anti["hits"].sum() == 0, anti
    assert anti["hit_n"].sum() > 1000, anti
    far = ev.levels.filter(pl.col("kind") == "far").row(0, named=True)
    assert far["hold_n"] == 0, far
    assert far["n_untested"] == far["n_levels"] > 0, far
    allrow = ev.ideas.filter((pl.col("source") == "ideas") & (pl.col("dimension") == "all"))
    assert abs(allrow["pnl_bidask_usd"][0] - PNL.sum()) < 1e-6
    print(
        f"evaluate_run: {frames.snapshots.height} snapshots, {frames.levels.height} levels, "
        f"{frames.signals.height} signals, 1000 ideas: median {ms:,.0f} ms "
        f"(budget {BUDGET_MS:,.0f} ms) {'OK' if ms <= BUDGET_MS else 'OVER BUDGET'}"
    )


if __name__ == "__main__":
    main()
