"""Level clusters: nearby levels merged into zones (distance in ATR).

Greedy, as the original (base_system.md 5.2): levels sorted by price; a cluster starts at the
first unassigned level and takes the following levels while ``price - first <= distance``, with
``distance = cluster_distance_factor * ATR`` measured from the cluster's first level (not
chained). A cluster of two or more levels becomes a ``cluster`` level:

* zone ``low..high`` = its members' extremes; price = the strength-weighted mean (plain mean when
  every strength is 0);
* timeframe = the members' common timeframe, else ``multi``;
* strength = ``1 - prod(1 - s_i)`` over its members (a noisy-or: more and stronger members, a
  stronger zone, still in 0..1);
* evidence: ``members``, ``kinds``, ``timeframes``, ``confluence`` (the sum of the framework's
  timeframe weights over the distinct member timeframes: 0.5 + 0.3 + 0.2 = 1 when all three
  agree) and ``peak`` (the price of the strongest member).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from eots.levels.model import Evidence, Level, LevelKind, Timeframe
from eots.levels.params import MultiTimeframeParams


def cluster_groups(prices: Sequence[float], distance: float) -> list[list[int]]:
    """Return groups of indices into ``prices`` (any order) by the greedy rule.

    Examples
    --------
    >>> cluster_groups([100.0, 101.0, 102.5, 110.0], 2.0)
    [[0, 1], [2], [3]]
    """
    order = sorted(range(len(prices)), key=lambda i: prices[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and prices[i] - prices[groups[-1][0]] <= distance:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def timeframe_weight(timeframe: Timeframe, params: MultiTimeframeParams) -> float:
    """Return the framework's weight of a timeframe (``multi``: 1)."""
    return {
        Timeframe.INTRADAY: params.intraday_weight,
        Timeframe.DAILY: params.daily_weight,
        Timeframe.WEEKLY: params.weekly_weight,
    }.get(timeframe, 1.0)


def confluence(timeframes: set[Timeframe], params: MultiTimeframeParams) -> float:
    """Return the sum of the distinct timeframes' weights, capped at 1."""
    return min(1.0, sum(timeframe_weight(t, params) for t in timeframes))


def cluster_level(
    members: Sequence[Level], as_of: dt.datetime, params: MultiTimeframeParams
) -> Level:
    """Return the ``cluster`` level of two or more members (module docstring)."""
    total = sum(m.strength for m in members)
    price = (
        sum(m.price * m.strength for m in members) / total
        if total > 0
        else sum(m.price for m in members) / len(members)
    )
    low, high = min(m.price for m in members), max(m.price for m in members)
    price = min(high, max(low, price))  # rounding of the weighted mean must not leave the zone
    timeframes = {m.timeframe for m in members}
    none = 1.0
    for m in members:
        none *= 1.0 - m.strength
    peak = max(members, key=lambda m: (m.strength, -m.price))
    return Level(
        price=price,
        kind=LevelKind.CLUSTER,
        timeframe=timeframes.pop() if len(timeframes) == 1 else Timeframe.MULTI,
        strength=min(1.0, max(0.0, 1.0 - none)),
        low=low,
        high=high,
        evidence=Evidence.of(
            members=len(members),
            kinds=len({m.kind for m in members}),
            timeframes=len({m.timeframe for m in members}),
            confluence=confluence({m.timeframe for m in members}, params),
            peak=peak.price,
        ),
        first_seen=min(m.first_seen for m in members),
        last_seen=as_of,
        updates=max(m.updates for m in members),
    )


__all__ = ["cluster_groups", "cluster_level", "confluence", "timeframe_weight"]
