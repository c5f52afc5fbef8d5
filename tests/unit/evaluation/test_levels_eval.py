"""Level hold/breach on hand-built price paths with known outcomes, and vol by gamma side."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from eots.core.errors import SchemaError
from eots.evaluation.levels import (
    _random_levels,
    level_hold_rates,
    scored_levels,
    volatility_by_gamma_side,
)
from eots.evaluation.params import EvaluationParams
from eots.evaluation.paths import bar_table
from unit.evaluation.run_builder import DAY1, DAY2, bars_from_closes, et, levels, snapshots

# spot 100, ATR 2: touch within 0.2, breach = a close beyond by more than 0.5.
# highs: 100.8 101.3 101.8 101.8 101.5; lows: 99.7 100.2 100.7 100.9 100.5; max close 101.5
CLOSES = [100.5, 101.0, 101.5, 101.2, 100.8]
T0 = et(DAY1, 9, 30)


def _bars() -> pl.DataFrame:
    return bar_table(bars_from_closes(DAY1, 100.0, CLOSES, wick=0.3))


def _outcomes(
    lv: list[tuple[str, float]], params: EvaluationParams | None = None, **snap: object
) -> dict[float, str]:
    snaps = snapshots([{"ts_event": T0, "snapshot_id": "s1", **snap}])
    frame = levels([{"ts_event": T0, "snapshot_id": "s1", "kind": k, "price": p} for k, p in lv])
    out = scored_levels(frame, snaps, _bars(), params or EvaluationParams())
    return dict(zip(out["price"].to_list(), out["outcome"].to_list(), strict=True))


KNOWN = [
    ("call_wall", 102.0),
    ("put_wall", 97.0),
    ("support", 99.9),
    ("resistance", 100.9),
    ("abs_gamma", 101.2),
]


def test_known_outcomes() -> None:
    assert _outcomes(KNOWN) == {
        102.0: "held",  # high 101.8 reaches 102 - 0.2; no close above 102.5
        97.0: "untested",  # low 99.7 never within 0.2 of 97
        99.9: "held",  # low 99.7 <= 100.1; no close below 99.4
        100.9: "breached",  # close 101.5 > 100.9 + 0.5
        101.2: "held",  # close 101.5 is not beyond 101.2 + 0.5
    }


def test_delete_the_touch_factor() -> None:
    out = _outcomes(KNOWN, EvaluationParams(touch_atr=0.0))
    assert out[102.0] == "untested"


def test_delete_the_breach_factor() -> None:
    out = _outcomes(KNOWN, EvaluationParams(breach_atr=0.0))
    assert out[101.2] == "breached"


def test_atr_scales_both_thresholds() -> None:
    assert _outcomes(KNOWN, atr=1.0)[102.0] == "untested"  # touch band 0.1: 101.8 < 101.9
    assert _outcomes(KNOWN, atr=1.0)[101.2] == "breached"  # breach band 0.25: 101.5 > 101.45


def test_implied_move_replaces_a_missing_atr_and_neither_leaves_it_unscored() -> None:
    iv_for_2 = 2.0 * math.sqrt(252.0) / 100.0
    assert _outcomes(KNOWN, atr=None, atm_iv=iv_for_2) == _outcomes(KNOWN)
    assert _outcomes(KNOWN, atr=None, atm_iv=iv_for_2 / 2)[102.0] == "untested"
    assert set(_outcomes(KNOWN, atr=None, atm_iv=None).values()) == {"unscored"}


def test_bars_before_the_decision_do_not_count() -> None:
    # decided at 09:45: the bars from 09:45 have max high 101.8 / close 101.5, min low 100.5
    snaps = snapshots([{"ts_event": et(DAY1, 9, 45), "snapshot_id": "s", "spot": 101.5}])
    lv = levels(
        [{"ts_event": et(DAY1, 9, 45), "snapshot_id": "s", "kind": "support", "price": 100.2}]
    )
    out = scored_levels(lv, snaps, _bars(), EvaluationParams())
    assert out["outcome"].to_list() == ["untested"]  # the 09:30 bar's low of 99.7 came before


def test_after_close_snapshot_is_scored_on_the_next_session() -> None:
    bars = bar_table(
        pl.concat(
            [
                bars_from_closes(DAY1, 100.0, [100.0]),
                bars_from_closes(DAY2, 100.0, [98.0, 97.0]),
            ]
        )
    )
    ts = et(DAY1, 16, 30)
    snaps = snapshots([{"ts_event": ts, "snapshot_id": "late"}])
    lv = levels([{"ts_event": ts, "snapshot_id": "late", "kind": "put_wall", "price": 98.5}])
    out = scored_levels(lv, snaps, bars, EvaluationParams())
    assert out["day"].to_list() == [DAY2]
    assert out["outcome"].to_list() == ["breached"]  # close 97 < 98.5 - 0.5


def test_no_bar_after_the_decision_is_unscored_not_guessed() -> None:
    ts = et(DAY1, 16, 30)
    snaps = snapshots([{"ts_event": ts, "snapshot_id": "late"}])
    lv = levels([{"ts_event": ts, "snapshot_id": "late", "kind": "put_wall", "price": 98.5}])
    assert scored_levels(lv, snaps, _bars(), EvaluationParams())["outcome"].to_list() == [
        "unscored"
    ]


def test_one_level_per_session_counts_a_repeated_level_once() -> None:
    t1 = et(DAY1, 9, 35)
    snaps = snapshots([{"ts_event": T0, "snapshot_id": "a"}, {"ts_event": t1, "snapshot_id": "b"}])
    lv = levels(
        [
            {"ts_event": T0, "snapshot_id": "a", "kind": "call_wall", "price": 102.0},
            {"ts_event": t1, "snapshot_id": "b", "kind": "call_wall", "price": 102.0},
        ]
    )
    once = level_hold_rates(lv, snaps, _bars(), EvaluationParams())
    twice = level_hold_rates(lv, snaps, _bars(), EvaluationParams(one_level_per_session=False))
    assert once["n_levels"].to_list() == [1]
    assert twice["n_levels"].to_list() == [2]


def test_rates_intervals_and_baseline_columns() -> None:
    ts = [et(DAY1, 9, 30 + 5 * i) for i in range(3)]
    snaps = snapshots([{"ts_event": t, "snapshot_id": f"s{i}"} for i, t in enumerate(ts)])
    rows = [
        {"ts_event": ts[0], "snapshot_id": "s0", "kind": "resistance", "price": 100.9},
        {"ts_event": ts[0], "snapshot_id": "s0", "kind": "resistance", "price": 101.2},
        {"ts_event": ts[0], "snapshot_id": "s0", "kind": "resistance", "price": 102.0},
        {"ts_event": ts[0], "snapshot_id": "s0", "kind": "resistance", "price": 110.0},
    ]
    table = level_hold_rates(levels(rows), snaps, _bars(), EvaluationParams())
    r = table.row(0, named=True)
    assert (r["n_levels"], r["n_untested"], r["hold_n"], r["n_held"]) == (4, 1, 3, 2)
    assert r["hold_rate"] == pytest.approx(2 / 3)
    assert r["breach_rate"] == pytest.approx(1 / 3)
    assert r["hold_low"] < 2 / 3 < r["hold_high"]
    assert r["small_sample"] is True
    assert 0.0 <= r["baseline_rate"] <= 1.0
    assert r["baseline_n"] >= 0


def test_random_levels_are_distance_matched_on_both_sides() -> None:
    cand = pl.DataFrame(
        {
            "kind": ["call_wall"] * 2,
            "ts_event": [T0, T0],
            "day": [DAY1, DAY1],
            "spot": [100.0, 200.0],
            "scale": [2.0, 2.0],
            "price": [103.0, 190.0],
        }
    )
    exact = _random_levels(cand, EvaluationParams(baseline_jitter=0.0, baseline_draws=50))
    d = (exact["price"] - exact["spot"]).abs().to_numpy()
    assert np.allclose(d[:50], 3.0)
    assert np.allclose(d[50:], 10.0)
    assert (exact["price"] > exact["spot"]).any()
    assert (exact["price"] < exact["spot"]).any()
    jit = _random_levels(cand, EvaluationParams(baseline_jitter=0.25, baseline_draws=50))
    d = (jit["price"] - jit["spot"]).abs().to_numpy()
    assert d[:50].min() >= 0.75 * 3.0
    assert d[:50].max() <= 1.25 * 3.0
    again = _random_levels(cand, EvaluationParams(baseline_jitter=0.25, baseline_draws=50))
    assert again["price"].to_list() == jit["price"].to_list()


def test_a_level_of_an_unknown_snapshot_is_refused() -> None:
    snaps = snapshots([{"ts_event": T0, "snapshot_id": "s1"}])
    lv = levels([{"ts_event": T0, "snapshot_id": "nope", "kind": "call_wall", "price": 1.0}])
    with pytest.raises(SchemaError, match=r"levels\.parquet.*'nope'"):
        level_hold_rates(lv, snaps, _bars(), EvaluationParams())


def test_volatility_above_and_below_zero_gamma_by_hand() -> None:
    # bars open at 100, 100.5, 101, 101.5, 101.2; zero gamma 100.9: two bars open below it
    snaps = snapshots([{"ts_event": T0, "snapshot_id": "s1", "zero_gamma": 100.9}])
    table = volatility_by_gamma_side(snaps, _bars(), EvaluationParams())
    opens = [100.0, *CLOSES[:-1]]
    per_bar = 252.0 * 390.0 / 5.0
    r2 = [math.log(c / o) ** 2 * per_bar for o, c in zip(opens, CLOSES, strict=True)]
    above = table.filter(pl.col("side") == "above").row(0, named=True)
    below = table.filter(pl.col("side") == "below").row(0, named=True)
    assert below["n_bars"] == 2
    assert above["n_bars"] == 3
    assert below["rv_annual"] == pytest.approx(math.sqrt(sum(r2[:2]) / 2))
    assert above["rv_annual"] == pytest.approx(math.sqrt(sum(r2[2:]) / 3))
    assert above["rv_low"] <= above["rv_annual"] <= above["rv_high"]


def test_volatility_without_zero_gamma_classes_nothing() -> None:
    snaps = snapshots([{"ts_event": T0, "snapshot_id": "s1", "zero_gamma": None}])
    table = volatility_by_gamma_side(snaps, _bars(), EvaluationParams())
    assert table["n_bars"].to_list() == [0, 0]
    assert all(math.isnan(x) for x in table["rv_annual"].to_list())


def test_bad_bars_are_refused_with_the_bar_named() -> None:
    bad = bars_from_closes(DAY1, 100.0, CLOSES).with_columns(
        high=pl.when(pl.col("close") == 101.0).then(50.0).otherwise(pl.col("high"))
    )
    with pytest.raises(SchemaError, match=r"bars\.parquet: bar at .* is not a valid bar"):
        bar_table(bad)
