"""Panel ages: words, and STALE past the limit (not at it)."""

from __future__ import annotations

import datetime as dt

from eots.dashboard.freshness import freshness

T = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)


def test_freshness_stale_strictly_past_the_limit() -> None:
    assert not freshness(T, T + dt.timedelta(seconds=600), 600).stale
    late = freshness(T, T + dt.timedelta(seconds=601), 600)
    assert late.stale
    assert "STALE" in late.text
    assert late.age_s == 601


def test_freshness_future_quote_is_said_not_negative() -> None:
    f = freshness(T, T - dt.timedelta(seconds=5), 600)
    assert "after the clock" in f.text
    assert not f.stale


def test_dashboard_doctests_pass() -> None:
    import doctest

    from eots.dashboard import auth, figures, freshness
    from eots.dashboard.views import common

    for module in (auth, figures, freshness, common):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0, module.__name__
