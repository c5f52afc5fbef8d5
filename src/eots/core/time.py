"""Time conventions: the NYSE session calendar, settlement instants, year fractions, quote time.

Conventions (see docs/conventions.md):

* Time to expiry is calendar time, ACT/365, from ``as_of`` to the contract's settlement instant:
  the session close (16:00 ET, or the early close on half days) for PM-settled series, the 09:30 ET
  open for AM-settled monthlies. Sessions, holidays and half days come from exchange_calendars'
  XNYS calendar, built once for 2005..2035 (never from the wall clock). Expiries outside that
  range use 16:00 / 09:30 ET.
* A file's "Date:" line is a download time, not necessarily the quote time. ``quote_time``
  maps a download time to the instant the quotes belong to: the download time itself when it falls
  inside a session, otherwise the close of the latest session at or before it (after the close,
  weekends, holidays and pre-market downloads all hold the previous session's quotes).

Only numpy arrays cross this module's boundary; pandas stays inside the calendar adapter.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import warnings
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from eots.core.types import Settlement

ET = ZoneInfo("America/New_York")
UTC = dt.UTC
SECONDS_PER_YEAR = 365.0 * 86400.0
_CAL_START = "2005-01-01"
_CAL_END = "2035-12-31"


@dataclass(frozen=True, slots=True)
class SessionCalendar:
    """NYSE sessions as numpy arrays: dates and UTC open/close instants (microseconds)."""

    dates: NDArray[np.datetime64]  # datetime64[D], ascending
    opens: NDArray[np.datetime64]  # datetime64[us], UTC
    closes: NDArray[np.datetime64]  # datetime64[us], UTC

    def is_session(self, day: dt.date) -> bool:
        """Return whether ``day`` is a trading session."""
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D")))
        return i < len(self.dates) and self.dates[i] == np.datetime64(day, "D")

    def covers(self, day: dt.date) -> bool:
        """Return whether ``day`` lies inside the calendar's range."""
        d = np.datetime64(day, "D")
        return bool(self.dates[0] <= d <= self.dates[-1])

    def session_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """Return (open, close) in UTC for a session date, or None if it is not a session."""
        d = np.datetime64(day, "D")
        i = int(np.searchsorted(self.dates, d))
        if i >= len(self.dates) or self.dates[i] != d:
            return None
        return _to_datetime(self.opens[i]), _to_datetime(self.closes[i])

    def previous_session(self, day: dt.date) -> dt.date:
        """Return the latest session strictly before ``day``."""
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D"))) - 1
        if i < 0:
            raise ValueError(f"no session before {day} in the calendar")
        return _to_date(self.dates[i])

    def sessions_back(self, day: dt.date, count: int) -> dt.date:
        """Return the session ``count`` sessions before ``day`` (``day`` itself for 0).

        One binary search, the same answer as ``count`` calls of ``previous_session`` (a day that
        is no session counts from the session before it).

        Examples
        --------
        >>> nyse_calendar().sessions_back(dt.date(2024, 3, 11), 1)  # a Monday
        datetime.date(2024, 3, 8)
        """
        if count <= 0:
            return day
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D"))) - count
        if i < 0:
            raise ValueError(f"no session {count} sessions before {day} in the calendar")
        return _to_date(self.dates[i])

    def next_session(self, day: dt.date) -> dt.date:
        """Return the earliest session strictly after ``day``."""
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D"), side="right"))
        if i >= len(self.dates):
            raise ValueError(f"no session after {day} in the calendar")
        return _to_date(self.dates[i])


def _to_datetime(x: np.datetime64) -> dt.datetime:
    us = int(x.astype("datetime64[us]").astype(np.int64))
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=us)


def _to_date(x: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(x.astype("datetime64[D]")))


@lru_cache(maxsize=1)
def nyse_calendar() -> SessionCalendar:
    """Return the XNYS session calendar, 2005..2035.

    Building it means importing exchange_calendars and pandas (~0.45 s), so the arrays are kept
    in a cache file keyed by the installed exchange_calendars version (``calendar_cache_path``);
    a missing, unreadable or stale cache is rebuilt from exchange_calendars.
    """
    path = calendar_cache_path()
    cached = _read_cache(path) if path is not None else None
    if cached is not None:
        return cached
    calendar = _build_calendar()
    if path is not None:
        _write_cache(path, calendar)
    return calendar


def calendar_cache_path() -> Path | None:
    """Return the calendar cache file (None when exchange_calendars is not installed).

    The folder follows the platform convention: ``$XDG_CACHE_HOME/eots`` or ``~/.cache/eots``.
    """
    try:
        version = metadata.version("exchange_calendars")
    except metadata.PackageNotFoundError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eots" / f"xnys_{_CAL_START}_{_CAL_END}_xcals{version}.npz"


def _read_cache(path: Path) -> SessionCalendar | None:
    try:
        with np.load(path) as data:
            calendar = SessionCalendar(
                dates=data["dates"].astype("datetime64[D]"),
                opens=data["opens"].astype("datetime64[us]"),
                closes=data["closes"].astype("datetime64[us]"),
            )
    except (OSError, KeyError, ValueError):
        return None
    ok = len(calendar.dates) > 0 and len(calendar.dates) == len(calendar.opens)
    return calendar if ok and len(calendar.opens) == len(calendar.closes) else None


def _write_cache(path: Path, calendar: SessionCalendar) -> None:
    # A cache that cannot be written (read-only home, full disk) only costs the rebuild time.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, dates=calendar.dates, opens=calendar.opens, closes=calendar.closes)
        os.replace(tmp, path)
    except OSError:
        return


def _build_calendar() -> SessionCalendar:
    import exchange_calendars as xc  # slow import (~0.3 s), deferred until a session is needed

    with warnings.catch_warnings():
        # exchange_calendars itself trips pandas' deprecation warnings; they are not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xc.get_calendar("XNYS", start=_CAL_START, end=_CAL_END)
        sched = cal.schedule
    dates = sched.index.to_numpy().astype("datetime64[D]")
    opens = sched["open"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    closes = sched["close"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    return SessionCalendar(
        dates=dates, opens=opens.astype("datetime64[us]"), closes=closes.astype("datetime64[us]")
    )


def settlement_instant(expiry: dt.date, settlement: Settlement) -> dt.datetime:
    """Return the UTC instant at which a contract expiring on ``expiry`` settles.

    Examples
    --------
    >>> settlement_instant(dt.date(2023, 4, 5), Settlement.PM).isoformat()
    '2023-04-05T20:00:00+00:00'
    >>> settlement_instant(dt.date(2023, 11, 24), Settlement.PM).isoformat()  # half day
    '2023-11-24T18:00:00+00:00'
    >>> settlement_instant(dt.date(2023, 4, 21), Settlement.AM).isoformat()
    '2023-04-21T13:30:00+00:00'
    """
    cal = nyse_calendar()
    bounds = cal.session_bounds(expiry) if cal.covers(expiry) else None
    if bounds is not None:
        return bounds[0] if settlement is Settlement.AM else bounds[1]
    local = dt.time(9, 30) if settlement is Settlement.AM else dt.time(16, 0)
    return dt.datetime.combine(expiry, local, tzinfo=ET).astimezone(UTC)


class TimeBasis(StrEnum):
    """How a snapshot's quote time (``ts_event``) was obtained."""

    SOURCE = "source"  # the source stated the quote time
    INTRADAY_DOWNLOAD = "intraday_download"  # download time inside a session
    SESSION_CLOSE = "session_close"  # download outside a session: the previous close
    OVERRIDE = "override"  # the user passed --as-of


@dataclass(frozen=True, slots=True)
class QuoteTime:
    """The instant quotes belong to, the session it falls in, and how it was inferred."""

    ts: dt.datetime
    session: dt.date
    basis: TimeBasis

    def describe(self) -> str:
        """Return a one-line human description."""
        local = self.ts.astimezone(ET).strftime("%Y-%m-%d %H:%M %Z")
        text = {
            TimeBasis.SOURCE: "quote time stated by the source",
            TimeBasis.INTRADAY_DOWNLOAD: "download time (inside the session)",
            TimeBasis.SESSION_CLOSE: f"close of session {self.session} (download outside hours)",
            TimeBasis.OVERRIDE: "--as-of override",
        }[self.basis]
        return f"{local}: {text}"


def quote_time(download: dt.datetime) -> QuoteTime:
    """Map a download (or capture) time to the instant its quotes belong to.

    Examples
    --------
    >>> sat = dt.datetime(2023, 5, 6, 20, 40, tzinfo=ET)
    >>> q = quote_time(sat)
    >>> (q.session.isoformat(), q.basis.value, q.ts.astimezone(ET).hour)
    ('2023-05-05', 'session_close', 16)
    >>> q = quote_time(dt.datetime(2023, 6, 9, 13, 40, tzinfo=ET))
    >>> (q.basis.value, q.ts.astimezone(ET).strftime("%H:%M"))
    ('intraday_download', '13:40')
    """
    if download.tzinfo is None:
        raise ValueError(f"expected a timezone-aware download time, was {download!r}")
    cal = nyse_calendar()
    day = download.astimezone(ET).date()
    bounds = cal.session_bounds(day)
    if bounds is not None:
        open_, close = bounds
        if open_ <= download <= close:
            return QuoteTime(download.astimezone(UTC), day, TimeBasis.INTRADAY_DOWNLOAD)
        if download > close:
            return QuoteTime(close, day, TimeBasis.SESSION_CLOSE)
    prev = cal.previous_session(day)
    prev_bounds = cal.session_bounds(prev)
    assert prev_bounds is not None
    return QuoteTime(prev_bounds[1], prev, TimeBasis.SESSION_CLOSE)


def session_of(ts: dt.datetime) -> dt.date:
    """Return the session an instant belongs to (the latest session opened at or before it)."""
    cal = nyse_calendar()
    day = ts.astimezone(ET).date()
    bounds = cal.session_bounds(day)
    if bounds is not None and ts >= bounds[0]:
        return day
    return cal.previous_session(day)


def year_fraction(as_of: dt.datetime, settle_us: NDArray[np.int64]) -> NDArray[np.float64]:
    """Return ACT/365 year fractions from ``as_of`` to settlement instants (epoch microseconds).

    Examples
    --------
    >>> t0 = dt.datetime(2023, 4, 5, 20, tzinfo=UTC)
    >>> float(year_fraction(t0, np.array([to_epoch_us(t0) + 86_400_000_000]))[0]) * 365
    1.0
    """
    delta_us = settle_us.astype(np.float64) - float(to_epoch_us(as_of))
    return delta_us / (SECONDS_PER_YEAR * 1e6)


def to_epoch_us(ts: dt.datetime) -> int:
    """Return microseconds since the Unix epoch for an aware datetime."""
    if ts.tzinfo is None:
        raise ValueError(f"expected a timezone-aware time, was {ts!r}")
    delta = ts - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
