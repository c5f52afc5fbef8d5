"""``keyed_columns`` reads what a left join on the keys reads, on its fast path and off it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.adaptive.inputs import keyed_columns
from eots.metrics.arrays import Masked, from_series

SETTLE = pl.Enum(["AM", "PM"])
DAY = dt.date(2024, 1, 5)


def _joined(
    frame: pl.DataFrame, table: pl.DataFrame, on: list[str], cols: list[str]
) -> list[Masked]:
    matched = frame.select(on).join(table, on=on, how="left", maintain_order="left")
    return [from_series(matched.get_column(c)) for c in cols]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 60),
    m=st.integers(1, 8),
    settlement=st.sampled_from(["enum", "string", "none"]),
)
def test_keyed_columns_equal_the_left_join(seed: int, n: int, m: int, settlement: str) -> None:
    rng = np.random.default_rng(seed)
    days = [DAY + dt.timedelta(days=int(d)) for d in rng.integers(-3, 6, n)]
    frame = pl.DataFrame({"expiry": days}, schema={"expiry": pl.Date})
    table_days = [DAY + dt.timedelta(days=int(d)) for d in rng.integers(-3, 6, m)]
    value = rng.normal(size=m)
    value[rng.random(m) < 0.2] = np.nan
    table = pl.DataFrame(
        {"expiry": table_days, "x": value, "y": rng.normal(size=m)},
        schema={"expiry": pl.Date, "x": pl.Float64, "y": pl.Float64},
    ).with_columns(pl.when(pl.col("y") > 1).then(None).otherwise(pl.col("y")).alias("y"))
    on = ["expiry"]
    if settlement != "none":
        dtype = SETTLE if settlement == "enum" else pl.String
        frame = frame.with_columns(
            pl.Series("settlement", rng.choice(["AM", "PM"], n).tolist(), dtype=dtype)
        )
        table = table.with_columns(
            pl.Series("settlement", rng.choice(["AM", "PM"], m).tolist(), dtype=dtype)
        )
        on.append("settlement")
    table = table.unique(subset=on, keep="first", maintain_order=True)  # one row per key
    got = keyed_columns(frame, table, on, ["x", "y"])
    want = _joined(frame, table.select(*on, "x", "y"), on, ["x", "y"])
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g.null, w.null)
        assert np.array_equal(g.v, w.v, equal_nan=True)
