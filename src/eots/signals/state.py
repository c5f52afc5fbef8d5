"""What the signals carry from one snapshot to the next: ``SignalState``.

The engine folds it forward (``signals(inputs, state, params) -> (report, state)``); it is never
re-read from storage mid-session. It holds

* ``entries``: the recent updates' continuous scores (name -> score) and spot, newest last, for
  cross-signal correlation, early structure-change detection (SSI against its recent mean) and the
  adaptive thresholds (quantiles of recent |scores|);
* ``streaks``: per signal (or component) name, the direction it held and for how many consecutive
  updates: the signals' ``persistence``.

Size and age limits (``StateParams``): at most ``max_entries`` entries; entries older than
``max_age_minutes`` before ``as_of`` are dropped; a state from another session is discarded
entirely (yesterday's signals are not persistence today); a gap longer than ``max_gap_minutes``
between two updates ends every streak (the market moved on while nobody looked). Updates must move
forward in time: a state whose last update is at or after ``as_of`` is refused (a replay fed out of
order, or the same snapshot twice, would otherwise count as persistence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.signals.params import StateParams


@dataclass(frozen=True, slots=True, kw_only=True)
class StateEntry:
    """One past update: its time, spot ($) and continuous scores by name."""

    ts_event: dt.datetime
    spot: float
    scores: tuple[tuple[str, float], ...]

    def score(self, name: str) -> float:
        """Return the score called ``name`` (NaN when this update did not have it)."""
        for key, value in self.scores:
            if key == name:
                return value
        return float("nan")


@dataclass(frozen=True, slots=True, kw_only=True)
class Streak:
    """A signal's current run: the direction held and the consecutive updates it held it."""

    name: str
    direction: int
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalState:
    """The signals' memory of the current session (module docstring)."""

    session: dt.date | None = None
    last_update: dt.datetime | None = None
    entries: tuple[StateEntry, ...] = ()
    streaks: tuple[Streak, ...] = ()

    def series(self, name: str) -> NDArray[np.float64]:
        """Return the recent values of score ``name``, oldest first (NaN where absent)."""
        return np.array([e.score(name) for e in self.entries], dtype=np.float64)

    def streak(self, name: str) -> Streak | None:
        """Return the current run of ``name``, if any."""
        for s in self.streaks:
            if s.name == name:
                return s
        return None

    def persistence(self, name: str, direction: int) -> int:
        """Return the persistence ``name`` has if it holds ``direction`` now (1 = first seen)."""
        s = self.streak(name)
        if direction != 0 and s is not None and s.direction == direction:
            return s.count + 1
        return 1


def current_state(
    state: SignalState, as_of: dt.datetime, session: dt.date, params: StateParams
) -> SignalState:
    """Return ``state`` with the age limits applied at ``as_of`` (module docstring).

    Raises
    ------
    ValueError
        When the state's last update is at or after ``as_of``.
    """
    if state.session != session:
        return SignalState(session=session)
    if state.last_update is not None and state.last_update >= as_of:
        raise ValueError(
            f"expected a signal state older than as_of {as_of.isoformat()}, its last update was "
            f"{state.last_update.isoformat()} (out-of-order or repeated snapshot)"
        )
    oldest = as_of - dt.timedelta(minutes=params.max_age_minutes)
    entries = tuple(e for e in state.entries if e.ts_event >= oldest)
    streaks = state.streaks
    gap = dt.timedelta(minutes=params.max_gap_minutes)
    if state.last_update is None or as_of - state.last_update > gap:
        streaks = ()
    return SignalState(
        session=session, last_update=state.last_update, entries=entries, streaks=streaks
    )


def advanced_state(
    state: SignalState,
    entry: StateEntry,
    directions: Mapping[str, int],
    params: StateParams,
) -> SignalState:
    """Return the state after one update: ``entry`` appended (bounded), streaks moved on.

    ``directions`` holds every signal (or component) present in this update with its direction;
    a name absent from it, or with direction 0, ends its streak.
    """
    streaks = tuple(
        Streak(name=name, direction=d, count=state.persistence(name, d))
        for name, d in sorted(directions.items())
        if d != 0
    )
    entries = (*state.entries, entry)[-params.max_entries :]
    return SignalState(
        session=state.session, last_update=entry.ts_event, entries=entries, streaks=streaks
    )


__all__ = ["SignalState", "StateEntry", "Streak", "advanced_state", "current_state"]
