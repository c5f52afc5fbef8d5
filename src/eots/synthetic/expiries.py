"""The listed expiry schedule of a synthetic underlying: which (root, expiry date) series exist.

Index underlyings with an AM root (SPX) list their PM root (SPXW) on every session for the first
``daily_sessions`` sessions, on the last session of each week for ``weekly_weeks`` weeks, on the
third Friday of each month for ``monthly_months`` months, on the last session of each quarter for
``quarterly_years`` years and on the December third Friday out to ``leaps_years``; the AM root
(SPX) lists the third-Friday monthlies, the March/June/September/December third Fridays out to
``quarterly_years`` and the December LEAPS. Both roots therefore share every third Friday. Every
expiry is an XNYS session: a holiday Friday (Good Friday) moves to the session before it. ETFs and
single names (SPY) list the same dates on their one PM root.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from eots.core.time import nyse_calendar
from eots.core.types import underlying_spec
from eots.synthetic.params import SyntheticParams

#: The PM root that carries the dailies, for underlyings with several PM roots.
_DAILY_ROOT = {"SPX": "SPXW", "NDX": "NDXP", "RUT": "RUTW"}
_QUARTER_MONTHS = (3, 6, 9, 12)


class ExpiryKind(StrEnum):
    """The most significant cycle an expiry belongs to (drives open interest)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    LEAPS = "leaps"


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedSeries:
    """One listed (root, expiry) series."""

    root: str
    expiry: dt.date
    kind: ExpiryKind


def listed_expiries(params: SyntheticParams, day: dt.date) -> tuple[ListedSeries, ...]:
    """Return the series listed on session ``day``, sorted by expiry then root.

    Expired series are not removed here; the caller drops those settled at or before ``as_of``.

    Examples
    --------
    >>> series = listed_expiries(SyntheticParams(), dt.date(2025, 4, 14))
    >>> [(s.root, s.expiry.isoformat(), s.kind.value) for s in series if s.expiry.month == 4
    ...  and s.expiry.day in (17, 18)]
    [('SPX', '2025-04-17', 'monthly'), ('SPXW', '2025-04-17', 'monthly')]
    """
    spec = underlying_spec(params.symbol)
    pm_root = _DAILY_ROOT.get(spec.symbol) or min(spec.pm_roots or {spec.symbol})
    sessions = _sessions_from(day, years=max(params.leaps_years, params.quarterly_years) + 1)
    dailies = set(sessions[: params.daily_sessions])
    weeklies = _weekly(sessions, day, params.weekly_weeks)
    monthlies = {_third_friday(y, m, sessions) for y, m in _months(day, params.monthly_months)}
    q_months = [
        (y, m) for y, m in _months(day, int(12 * params.quarterly_years)) if m in _QUARTER_MONTHS
    ]
    quarter_am = {_third_friday(y, m, sessions) for y, m in q_months}
    quarter_pm = {_last_session(y, m, sessions) for y, m in q_months}
    leaps = {
        _third_friday(y, 12, sessions)
        for y, m in _months(day, int(12 * params.leaps_years))
        if m == 12
    }
    pm = _with_kinds(dailies, weeklies, monthlies, quarter_pm, leaps)
    series = [ListedSeries(root=pm_root, expiry=d, kind=k) for d, k in pm.items() if d >= day]
    if spec.am_roots:
        am_root = min(spec.am_roots)
        am = _with_kinds(set(), set(), monthlies, quarter_am, leaps)
        series += [ListedSeries(root=am_root, expiry=d, kind=k) for d, k in am.items() if d >= day]
    return tuple(sorted(series, key=lambda s: (s.expiry, s.root)))


def _with_kinds(*cycles: set[dt.date]) -> dict[dt.date, ExpiryKind]:
    # Later cycles (monthly, quarterly, LEAPS) override earlier ones for dates in both.
    out: dict[dt.date, ExpiryKind] = {}
    for kind, dates in zip(ExpiryKind, cycles, strict=True):
        out.update(dict.fromkeys(dates, kind))
    return out


def _sessions_from(day: dt.date, *, years: float) -> list[dt.date]:
    cal = nyse_calendar()
    start = np.datetime64(day, "D")
    end = start + np.timedelta64(int(366 * years), "D")
    inside = cal.dates[(cal.dates >= start) & (cal.dates <= end)]
    out = [dt.date.fromisoformat(str(d)) for d in inside]
    # Beyond the calendar's range (2035) every weekday counts as a session.
    last = out[-1] if out else day - dt.timedelta(days=1)
    d = last + dt.timedelta(days=1)
    while d <= dt.date.fromisoformat(str(end)):
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _months(day: dt.date, n: int) -> list[tuple[int, int]]:
    return [(day.year + (day.month - 1 + i) // 12, (day.month - 1 + i) % 12 + 1) for i in range(n)]


def _on_or_before(target: dt.date, sessions: list[dt.date]) -> dt.date:
    arr = np.array(sessions, dtype="datetime64[D]")
    i = int(np.searchsorted(arr, np.datetime64(target, "D"), side="right")) - 1
    return sessions[max(i, 0)]


def _third_friday(year: int, month: int, sessions: list[dt.date]) -> dt.date:
    first = dt.date(year, month, 1)
    friday = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
    return _on_or_before(friday, sessions)


def _last_session(year: int, month: int, sessions: list[dt.date]) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return _on_or_before(nxt - dt.timedelta(days=1), sessions)


def _weekly(sessions: list[dt.date], day: dt.date, weeks: int) -> set[dt.date]:
    if weeks == 0:
        return set()
    monday = day - dt.timedelta(days=day.weekday())
    week_of = np.array([(s - monday).days // 7 for s in sessions])
    dates: NDArray[np.object_] = np.array(sessions, dtype=object)
    out: set[dt.date] = set()
    for w in range(weeks):
        in_week = dates[week_of == w]
        if len(in_week):
            out.add(in_week[-1])
    return out
