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


def test_remembered_rows_follow_the_keys_not_the_values() -> None:
    """Equal keys reuse their rows; new values are read, other keys are matched again."""
    frame = pl.DataFrame(
        {"expiry": [DAY, DAY + dt.timedelta(days=1), DAY], "settlement": ["PM", "AM", "AM"]},
        schema={"expiry": pl.Date, "settlement": SETTLE},
    )
    on = ["expiry", "settlement"]
    table = pl.DataFrame(
        {"expiry": [DAY, DAY, DAY + dt.timedelta(days=1)], "settlement": ["AM", "PM", "AM"]},
        schema={"expiry": pl.Date, "settlement": SETTLE},
    )
    for values, order in (
        ([1.0, 2.0, 3.0], False),
        ([4.0, 5.0, 6.0], False),
        ([7.0, 8.0, 9.0], True),
    ):
        t = table.with_columns(x=pl.Series(values))
        if order:
            t = t.reverse()
        got = keyed_columns(frame, t, on, ["x"])[0]
        want = _joined(frame, t, on, ["x"])[0]
        assert got.v.tolist() == want.v.tolist()
        assert got.null.tolist() == want.null.tolist()
