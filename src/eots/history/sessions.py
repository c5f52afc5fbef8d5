"""Which stored snapshots a context needs.

The current session's latest ones, prior sessions'
end-of-day snapshots and prior weeks' last ones, chosen from refs (file names) alone.

End of day of a session: its last snapshot quoted at or before the session close (13:00 ET on half
days), as ``SnapshotStore.end_of_day``. A prior week's last snapshot: the latest end-of-day
snapshot among the sessions of one ISO week (Monday to Sunday), for weeks before the week of the
current session.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from eots.core.time import nyse_calendar
from eots.storage.snapshots import SnapshotRef


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRefs:
    """Refs of the current session (oldest first, one per ``ts_event``) and of prior EODs."""

    current: tuple[SnapshotRef, ...]
    end_of_day: tuple[SnapshotRef, ...]  # one per prior session, oldest first


def sessions_before(session: dt.date, count: int) -> dt.date:
    """Return the session ``count`` sessions before ``session`` (``session`` itself for 0)."""
    return nyse_calendar().sessions_back(session, count)


def session_open(session: dt.date) -> dt.datetime:
    """Return the UTC open of ``session`` (midnight UTC of the day when it is no session)."""
    bounds = nyse_calendar().session_bounds(session)
    if bounds is None:
        return dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    return bounds[0]


def in_time_order(refs: Sequence[SnapshotRef]) -> bool:
    """Return whether each ref is quoted strictly after the one before it.

    Such refs are sorted (``SnapshotRef`` orders by quote time first) and no two share a quote
    time.
    """
    return all(a.ts_event < b.ts_event for a, b in pairwise(refs))


def split_refs(refs: Sequence[SnapshotRef], session: dt.date) -> SessionRefs:
    """Split visible refs into the current session's and prior sessions' end-of-day refs.

    Several refs quoted at one instant keep the one captured last (as ``SnapshotStore.latest``).
    """
    # refs quoted strictly one after another (a fold's, a store's listing) are in ref order
    # already, one per quote time: no sort (a session's refs are compared field by field)
    timed = in_time_order(refs)
    by_session: dict[dt.date, dict[dt.datetime, SnapshotRef]] = defaultdict(dict)
    for ref in refs if timed else sorted(refs):
        by_session[ref.session][ref.ts_event] = ref
    kept = by_session.get(session, {}).values()
    current = tuple(kept) if timed else tuple(sorted(kept))
    cal = nyse_calendar()
    eod = []
    for day in sorted(d for d in by_session if d < session):
        bounds = cal.session_bounds(day)
        if bounds is None:
            continue
        closing = [r for r in by_session[day].values() if r.ts_event <= bounds[1]]
        if closing:
            eod.append(max(closing))
    return SessionRefs(current=current, end_of_day=tuple(eod))


def weekly_refs(
    end_of_day: Sequence[SnapshotRef], session: dt.date, weeks: int
) -> tuple[SnapshotRef, ...]:
    """Return the last end-of-day ref of each of the ``weeks`` ISO weeks before ``session``'s."""
    this_week = session.isocalendar()[:2]
    last: dict[tuple[int, int], SnapshotRef] = {}
    for ref in end_of_day:
        week = ref.session.isocalendar()[:2]
        if week < this_week:
            last[week] = max(ref, last.get(week, ref))
    return tuple(last[w] for w in sorted(last)[-weeks:]) if weeks else ()


__all__ = [
    "SessionRefs",
    "in_time_order",
    "session_open",
    "sessions_before",
    "split_refs",
    "weekly_refs",
]
