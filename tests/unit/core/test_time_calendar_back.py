"""``sessions_back``: one binary search, the same answer as repeated ``previous_session``."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.core.time import nyse_calendar


@settings(max_examples=200, deadline=None)
@given(
    # 300 sessions back from 2007 stay inside the calendar (2005..2035)
    day=st.dates(min_value=dt.date(2007, 1, 1), max_value=dt.date(2034, 12, 31)),
    count=st.integers(0, 300),
)
def test_sessions_back_equals_repeated_previous_session(day: dt.date, count: int) -> None:
    cal = nyse_calendar()
    expected = day
    for _ in range(count):
        expected = cal.previous_session(expected)
    assert cal.sessions_back(day, count) == expected


def test_sessions_back_before_the_calendar_is_an_error() -> None:
    with pytest.raises(ValueError, match="no session"):
        nyse_calendar().sessions_back(dt.date(2005, 1, 10), 100)
