"""VRI 2.0's surface dynamics: the IVs read as arrays equal the polars filter and sort."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.adaptive import surface
from eots.chain.schema import UTC_US

T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)


def _by_polars(iv_intraday: pl.DataFrame, as_of: dt.datetime) -> list[float]:
    series = (
        iv_intraday.filter(pl.col("ts_event") <= as_of)
        .sort("ts_event", maintain_order=True)
        .get_column("atm_iv")
        .to_list()
    )
    return [v for v in series if v is not None and math.isfinite(v) and v > 0]


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 20), min_size=0, max_size=12),
    ivs=st.lists(
        st.one_of(
            st.none(), st.sampled_from([math.nan, math.inf, 0.0, -0.1]), st.floats(0.05, 0.8)
        ),
        min_size=12,
        max_size=12,
    ),
    at=st.integers(-1, 21),
    ordered=st.booleans(),
)
def test_known_ivs_as_arrays_equal_the_filter_and_sort(
    minutes: list[int], ivs: list[float | None], at: int, ordered: bool
) -> None:
    """Strictly increasing stamps are read as arrays; others (ties, disorder) by polars."""
    if ordered:
        minutes = sorted(set(minutes))
    frame = pl.DataFrame(
        {
            "ts_event": pl.Series([T0 + dt.timedelta(minutes=m) for m in minutes], dtype=UTC_US),
            "atm_iv": pl.Series(ivs[: len(minutes)], dtype=pl.Float64),
        }
    )
    as_of = T0 + dt.timedelta(minutes=at)
    got = surface._known_ivs(frame, as_of)
    stamps = np.array(minutes)
    kept = stamps[stamps <= at]
    if not (kept[1:] > kept[:-1]).all():
        return  # ties: polars' own sort decides the order of equal stamps
    assert got == _by_polars(frame, as_of)
    assert all(type(v) is float for v in got)
