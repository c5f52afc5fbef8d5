"""The NumPy ``flow_totals`` equals the reference polars group-by on random increments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.chain.schema import UTC_US
from eots.flows import flow_totals
from eots.flows.schema import INCREMENT_SCHEMA, SIDE_COLUMNS, FlowReason, FlowSource
from oracles.flow_totals_reference import flow_totals_reference

AS_OF = dt.datetime(2024, 3, 13, 18, 0, tzinfo=dt.UTC)


def _events(seed: int, n: int, contracts: int, nan_share: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.integers(0, contracts, n)
    minutes = rng.integers(0, 120, n)
    unknown = rng.random(n) < 0.2
    data: dict[str, object] = {
        "root": ["SPXW" if i % 3 else "SPX" for i in k],
        "expiry": [dt.date(2024, 3, 13 + int(i % 2)) for i in k],
        "strike": (5000 + 5 * (k // 2)).astype(float),
        "right": ["C" if i % 2 else "P" for i in k],
        "symbol": [f"S{i}-{m}" for i, m in zip(k, minutes, strict=True)],
    }
    for c in SIDE_COLUMNS:
        v = rng.normal(0, 10, n)
        v[rng.random(n) < nan_share] = np.nan
        data[c] = v
    data["flow_source"] = [
        FlowSource.NONE.value if u else FlowSource.INFERRED_SNAPSHOTS.value for u in unknown
    ]
    data["flow_reason"] = [
        (FlowReason.NO_PRICE.value if i % 2 else FlowReason.NO_QUOTE.value) if u else None
        for i, u in zip(minutes, unknown, strict=True)
    ]
    frame = pl.DataFrame(data).cast(dict(INCREMENT_SCHEMA))  # type: ignore[arg-type]
    stamps = [AS_OF - dt.timedelta(minutes=int(m)) for m in minutes]
    return frame.with_columns(ts=pl.Series(stamps, dtype=UTC_US))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 400),
    contracts=st.integers(1, 30),
    nan_share=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_numpy_flow_totals_equal_the_reference(
    seed: int, n: int, contracts: int, nan_share: float
) -> None:
    events = _events(seed, n, contracts, nan_share)
    assert_frame_equal(flow_totals(events, AS_OF), flow_totals_reference(events, AS_OF))


def test_flow_totals_window_membership_is_strictly_after_the_window_start() -> None:
    events = _events(3, 50, 4, 0.0)
    edge = events.with_columns(ts=pl.lit(AS_OF - dt.timedelta(minutes=5)).cast(UTC_US))
    got = flow_totals(edge, AS_OF)
    assert got.get_column("volmbs_5m").is_nan().all()
    assert not got.get_column("volmbs_15m").is_nan().any()
