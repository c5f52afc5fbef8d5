"""A small synthetic market in a temp store, and a replay run folder, for the dashboard tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_session

SESSION = dt.date(2024, 3, 13)
# A small listing (three expiries, strikes within ~2.5 sd) keeps an analysis under a second.
PARAMS = SyntheticParams(
    underlying="SPX",
    daily_sessions=2,
    weekly_weeks=1,
    monthly_months=0,
    quarterly_years=0.0,
    leaps_years=0.0,
    put_range_sd=2.5,
    call_range_sd=2.0,
)


def session_snapshots(every_min: int = 65) -> list[ChainSnapshot]:
    """The synthetic SPX session, one snapshot every ``every_min`` minutes."""
    return synthetic_session(PARAMS, session=SESSION, every=dt.timedelta(minutes=every_min))


def fill_store(root: Path, snapshots: list[ChainSnapshot]) -> SnapshotStore:
    """Save ``snapshots`` with ``SnapshotStore.save``; return the store."""
    store = SnapshotStore(root)
    for s in snapshots:
        store.save(s)
    return store


def write_run(run_dir: Path, times: list[dt.datetime]) -> None:
    """Write a replay run folder by hand (outcomes, weights, signals) with known hit counts.

    Ideas 0..9 (one per signal in turn): strategy long_call wins 3 of 4, put_debit_spread
    1 of 4, iron_condor 1 of 2; idea 9 is still open at the last snapshot.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    t0 = times[0]
    strategies = ["long_call"] * 4 + ["put_debit_spread"] * 4 + ["iron_condor"] * 2
    pnl = [120.0, 80.0, -50.0, 40.0, -60.0, -30.0, 90.0, -20.0, 30.0, None]
    names = ["mspi_flip", "vri_expansion", "tdpi_pin"]
    entries = [t0 + dt.timedelta(minutes=20 * i) for i in range(10)]
    exits = [e + dt.timedelta(minutes=45) for e in entries[:9]] + [None]
    outcomes = pl.DataFrame(
        {
            "idea_id": [f"idea-{i}" for i in range(10)],
            "underlying": ["SPX"] * 10,
            "strategy": strategies,
            "direction": ["bullish"] * 4 + ["bearish"] * 4 + ["neutral"] * 2,
            "stars": [5, 4, 3, 4, 2, 3, 4, 2, 3, 5],
            "conviction": [0.8] * 10,
            "signals": [[names[i % 3]] for i in range(10)],
            "regime": ["normal"] * 10,
            "ts_entry": entries,
            "ts_exit": exits,
            "exit_reason": ["target"] * 9 + [None],
            "pnl_bidask": pnl,
            "pnl_mid": [None if p is None else p + 5.0 for p in pnl],
            "risk": [100.0] * 10,
            "r_multiple": [None if p is None else p / 100.0 for p in pnl],
            "mfe": [1.0] * 10,
            "mae": [-0.5] * 10,
            "minutes_held": [45.0] * 9 + [None],
        },
        schema_overrides={
            "ts_entry": pl.Datetime("us", "UTC"),
            "ts_exit": pl.Datetime("us", "UTC"),
        },
    )
    outcomes.write_parquet(run_dir / "outcomes.parquet")
    pl.DataFrame(
        {
            "ts_event": [times[1], times[2], times[1]],
            "name": ["mspi_flip", "mspi_flip", "vri_expansion"],
            "old": [1.0, 1.1, 1.0],
            "new": [1.1, 1.25, 0.9],
            "n": [3, 5, 3],
            "hit_rate": [0.67, 0.6, 0.33],
            "ci_low": [0.2, 0.23, 0.06],
            "ci_high": [0.94, 0.88, 0.79],
        },
        schema_overrides={"ts_event": pl.Datetime("us", "UTC")},
    ).write_parquet(run_dir / "weights.parquet")
    pl.DataFrame(
        {
            "ts_event": [times[-1]] * 3,
            "snapshot_id": ["x"] * 3,
            "family": ["directional", "volatility", "time_decay"],
            "name": names,
            "direction": [1, 0, 0],
            "score": [0.7, 0.5, 0.6],
            "strength": [0.7, 0.5, 0.6],
            "stars": [4, 3, 3],
        },
        schema_overrides={"ts_event": pl.Datetime("us", "UTC")},
    ).write_parquet(run_dir / "signals.parquet")
