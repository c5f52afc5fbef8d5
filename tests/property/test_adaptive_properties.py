"""Properties of the adaptive metrics (hypothesis): strike-level row-order invariance, ranges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.adaptive import adaptive_metrics
from eots.core.time import ET
from eots.metrics import (
    CONTRACT_METRIC_COLUMNS,
    FLOW_LABEL_COLUMNS,
    MetricInputs,
    base_metrics,
)
from eots.pipeline import analyze
from eots.synthetic import SyntheticParams, synthetic_chain

AS_OF = dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET)


def _frame() -> tuple[pl.DataFrame, MetricInputs]:
    snapshot = synthetic_chain(SyntheticParams(), as_of=AS_OF)
    near = snapshot.frame.filter(
        ((pl.col("strike") / snapshot.spot - 1).abs() <= 0.02)
        & (pl.col("expiry") <= AS_OF.date() + dt.timedelta(days=20))
    )
    metrics = analyze(dataclasses.replace(snapshot, frame=near)).metrics
    computed = set(CONTRACT_METRIC_COLUMNS) | set(FLOW_LABEL_COLUMNS)
    frame = metrics.contracts.drop([c for c in metrics.contracts.columns if c in computed])
    return frame, MetricInputs(as_of=AS_OF, spot=snapshot.spot)


FRAME, INPUTS = _frame()
REFERENCE = adaptive_metrics(base_metrics(FRAME, INPUTS), FRAME, None, INPUTS)


@settings(max_examples=15)
@given(st.randoms(use_true_random=False))
def test_adaptive_strikes_do_not_depend_on_row_order(rnd: random.Random) -> None:
    order = list(range(FRAME.height))
    rnd.shuffle(order)
    shuffled = FRAME[order]
    out = adaptive_metrics(base_metrics(shuffled, INPUTS), shuffled, None, INPUTS)
    assert_frame_equal(out.strikes, REFERENCE.strikes, rel_tol=1e-9, abs_tol=1e-9)
    # per contract: the same values, permuted with the rows
    assert_frame_equal(out.contracts, REFERENCE.contracts[order], rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=15)
@given(st.floats(0.5, 2.0), st.floats(0.0, 1.0))
def test_adaptive_conviction_in_unit_interval_and_stars_in_range(scale: float, drop: float) -> None:
    frame = FRAME.with_columns(pl.col("dxoi") * scale).head(max(5, int(FRAME.height * (1 - drop))))
    out = adaptive_metrics(base_metrics(frame, INPUTS), frame, None, INPUTS)
    for table in (out.contracts, out.strikes):
        score = table.get_column("sdag_conviction_score").drop_nans()
        assert score.is_between(0.0, 1.0).all()
        assert table.get_column("sdag_conviction_stars").drop_nulls().is_between(0, 5).all()
