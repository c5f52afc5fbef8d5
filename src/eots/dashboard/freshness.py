"""How old a panel's data is, said in words, and whether it is stale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eots.core.time import ET


@dataclass(frozen=True, slots=True, kw_only=True)
class Freshness:
    """The age of data quoted at ``as_of``, seen at ``now``."""

    as_of: dt.datetime
    age_s: float
    stale: bool
    text: str


def describe_age(seconds: float) -> str:
    """Return an age in the largest sensible unit.

    Examples
    --------
    >>> describe_age(42), describe_age(125), describe_age(7300), describe_age(200000)
    ('42s', '2m 05s', '2h 01m', '2d 07h')
    """
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def freshness(as_of: dt.datetime, now: dt.datetime, stale_after_s: float) -> Freshness:
    """Describe data quoted at ``as_of`` as seen at ``now``; stale past ``stale_after_s``.

    Examples
    --------
    >>> t = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)
    >>> freshness(t, t + dt.timedelta(seconds=90), 600).text
    'data as of 11:00:00 ET 2024-03-13 · 1m 30s old'
    >>> freshness(t, t + dt.timedelta(hours=3), 600).text
    'data as of 11:00:00 ET 2024-03-13 · 3h 00m old · STALE (no update for more than 10m 00s)'
    """
    age = (now - as_of).total_seconds()
    stale = age > stale_after_s
    local = as_of.astimezone(ET)
    text = f"data as of {local:%H:%M:%S} ET {local:%Y-%m-%d} · {describe_age(age)} old"
    if age < 0:
        text = f"data as of {local:%H:%M:%S} ET {local:%Y-%m-%d} · quoted after the clock"
    if stale:
        text += f" · STALE (no update for more than {describe_age(stale_after_s)})"
    return Freshness(as_of=as_of, age_s=age, stale=stale, text=text)
