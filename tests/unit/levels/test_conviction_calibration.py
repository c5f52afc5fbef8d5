"""Issue 10: conviction is calibrated over the informative evidence only (known answers)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from eots.levels.conviction import MetricGrid, alignment, conviction
from eots.levels.model import Evidence, Level, LevelKind, Timeframe
from eots.levels.params import ConvictionParams

AS_OF = dt.datetime(2024, 3, 13, 18, 0, tzinfo=dt.UTC)
P = ConvictionParams()


def _level(updates: int = 1, evidence: Evidence | None = None) -> Level:
    return Level(
        price=100.0,
        kind=LevelKind.SUPPORT,
        timeframe=Timeframe.INTRADAY,
        strength=0.5,
        first_seen=AS_OF,
        last_seen=AS_OF,
        updates=updates,
        evidence=evidence or Evidence(),
    )


def _evidence(factors: Evidence) -> dict[str, float]:
    return dict(factors)


def test_alignment_only_on_a_single_snapshot() -> None:
    score, factors = conviction(_level(), 0.6, {}, 12, P)
    assert score == pytest.approx(0.6)
    assert _evidence(factors)["evidence_weight"] == pytest.approx(0.4)
    assert conviction(_level(), -0.3, {}, 12, P)[0] == 0.0  # metrics against: no conviction
    assert conviction(_level(), 0.0, {}, 12, P)[0] == 0.0  # neutral is not half conviction


def test_nothing_informative_is_zero() -> None:
    score, factors = conviction(_level(), float("nan"), {}, 12, P)
    assert score == 0.0
    assert _evidence(factors)["evidence_weight"] == 0.0


def test_history_counts_above_chance_only() -> None:
    # kind rate 0.75, untested level (own 0.5): H = 0.625, evidence 2H - 1 = 0.25.
    score, _ = conviction(_level(), 0.6, {"support": 0.75}, 12, P)
    assert score == pytest.approx((0.4 * 0.6 + 0.3 * 0.25) / 0.7)
    # A kind that held at chance is informative and counts as no evidence.
    assert conviction(_level(), 0.6, {"support": 0.5}, 12, P)[0] == pytest.approx(0.24 / 0.7)


def test_persistence_counts_once_seen_before() -> None:
    score, _ = conviction(_level(updates=6), 0.6, {}, 12, P)
    assert score == pytest.approx((0.4 * 0.6 + 0.3 * 0.5) / 0.7)


def test_alignment_saturates() -> None:
    frame = pl.DataFrame({"strike": [90.0, 100.0, 110.0], "mspi": [0.2, 0.2, 1.0]})
    grid = MetricGrid(frame, ["mspi"])
    weights = (("mspi", 1.0),)
    assert alignment(_level(), 105.0, grid, weights) == pytest.approx(0.2)
    assert alignment(_level(), 105.0, grid, weights, 0.25) == pytest.approx(0.8)


def test_constant_metric_is_left_out() -> None:
    frame = pl.DataFrame(
        {"strike": [90.0, 100.0, 110.0], "mspi": [0.2, 0.5, 1.0], "sai": [-1 / 3] * 3}
    )
    grid = MetricGrid(frame, ["mspi", "sai"])
    weights = (("mspi", 0.5), ("sai", 0.5))
    assert alignment(_level(), 100.0, grid, weights) == pytest.approx(0.5)
