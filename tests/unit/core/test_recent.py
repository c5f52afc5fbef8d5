"""``Recent``: remembered answers come back only for equal keys, the oldest are dropped."""

from __future__ import annotations

import polars as pl
import pytest

from eots.adaptive.inputs import matched_rows, same_frame
from eots.adaptive.pieces import unique_keys
from eots.core.recent import Recent


def test_a_value_comes_back_only_for_an_equal_key() -> None:
    seen: Recent[list[int], str | None] = Recent(3, lambda a, b: a == b)
    seen.remember([1], "one")
    seen.remember([2], None)
    assert seen.lookup([1]) == ("one",)
    assert seen.lookup([2]) == (None,)  # a remembered None is not a miss
    assert seen.lookup([3]) is None


def test_the_newest_wins_and_the_oldest_goes() -> None:
    seen: Recent[int, str] = Recent(2, lambda a, b: a == b)
    seen.remember(1, "old")
    seen.remember(1, "new")
    assert seen.lookup(1) == ("new",)
    seen.remember(2, "two")
    assert seen.lookup(1) == ("new",)  # the newest pair of key 1 is still kept
    seen.remember(3, "three")
    assert seen.lookup(1) is None  # now beyond size 2
    assert seen.lookup(2) == ("two",)


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size >= 1"):
        Recent(0, lambda a, b: a == b)


def test_same_frame_compares_schema_height_and_values() -> None:
    a = pl.DataFrame({"k": [1, 2]})
    assert same_frame(a, pl.DataFrame({"k": [1, 2]}))
    assert not same_frame(a, pl.DataFrame({"k": [1, 3]}))
    assert not same_frame(a, pl.DataFrame({"k": [1.0, 2.0]}))
    assert not same_frame(a, pl.DataFrame({"k": [1, 2, 3]}))


def test_remembered_answers_follow_the_input() -> None:
    keys = pl.DataFrame({"k": [1, 2, 3]})
    assert unique_keys(keys)
    assert unique_keys(keys.clone())  # remembered
    assert not unique_keys(pl.DataFrame({"k": [1, 2, 2]}))  # not equal: answered again
    table = pl.DataFrame({"k": [3, 1]})
    for other, rows in (
        (table, [1, -1, 0]),
        (pl.DataFrame({"k": [1, 2]}), [0, 1, -1]),
        (table, [1, -1, 0]),
    ):
        got = matched_rows(keys, other)
        assert got is not None
        assert got.tolist() == rows
    assert matched_rows(keys, pl.DataFrame({"k": [1, 1]})) is None  # a key matched twice
