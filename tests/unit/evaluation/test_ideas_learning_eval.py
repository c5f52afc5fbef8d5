"""Idea outcomes, weights and flow accuracy with known answers; the whole run end to end."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from eots.core.errors import SchemaError
from eots.evaluation import (
    RUN_SCHEMAS,
    EvaluationParams,
    evaluate_run,
    flow_accuracy_summary,
    idea_performance,
    max_drawdown,
    validate_run,
    weight_paths,
    write_evaluation,
)
from eots.evaluation.ideas import equity_curves
from unit.evaluation.run_builder import (
    DAY1,
    bars_from_closes,
    et,
    frame,
    levels,
    outcomes,
    run,
    signals,
    snapshots,
    write_run,
)

PNL = [100.0, -30.0, -50.0, 200.0, -120.0]
P = EvaluationParams()


def _ideas() -> pl.DataFrame:
    rows = []
    for i, pnl in enumerate(PNL):
        entry = et(DAY1, 9, 35 + 60 * i)  # 09:35, 10:35, 11:35, 12:35, 13:35
        rows.append(
            {
                "idea_id": f"i{i}",
                "ts_entry": entry,
                "ts_exit": entry + dt.timedelta(minutes=30),
                "pnl_bidask": pnl,
                "pnl_mid": pnl + 10.0,
                "r_multiple": pnl / 100.0,
                "strategy": "long_call" if i < 2 else "put_credit_spread",
            }
        )
    return outcomes(rows)


def _baseline() -> pl.DataFrame:
    rows = [
        {
            "idea_id": f"b{i}",
            "ts_entry": et(DAY1, 10, 0),
            "ts_exit": et(DAY1, 10, 30 + i),
            "pnl_bidask": pnl,
            "pnl_mid": pnl + 5.0,
            "r_multiple": pnl / 100.0,
        }
        for i, pnl in enumerate([-10.0, -10.0, 10.0, -10.0])
    ]
    return outcomes(rows, "baseline_outcomes.parquet")


def test_max_drawdown_of_a_known_equity_curve() -> None:
    # equity 0, 100, 70, 20, 220, 100: the peak 220 falls to 100
    assert max_drawdown(np.array(PNL)) == 120.0
    assert max_drawdown(np.array([50.0, 50.0])) == 0.0
    assert max_drawdown(np.array([-5.0, -5.0])) == 10.0  # from the starting 0
    assert math.isnan(max_drawdown(np.array([])))


def test_idea_statistics_by_hand() -> None:
    t = idea_performance(_ideas(), _baseline(), P)
    r = t.filter((pl.col("source") == "ideas") & (pl.col("dimension") == "all")).row(0, named=True)
    assert (r["n"], r["wins"]) == (5, 2)
    assert r["win_rate"] == pytest.approx(0.4)
    assert r["avg_r"] == pytest.approx(0.2)
    assert r["expectancy_usd"] == pytest.approx(20.0)
    assert r["pnl_bidask_usd"] == pytest.approx(100.0)
    assert r["pnl_mid_usd"] == pytest.approx(150.0)
    assert r["max_drawdown_usd"] == pytest.approx(120.0)
    assert r["win_low"] < 0.4 < r["win_high"]
    assert r["expectancy_low"] < 20.0 < r["expectancy_high"]
    assert r["small_sample"] is True
    assert 0.0 < r["p_r_vs_baseline"] <= 1.0
    b = t.filter((pl.col("source") == "baseline") & (pl.col("dimension") == "all")).row(
        0, named=True
    )
    assert (b["n"], b["wins"], b["expectancy_usd"]) == (4, 1, -5.0)


def test_a_break_even_idea_is_not_a_win() -> None:
    flat = _ideas().with_columns(pnl_bidask=pl.lit(0.0), r_multiple=pl.lit(0.0))
    r = idea_performance(flat, _baseline(), P).row(0, named=True)
    assert (r["source"], r["dimension"], r["n"], r["wins"]) == ("ideas", "all", 5, 0)


def test_groups_by_strategy_and_time_of_day() -> None:
    t = idea_performance(_ideas(), _baseline(), P).filter(pl.col("source") == "ideas")
    strat = dict(
        zip(
            t.filter(pl.col("dimension") == "strategy")["group"],
            t.filter(pl.col("dimension") == "strategy")["pnl_bidask_usd"],
            strict=True,
        )
    )
    assert strat == {"long_call": 70.0, "put_credit_spread": 30.0}
    tod = t.filter(pl.col("dimension") == "time_of_day")
    assert dict(zip(tod["group"], tod["n"], strict=True)) == {
        "09:30-10:30": 1,
        "10:30-12:00": 2,
        "12:00-14:00": 2,
    }


def test_equity_curves_at_bid_ask_and_mid() -> None:
    eq = equity_curves(_ideas(), _baseline()).filter(pl.col("source") == "ideas")
    assert eq["equity_bidask_usd"].to_list() == [100.0, 70.0, 20.0, 220.0, 100.0]
    assert eq["equity_mid_usd"].to_list() == [110.0, 90.0, 50.0, 260.0, 150.0]


def test_an_outcome_that_exits_before_it_enters_is_refused() -> None:
    bad = _ideas().with_columns(
        ts_exit=pl.when(pl.col("idea_id") == "i3")
        .then(pl.col("ts_entry") - dt.timedelta(minutes=1))
        .otherwise(pl.col("ts_exit"))
    )
    with pytest.raises(SchemaError, match=r"outcomes\.parquet.*'i3' exits"):
        idea_performance(bad, _baseline(), P)
    no_risk = _baseline().with_columns(risk=pl.lit(0.0))
    with pytest.raises(SchemaError, match=r"baseline_outcomes\.parquet.*risk"):
        idea_performance(_ideas(), no_risk, P)


def test_weight_paths_with_their_evidence() -> None:
    w = frame(
        "weights.parquet",
        [
            {
                "ts_event": et(DAY1, 10),
                "name": "directional",
                "old": 0.4,
                "new": 0.45,
                "n": 20,
                "hit_rate": 0.6,
                "ci_low": 0.39,
                "ci_high": 0.78,
            },
            {
                "ts_event": et(DAY1, 11),
                "name": "directional",
                "old": 0.45,
                "new": 0.5,
                "n": 40,
                "hit_rate": 0.62,
                "ci_low": 0.47,
                "ci_high": 0.75,
            },
            {
                "ts_event": et(DAY1, 12),
                "name": "directional",
                "old": 0.6,
                "new": 0.55,
                "n": 60,
                "hit_rate": 0.6,
                "ci_low": 0.47,
                "ci_high": 0.71,
            },
        ],
        {},
    )
    r = weight_paths(w).row(0, named=True)
    assert (r["n_updates"], r["initial"], r["final"]) == (3, 0.4, 0.55)
    assert r["change"] == pytest.approx(0.15)
    assert (r["min"], r["max"], r["evidence_n"]) == (0.4, 0.6, 60)
    assert r["chain_breaks"] == 1  # 0.5 -> (something) -> 0.6 between logged updates
    with pytest.raises(SchemaError, match=r"weights\.parquet"):
        weight_paths(w.with_columns(hit_rate=pl.lit(1.5)))


def test_flow_accuracy_pooled_with_interval() -> None:
    f = frame(
        "flow_accuracy.parquet",
        [
            {"ts_event": et(DAY1, 10), "n_contracts": 50, "accuracy": 0.8, "n_classified": 10},
            {"ts_event": et(DAY1, 11), "n_contracts": 50, "accuracy": 0.5, "n_classified": 30},
        ],
        {},
    )
    r = flow_accuracy_summary(f).row(0, named=True)
    assert (r["n_snapshots"], r["n_classified"]) == (2, 40)
    assert r["accuracy"] == pytest.approx(23 / 40)
    assert r["mean_snapshot_accuracy"] == pytest.approx(0.65)
    assert r["accuracy_low"] < 23 / 40 < r["accuracy_high"]


def _full_run(tmp_path: Path) -> Path:
    closes = [101.0, 102.0, 101.5, 102.5, 102.0, 103.0]
    times = [et(DAY1, 9, 30 + 5 * i) for i in range(len(closes))]
    snaps = snapshots(
        [{"ts_event": t, "snapshot_id": f"s{i}", "zero_gamma": 101.0} for i, t in enumerate(times)]
    )
    lv = levels([{"ts_event": times[0], "snapshot_id": "s0", "kind": "call_wall", "price": 102.4}])
    sig = signals([{"ts_event": t, "snapshot_id": f"s{i}"} for i, t in enumerate(times)])
    frames = run(
        snaps,
        bars_from_closes(DAY1, 100.0, closes, wick=0.1),
        lv=lv,
        sig=sig,
        outcomes=_ideas(),
        baseline_outcomes=_baseline(),
    )
    return write_run(tmp_path / "run", frames)


def test_evaluate_run_end_to_end_and_written_files(tmp_path: Path) -> None:
    root = _full_run(tmp_path)
    assert set(validate_run(root)) == {"flow_accuracy.parquet", "by_strike.parquet"}
    ev = evaluate_run(root)
    assert ev.levels["kind"].to_list() == ["call_wall"]
    assert ev.signals["n_signals"].to_list() == [6]
    assert ev.flow is None
    assert any("no weight updates" in n for n in ev.notes)
    assert any("only 5 closed ideas" in n for n in ev.notes)
    written = write_evaluation(root, ev)
    assert written[0].name == "evaluation.json"
    doc = json.loads((root / "evaluation.json").read_text())
    assert doc["run"]["config_fingerprint"] == "0123456789abcdef"
    assert doc["ideas"][0]["n"] >= 1
    assert doc["flow"] is None
    assert pl.read_parquet(root / "evaluation_signals.parquet").height == 1
    again = evaluate_run(root)
    assert again.levels.equals(ev.levels)  # seeded baseline: deterministic


def test_validate_run_names_the_missing_file_and_column(tmp_path: Path) -> None:
    root = _full_run(tmp_path)
    (root / "bars.parquet").unlink()
    with pytest.raises(SchemaError, match=r"bars\.parquet: required file is missing"):
        validate_run(root)
    root = _full_run(tmp_path / "b")
    pl.read_parquet(root / "signals.parquet").drop("horizon").write_parquet(
        root / "signals.parquet"
    )
    with pytest.raises(SchemaError, match=r"signals\.parquet: column 'horizon' is missing"):
        evaluate_run(root)
    root = _full_run(tmp_path / "c")
    pl.read_parquet(root / "snapshots.parquet").with_columns(
        pl.col("spot").cast(pl.Float32)
    ).write_parquet(root / "snapshots.parquet")
    with pytest.raises(SchemaError, match="column 'spot': expected Float64, was Float32"):
        validate_run(root)


def test_manifest_must_list_exactly_the_snapshots(tmp_path: Path) -> None:
    root = _full_run(tmp_path)
    m = json.loads((root / "manifest.json").read_text())
    m["snapshot_ids"] = m["snapshot_ids"][:-1]
    m["n_snapshots"] -= 1
    (root / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(SchemaError, match="snapshots differ from the manifest"):
        evaluate_run(root)
    m["n_snapshots"] = 99
    (root / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(SchemaError, match="n_snapshots"):
        validate_run(root)


def test_run_schemas_cover_every_file() -> None:
    assert set(RUN_SCHEMAS) >= {
        "snapshots.parquet",
        "levels.parquet",
        "signals.parquet",
        "bars.parquet",
        "outcomes.parquet",
        "baseline_outcomes.parquet",
        "weights.parquet",
        "flow_accuracy.parquet",
        "by_strike.parquet",
    }
