"""The only module that reads the wall clock (used by live polling and `ts_recv` stamps)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time (timezone-aware, UTC)."""

    def now(self) -> dt.datetime:
        """Return the current instant."""
        ...


class LiveClock:
    """The real wall clock."""

    def now(self) -> dt.datetime:
        """Return the current UTC instant."""
        return dt.datetime.now(dt.UTC)  # noqa: TID251 - the one sanctioned clock read


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one instant (tests, replay)."""

    instant: dt.datetime

    def now(self) -> dt.datetime:
        """Return the fixed instant."""
        return self.instant
