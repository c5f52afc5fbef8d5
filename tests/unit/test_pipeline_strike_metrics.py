"""The base and adaptive strike frames side by side: what the left join on the strike keys gives."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from eots.adaptive.mspi_enhanced import mspi_enhanced
from eots.metrics import BaseMetrics
from eots.pipeline import _strike_metrics, analyze
from eots.synthetic import SyntheticParams, synthetic_chain

AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def _joined(metrics: BaseMetrics, adaptive_strikes: pl.DataFrame) -> pl.DataFrame:
    base = metrics.strikes
    keys = [c for c in ("expiry", "strike") if c in base.columns]
    extra = [c for c in adaptive_strikes.columns if c not in base.columns]
    joined = base.join(
        adaptive_strikes.select(*keys, *extra), on=keys, how="left", maintain_order="left"
    )
    return joined.with_columns(mspi_enhanced(joined, metrics.mspi_weights))


def test_strike_metrics_equal_the_left_join_in_either_row_order() -> None:
    analysis = analyze(synthetic_chain(SyntheticParams(), as_of=AS_OF))
    metrics, adaptive = analysis.metrics, analysis.adaptive
    assert adaptive.strikes.height > 1
    assert_frame_equal(_strike_metrics(metrics, adaptive), _joined(metrics, adaptive.strikes))
    reversed_rows = dataclasses.replace(adaptive, strikes=adaptive.strikes.reverse())
    assert_frame_equal(
        _strike_metrics(metrics, reversed_rows), _joined(metrics, reversed_rows.strikes)
    )
