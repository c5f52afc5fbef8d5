"""Small synthetic sessions for the engine and replay tests (a few hundred contracts each)."""

from __future__ import annotations

import datetime as dt
from functools import cache

from eots.chain.snapshot import ChainSnapshot
from eots.synthetic import SyntheticParams, synthetic_session

SMALL = SyntheticParams(
    underlying="SPY",
    seed=11,
    leaps_years=0,
    quarterly_years=0,
    monthly_months=1,
    weekly_weeks=2,
    daily_sessions=3,
)
DAYS = (dt.date(2024, 3, 11), dt.date(2024, 3, 12), dt.date(2024, 3, 13))


@cache
def sessions(every_minutes: int = 60) -> tuple[ChainSnapshot, ...]:
    """Three sessions of hourly snapshots of a small SPY listing."""
    out: list[ChainSnapshot] = []
    for day in DAYS:
        out += synthetic_session(SMALL, session=day, every=dt.timedelta(minutes=every_minutes))
    return tuple(out)
