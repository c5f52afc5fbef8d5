"""The priced chain's grouping helper: the distinct-key ranks ``np.unique`` gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from eots.greeks.frame import _group_ids


@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), max_size=200))
def test_group_ids_are_np_unique_inverse(values: list[int]) -> None:
    keys = np.asarray(values, dtype=np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    ids, n = _group_ids(keys)
    assert n == uniq.size
    assert ids.dtype == np.int64
    assert np.array_equal(ids, inverse)


def test_group_ids_repeated_keys_in_any_order() -> None:
    keys = np.array([30, 10, 30, 20, 10, 10], dtype=np.int64)
    ids, n = _group_ids(keys)
    assert n == 3
    assert ids.tolist() == [2, 0, 2, 1, 0, 0]
