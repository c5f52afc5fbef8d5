"""``core.frames``: columns read and compared without a query give the query's answers."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.frames import equal_on, select_columns

A = pl.DataFrame(
    {"k": [1, 2, 3], "x": [0.5, float("nan"), None], "s": ["a", None, "c"], "z": [9, 9, 9]}
)


def test_select_columns_is_select() -> None:
    assert_frame_equal(select_columns(A, ["s", "k"]), A.select("s", "k"))
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        select_columns(A, ["missing"])


@pytest.mark.parametrize(
    ("b", "on", "expected"),
    [
        (A.clone(), ["k", "x", "s"], True),  # a NaN equals a NaN, a null a null
        (A.with_columns(z=pl.lit(0)), ["k", "x", "s"], True),  # other columns do not count
        (A.with_columns(z=pl.lit(0)), ["k", "z"], False),
        (A.with_columns(pl.col("x").fill_nan(None)), ["x"], False),  # NaN is not null
        (A.with_columns(pl.col("k").cast(pl.Int32)), ["k"], False),  # same values, other dtype
        (A.head(2), ["k"], False),
        (A, [], True),
    ],
)
def test_equal_on(b: pl.DataFrame, on: list[str], expected: bool) -> None:
    assert equal_on(A, b, on) is expected
    if b.height == A.height and all(A.schema[c] == b.schema[c] for c in on):
        assert A.select(on).equals(b.select(on)) is expected  # the query's answer
