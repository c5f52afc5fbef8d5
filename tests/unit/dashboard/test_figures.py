"""Figures draw what the frames hold: strike window, marks, intervals."""

from __future__ import annotations

import polars as pl
import pytest

from eots.dashboard.figures import Mark, Series, rate_chart, strike_chart, strike_window


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"strike": [80.0, 95.0, 100.0, 105.0, 130.0], "v": [1.0, 2.0, 3.0, 4.0, 5.0]}
    )


def test_strike_window_is_inclusive_and_none_keeps_all() -> None:
    assert strike_window(_frame(), 100.0, 5.0)["strike"].to_list() == [95.0, 100.0, 105.0]
    assert strike_window(_frame(), 100.0, None).height == 5


def test_strike_chart_draws_window_and_only_marks_inside_it() -> None:
    fig = strike_chart(
        _frame(),
        [Series(column="v", label="v")],
        title="t",
        y_title="y",
        spot=100.0,
        pct=5.0,
        marks=[Mark(price=96.0, label="in"), Mark(price=120.0, label="out")],
    )
    assert fig["data"][0]["x"] == [95.0, 100.0, 105.0]
    assert fig["data"][0]["y"] == [2.0, 3.0, 4.0]
    labels = [a["text"] for a in fig["layout"]["annotations"]]
    assert labels == ["spot", "in"]
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [100.0, 96.0]


def test_strike_chart_missing_column_draws_nothing_and_nan_is_a_gap() -> None:
    frame = _frame().with_columns(v=pl.Series([1.0, float("nan"), 3.0, 4.0, 5.0]))
    fig = strike_chart(
        frame,
        [Series(column="v", label="v"), Series(column="w", label="w")],
        title="t",
        y_title="y",
        spot=100.0,
        pct=None,
    )
    assert len(fig["data"]) == 1
    assert fig["data"][0]["y"][1] is None


def test_rate_chart_error_bars_are_the_interval_around_the_rate() -> None:
    rates = pl.DataFrame(
        {
            "group": ["a"],
            "n": [10],
            "hits": [4],
            "hit_rate": [0.4],
            "ci_low": [0.17],
            "ci_high": [0.69],
            "mean_r": [0.1],
        }
    )
    fig = rate_chart(rates, 0.5, title="t")
    bar = fig["data"][0]
    assert bar["x"] == ["a (n=10)"]
    assert bar["y"] == [pytest.approx(40.0)]
    assert bar["error_y"]["array"] == [pytest.approx(29.0)]
    assert bar["error_y"]["arrayminus"] == [pytest.approx(23.0)]
    assert fig["layout"]["shapes"][0]["y0"] == pytest.approx(50.0)
