"""Persistence across updates: carry ``first_seen`` and count consecutive updates.

A level found now *matches* a level of the previous ``KeyLevels`` when both have the same kind and
timeframe and their prices differ by at most ``tolerance = match_atr * ATR`` (default 0.05 ATR,
about 2.5 SPX points at an ATR of 50: a moved wall is a new level). The nearest such level is
taken. A match keeps the earlier ``first_seen`` and gets ``updates = previous + 1`` (the same
``as_of`` again: unchanged); a new level starts at ``first_seen = as_of`` and ``updates = 1``.
``last_seen`` is always ``as_of``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from eots.levels.model import KeyLevels, Level


def carry_forward(
    levels: Sequence[Level], previous: KeyLevels | None, tolerance: float, as_of: dt.datetime
) -> list[Level]:
    """Return ``levels`` with ``first_seen``, ``last_seen`` and ``updates`` from ``previous``.

    Raises
    ------
    ValueError
        If ``previous`` is later than ``as_of`` (that would carry the future backwards).
    """
    if previous is not None and previous.as_of > as_of:
        raise ValueError(
            f"expected previous levels at or before as_of={as_of.isoformat()}, "
            f"were as of {previous.as_of.isoformat()}"
        )
    old = list(previous.levels) if previous is not None else []
    step = 0 if previous is not None and previous.as_of == as_of else 1
    out = []
    for lv in levels:
        same = [
            o
            for o in old
            if o.kind is lv.kind
            and o.timeframe is lv.timeframe
            and abs(o.price - lv.price) <= tolerance
        ]
        if same:
            match = min(same, key=lambda o: (abs(o.price - lv.price), o.price))
            out.append(
                dataclasses.replace(
                    lv,
                    first_seen=min(match.first_seen, lv.first_seen),
                    last_seen=as_of,
                    updates=match.updates + step,
                )
            )
        else:
            # A level built from older data (a prior session's snapshot) keeps that data's time.
            first = min(lv.first_seen, as_of)
            if lv.first_seen is first and lv.last_seen is as_of and lv.updates == 1:
                out.append(lv)  # already so (a level found now): immutable, no copy
            else:
                out.append(dataclasses.replace(lv, first_seen=first, last_seen=as_of, updates=1))
    return out


__all__ = ["carry_forward"]
