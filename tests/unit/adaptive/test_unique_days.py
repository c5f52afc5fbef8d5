"""``unique_days`` is ``np.unique(..., return_inverse=True)`` of integer days, dense or sparse."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.adaptive.dte import unique_days


@settings(max_examples=80, deadline=None)
@given(days=st.lists(st.one_of(st.integers(-5, 400), st.integers(-(10**9), 10**9)), max_size=60))
def test_unique_days_equal_np_unique(days: list[int]) -> None:
    dte = np.array(days, dtype=np.intp)
    want_days, want_inverse = np.unique(dte, return_inverse=True)
    got_days, got_inverse = unique_days(dte)
    assert got_days.dtype == dte.dtype
    assert np.array_equal(got_days, want_days)
    assert np.array_equal(got_inverse, want_inverse.reshape(-1))
