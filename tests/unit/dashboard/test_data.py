"""The dashboard's data adapter: listing, analyses by scope, the replay run's track record."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from dashboard_store import fill_store, session_snapshots, write_run
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ConfigError, SchemaError
from eots.dashboard import data


@pytest.fixture(scope="module")
def snapshots() -> list[ChainSnapshot]:
    return session_snapshots()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]) -> Path:
    root = tmp_path_factory.mktemp("store")
    fill_store(root, snapshots[:3])
    return root


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]) -> Path:
    root = tmp_path_factory.mktemp("run")
    write_run(root, [s.ts_event for s in snapshots])
    return root


def _wilson(hits: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    # Closed form (Wilson 1927), independent of scipy.
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_session_snapshots_lists_the_latest_session_oldest_first(
    store: Path, snapshots: list[ChainSnapshot]
) -> None:
    entries = data.session_snapshots(store, "SPX")
    assert [e.ts_event for e in entries] == [s.ts_event for s in snapshots[:3]]
    assert data.latest_snapshot_ids(store, "SPX") == tuple(e.snapshot_id for e in entries)
    assert entries[0].snapshot_id.startswith("SPX/2024-03-13/")


def test_session_snapshots_empty_store_or_unknown_underlying_is_empty(tmp_path: Path) -> None:
    assert data.underlyings(tmp_path / "missing") == ()
    assert data.session_snapshots(tmp_path, "SPX") == ()


def test_snapshot_ref_unknown_or_malformed_id_raises_naming_it(store: Path) -> None:
    with pytest.raises(ConfigError, match="UNDERLYING/SESSION/STEM"):
        data.snapshot_ref(store, "nonsense")
    with pytest.raises(ConfigError, match="no stored snapshot 'SPX/2024-03-13/x'"):
        data.snapshot_ref(store, "SPX/2024-03-13/x")


def test_analysis_for_applies_the_scope_and_is_cached(store: Path) -> None:
    sid = data.latest_snapshot_ids(store, "SPX")[-1]
    every = data.analysis_for(store, sid, "all")
    today = data.analysis_for(store, sid, "0DTE")
    assert every.scope.label == "all"
    assert today.scope.label == "0dte"
    assert 0 < today.totals.contracts_in_scope < every.totals.contracts_in_scope
    assert data.analysis_for(store, sid, "all") is every
    # The history is the store as of the snapshot: the two earlier snapshots of the session.
    assert every.history.context is not None
    assert every.history.context.intraday_coverage.n_obs == 3


def test_analysis_for_bad_scope_raises_config_error(store: Path) -> None:
    sid = data.latest_snapshot_ids(store, "SPX")[-1]
    with pytest.raises(ConfigError, match="expiry scope"):
        data.analysis_for(store, sid, "weekly")


def test_analysis_for_corrupt_file_raises_schema_error_naming_it(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    store = fill_store(tmp_path, snapshots[:1])
    ref = store.list("SPX")[0]
    ref.path.write_bytes(b"not parquet")
    with pytest.raises(SchemaError, match=ref.path.name):
        data.analysis_for(tmp_path, data.snapshot_id(ref), "all")


def test_performance_rates_match_hand_counts_and_wilson(run_dir: Path) -> None:
    perf = data.performance(run_dir)
    base = perf.baseline.row(0, named=True)
    assert (base["n"], base["hits"]) == (9, 5)  # idea 9 is still open
    lo, hi = _wilson(5, 9)
    assert base["ci_low"] == pytest.approx(lo, abs=1e-9)
    assert base["ci_high"] == pytest.approx(hi, abs=1e-9)
    assert base["mean_r"] == pytest.approx((120 + 80 - 50 + 40 - 60 - 30 + 90 - 20 + 30) / 900)
    strategy = {r["group"]: (r["n"], r["hits"]) for r in perf.by_strategy.iter_rows(named=True)}
    assert strategy == {"long_call": (4, 3), "put_debit_spread": (4, 1), "iron_condor": (1, 1)}
    family = {r["group"]: (r["n"], r["hits"]) for r in perf.by_family.iter_rows(named=True)}
    assert family == {"directional": (3, 3), "volatility": (3, 1), "time_decay": (3, 1)}
    stars = {r["group"]: (r["n"], r["hits"]) for r in perf.by_stars.iter_rows(named=True)}
    assert stars == {"2★": (2, 0), "3★": (3, 1), "4★": (3, 3), "5★": (1, 1)}
    for frame in (perf.by_strategy, perf.by_family, perf.by_stars):
        for r in frame.iter_rows(named=True):
            assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson(r["hits"], r["n"]))
            assert r["hit_rate"] == pytest.approx(r["hits"] / r["n"])
    assert perf.weights.height == 3


def test_performance_zero_pnl_is_not_a_hit(tmp_path: Path, snapshots: list[ChainSnapshot]) -> None:
    write_run(tmp_path, [s.ts_event for s in snapshots])
    frame = pl.read_parquet(tmp_path / "outcomes.parquet")
    frame.with_columns(pnl_bidask=pl.lit(0.0)).write_parquet(tmp_path / "outcomes.parquet")
    base = data.performance(tmp_path).baseline.row(0, named=True)
    assert (base["n"], base["hits"], base["hit_rate"]) == (10, 0, 0.0)


def test_performance_missing_column_names_file_and_column(tmp_path: Path) -> None:
    pl.DataFrame({"idea_id": ["a"]}).write_parquet(tmp_path / "outcomes.parquet")
    with pytest.raises(SchemaError, match=r"outcomes\.parquet.*pnl_bidask|pnl_bidask.*outcomes"):
        data.performance(tmp_path)


def test_performance_unreadable_file_raises_schema_error(tmp_path: Path) -> None:
    (tmp_path / "outcomes.parquet").write_bytes(b"junk")
    with pytest.raises(SchemaError, match="cannot read Parquet"):
        data.performance(tmp_path)


def test_has_run_needs_an_outcomes_file(tmp_path: Path, run_dir: Path) -> None:
    assert data.has_run(run_dir)
    assert not data.has_run(tmp_path)
    assert not data.has_run(None)


def test_ideas_at_marks_new_open_and_closed(run_dir: Path, snapshots: list[ChainSnapshot]) -> None:
    t0 = snapshots[0].ts_event
    # Entries every 20 min from t0, each held 45 min (idea 9 never exits).
    as_of = t0 + dt.timedelta(minutes=60)
    ideas = data.ideas_at(run_dir, as_of, since=t0 + dt.timedelta(minutes=30))
    states = dict(zip(ideas["idea_id"], ideas["state"], strict=True))
    assert states == {"idea-3": "new", "idea-2": "new", "idea-1": "open"}  # idea-0 exited at 45
    assert ideas.filter(pl.col("state") != "closed")["pnl_bidask"].is_null().all()
    late = data.ideas_at(run_dir, t0 + dt.timedelta(minutes=200), since=t0)
    assert dict(zip(late["idea_id"], late["state"], strict=True))["idea-9"] == "new"
    closed = late.filter(pl.col("state") == "closed")
    assert closed.height > 0
    assert closed["pnl_bidask"].is_not_null().all()


def test_signals_at_filters_by_time(run_dir: Path, snapshots: list[ChainSnapshot]) -> None:
    assert data.signals_at(run_dir, snapshots[-1].ts_event).height == 3
    assert data.signals_at(run_dir, snapshots[0].ts_event).height == 0


def test_analysis_for_empty_scope_at_the_close_says_so(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    close = snapshots[-1]  # 16:00 ET: today's expiry has settled
    assert close.ts_event.hour == 20
    fill_store(tmp_path, [close])
    sid = data.latest_snapshot_ids(tmp_path, "SPX")[-1]
    with pytest.raises(ConfigError, match="no unexpired contracts in scope 0dte"):
        data.analysis_for(tmp_path, sid, "0dte")
    assert data.analysis_for(tmp_path, sid, "ex0dte").totals.contracts_in_scope > 0


def test_performance_counts_an_idea_once_per_family(tmp_path: Path) -> None:
    t = dt.datetime(2024, 3, 13, 15, tzinfo=dt.UTC)
    pl.DataFrame(
        {
            "idea_id": ["a", "b"],
            "strategy": ["long_call", "long_put"],
            "stars": [3, 3],
            "signals": [["flip", "pin"], ["flip"]],
            "ts_entry": [t, t],
            "pnl_bidask": [10.0, -5.0],
        }
    ).write_parquet(tmp_path / "outcomes.parquet")
    pl.DataFrame(
        {"ts_event": [t, t], "family": ["directional", "directional"], "name": ["flip", "pin"]}
    ).with_columns(direction=pl.lit(1), score=pl.lit(0.5), stars=pl.lit(3)).write_parquet(
        tmp_path / "signals.parquet"
    )
    perf = data.performance(tmp_path)
    row = perf.by_family.row(0, named=True)
    assert (row["group"], row["n"], row["hits"]) == ("directional", 2, 1)
    assert perf.by_strategy.height == 2
    assert perf.baseline["mean_r"].to_list() == [None]  # no r_multiple column: unknown, not 0
    assert perf.weights.is_empty()
