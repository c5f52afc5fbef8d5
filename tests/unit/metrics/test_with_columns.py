"""``metrics.frame._with_columns``: ``with_columns`` without its query, the same frame."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.metrics.frame import _with_columns

FRAME = pl.DataFrame({"a": [1, 2], "b": [0.5, 1.5], "c": ["x", "y"]})


@pytest.mark.parametrize(
    "output",
    [
        [pl.Series("d", [1.0, 2.0])],  # new columns only: appended
        [pl.Series("b", [9.0, 8.0]), pl.Series("d", [1.0, 2.0])],  # one replaced in place
        [pl.Series("d", [1.0, 2.0]), pl.Series("c", ["p", "q"]), pl.Series("a", [7, 8])],
        [],
    ],
)
def test_equals_with_columns(output: list[pl.Series]) -> None:
    assert_frame_equal(_with_columns(FRAME, output), FRAME.with_columns(output))


def test_repeated_names_are_refused_as_with_columns_refuses_them() -> None:
    twice = [pl.Series("d", [1.0, 2.0]), pl.Series("d", [3.0, 4.0])]
    with pytest.raises(pl.exceptions.ComputeError, match="duplicate"):
        _with_columns(FRAME, twice)


def test_a_column_of_another_height_is_refused() -> None:
    with pytest.raises(pl.exceptions.ShapeError):
        _with_columns(FRAME, [pl.Series("b", [1.0, 2.0, 3.0])])
