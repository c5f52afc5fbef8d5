"""Key-level value objects: `LevelKind`, `Timeframe`, `Level`, `KeyLevels`, `LEVELS_SCHEMA`.

``eots.levels.key_levels`` returns one ``KeyLevels``: every level of every kind and timeframe, each
with its price (a zone ``low..high`` for clusters and volatility triggers), a strength and a
conviction on the one 0..1 scale of conventions.md section 6, the evidence behind it (a typed
``Evidence`` of named numbers), and when it was first and last seen (persistence across
updates). The CLI, the JSON report and the evaluation consume it through ``to_frame()``
(``LEVELS_SCHEMA``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import polars as pl

from eots.chain.schema import UTC_US
from eots.core.diagnostics import Diagnostic


class LevelKind(StrEnum):
    """What a level is (definitions in ``docs/levels.md``)."""

    SUPPORT = "support"  # |MSPI| above the dynamic threshold, MSPI > 0 (base_system.md 5.1)
    RESISTANCE = "resistance"  # the same with MSPI < 0
    CALL_WALL = "call_wall"  # largest positive net GEX (conventions.md section 4)
    PUT_WALL = "put_wall"  # most negative net GEX
    SECONDARY_CALL_WALL = "secondary_call_wall"  # runner-up call walls above the strength floor
    SECONDARY_PUT_WALL = "secondary_put_wall"
    ABS_GAMMA = "abs_gamma"  # largest call GEX + |put GEX|
    ZERO_GAMMA = "zero_gamma"  # a crossing of the sticky-strike gamma profile
    VOL_TRIGGER = "vol_trigger"  # a crossing of the skew-shifted (sticky-moneyness) profile
    CLUSTER = "cluster"  # a zone of nearby levels (distance in ATR)


class Timeframe(StrEnum):
    """Which data a level comes from."""

    INTRADAY = "intraday"  # the current snapshot
    DAILY = "daily"  # prior sessions' end-of-day snapshots
    WEEKLY = "weekly"  # prior weeks' last snapshots
    MULTI = "multi"  # a cluster whose members span several timeframes


#: Stars from a 0..1 score (conventions.md section 6): thresholds for 1..5 stars.
STAR_THRESHOLDS = (0.1, 0.3, 0.5, 0.7, 0.9)


class EvidenceItem(NamedTuple):
    """One named number behind a level (a metric value, a factor, a count ...)."""

    name: str
    value: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """The named numbers behind a level, in the order the stages added them (immutable).

    Names are non-empty and unique, values are floats (NaN allowed: "not measured"). Stages
    build it with ``Evidence.of(name=value, ...)`` and extend it with ``+``; readers use
    ``value(name)``. Iterating yields ``EvidenceItem`` (name, value) pairs.

    Examples
    --------
    >>> e = Evidence.of(mspi=0.4, threshold=0.3) + Evidence.of(tests=2)
    >>> e.value("tests"), e.value("absent"), e.names
    (2.0, None, ('mspi', 'threshold', 'tests'))
    """

    items: tuple[EvidenceItem, ...] = ()

    def __post_init__(self) -> None:
        """Coerce values to float; refuse empty or repeated names."""
        seen: set[str] = set()
        items = []
        for name, value in self.items:
            if not isinstance(name, str) or not name:
                raise ValueError(f"expected a non-empty evidence name, was {name!r}")
            if name in seen:
                raise ValueError(f"evidence {name!r} given twice")
            seen.add(name)
            items.append(EvidenceItem(name, float(value)))
        object.__setattr__(self, "items", tuple(items))

    @classmethod
    def of(cls, **values: float) -> Evidence:
        """Return evidence of the keyword values, in their order."""
        # Keyword names are non-empty and unique: only the values need coercing (no second pass).
        out = object.__new__(cls)
        object.__setattr__(
            out, "items", tuple([EvidenceItem(k, float(v)) for k, v in values.items()])
        )
        return out

    @classmethod
    def pairs(cls, pairs: Iterable[tuple[str, float]]) -> Evidence:
        """Return evidence of ``(name, value)`` pairs, in their order."""
        return cls(tuple(EvidenceItem(k, v) for k, v in pairs))

    def __add__(self, other: Evidence) -> Evidence:
        """Return this evidence followed by ``other`` (names must stay unique)."""
        if not {i.name for i in self.items}.isdisjoint([i.name for i in other.items]):
            clash = set(self.names) & set(other.names)
            raise ValueError(f"evidence {sorted(clash)[0]!r} given twice")
        out = object.__new__(Evidence)  # both already validated: no second pass
        object.__setattr__(out, "items", self.items + other.items)
        return out

    def __iter__(self) -> Iterator[EvidenceItem]:
        """Yield the items in order."""
        return iter(self.items)

    def __len__(self) -> int:
        """Return how many items there are."""
        return len(self.items)

    @property
    def names(self) -> tuple[str, ...]:
        """The names, in order."""
        return tuple(i.name for i in self.items)

    def value(self, name: str) -> float | None:
        """Return the value of ``name``, or None when the evidence has no such item."""
        for item in self.items:
            if item.name == name:
                return item.value
        return None


def stars(score: float) -> int:
    """Return 0..5 stars for a 0..1 score.

    Examples
    --------
    >>> [stars(s) for s in (0.05, 0.1, 0.45, 0.7, 0.95)]
    [0, 1, 2, 4, 5]
    """
    return sum(score >= t for t in STAR_THRESHOLDS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Level:
    """One key level.

    Attributes
    ----------
    price
        The level, $ (a strike, a root of a profile, or a cluster's strength-weighted centre).
    kind, timeframe
        What it is and which data it came from.
    strength
        0..1 from the kind's documented factors (``docs/levels.md``).
    conviction
        0..1 composite of metric alignment, historical performance and persistence.
    low, high
        The zone it covers, $ (equal to ``price`` for a point level).
    evidence
        The named numbers behind the level (``Evidence``: metric values, factors, counts ...).
    first_seen, last_seen
        The first and the latest ``as_of`` at which a matching level was found.
    updates
        How many consecutive updates it has been found in (1 = new).
    """

    price: float
    kind: LevelKind
    timeframe: Timeframe
    strength: float
    conviction: float = 0.0
    low: float = math.nan
    high: float = math.nan
    evidence: Evidence = field(default_factory=Evidence)
    first_seen: dt.datetime
    last_seen: dt.datetime
    updates: int = 1

    def __post_init__(self) -> None:
        """Fill a point level's zone and refuse scores outside 0..1."""
        if math.isnan(self.low):
            object.__setattr__(self, "low", self.price)
        if math.isnan(self.high):
            object.__setattr__(self, "high", self.price)
        if not (0.0 <= self.strength <= 1.0 and 0.0 <= self.conviction <= 1.0):
            for name in ("strength", "conviction"):
                value = getattr(self, name)
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"expected {name} in [0, 1], was {value}")

    def value(self, name: str) -> float | None:
        """Return the evidence item ``name``, or None."""
        return self.evidence.value(name)

    @property
    def stars(self) -> int:
        """Conviction as 0..5 stars."""
        return stars(self.conviction)


#: One row per level (``KeyLevels.to_frame``); ``evidence`` is a list of name/value structs.
LEVELS_SCHEMA = pl.Schema(
    {
        "price": pl.Float64(),  # $
        "low": pl.Float64(),  # $, zone bottom
        "high": pl.Float64(),  # $, zone top
        "kind": pl.Enum([k.value for k in LevelKind]),
        "timeframe": pl.Enum([t.value for t in Timeframe]),
        "strength": pl.Float64(),  # 0..1
        "conviction": pl.Float64(),  # 0..1
        "stars": pl.Int8(),  # 0..5 from conviction
        "high_conviction": pl.Boolean(),  # conviction >= the adaptive threshold
        "updates": pl.Int64(),  # consecutive updates seen
        "first_seen": UTC_US,
        "last_seen": UTC_US,
        "evidence": pl.List(pl.Struct({"name": pl.String(), "value": pl.Float64()})),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionSummary:
    """What a prior snapshot contributes to the daily and weekly levels (see ``timeframes``).

    ``strikes`` has ``strike, net_gex, dex, mspi`` (NaN MSPI when the metrics could not run);
    ``walls`` the call wall, put wall, abs-gamma strike and zero gamma (NaN: none). It is keyed by
    the snapshot's ``content_hash`` so a later update can reuse it instead of re-pricing.
    """

    session: dt.date
    ts_event: dt.datetime
    content_hash: str
    spot: float
    strikes: pl.DataFrame
    call_wall: float
    put_wall: float
    abs_gamma: float
    zero_gamma: float


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyLevels:
    """Every key level as of one instant, with what the next update needs.

    Attributes
    ----------
    as_of
        The analysis instant.
    spot
        Spot at ``as_of``, $.
    levels
        All levels, sorted by price then kind.
    conviction_threshold
        The adaptive threshold of the high-conviction set (0..1).
    mspi_threshold
        The dynamic MSPI threshold used for intraday support/resistance (|MSPI| >= it).
    metric_weights
        ``(metric, weight)`` used for the alignment (sums to 1).
    positioning
        Dealer positioning change by strike (``positioning.POSITIONING_SCHEMA``).
    sessions
        The prior-session summaries used (reused by the next update when their hash matches).
    exposures
        ``strike, net_gex, dex`` of this snapshot (the next update diffs against it).
    diagnostics
        Fallbacks taken (thin history, no crossing ...), each a ``Diagnostic`` of stage
        ``levels`` with a stable code (``docs/levels.md``); ``notes`` are their messages.
    """

    as_of: dt.datetime
    spot: float
    levels: tuple[Level, ...]
    conviction_threshold: float
    mspi_threshold: float
    metric_weights: tuple[tuple[str, float], ...]
    positioning: pl.DataFrame
    sessions: tuple[SessionSummary, ...] = ()
    exposures: pl.DataFrame = field(default_factory=pl.DataFrame)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """The diagnostics' messages (what a person reads)."""
        return tuple(d.message for d in self.diagnostics)

    @property
    def high_conviction(self) -> tuple[Level, ...]:
        """Levels whose conviction reaches ``conviction_threshold``, strongest first."""
        keep = [lv for lv in self.levels if lv.conviction >= self.conviction_threshold]
        return tuple(sorted(keep, key=lambda lv: (-lv.conviction, lv.price)))

    def of_kind(self, kind: LevelKind, timeframe: Timeframe | None = None) -> tuple[Level, ...]:
        """Return the levels of ``kind`` (and ``timeframe`` if given), by price."""
        return tuple(
            lv
            for lv in self.levels
            if lv.kind is kind and (timeframe is None or lv.timeframe is timeframe)
        )

    def nearest(self, *, above: bool, n: int = 3) -> tuple[Level, ...]:
        """Return the ``n`` levels nearest spot strictly above (or at/below) it."""
        side = [lv for lv in self.levels if (lv.price > self.spot) == above]
        return tuple(sorted(side, key=lambda lv: (abs(lv.price - self.spot), lv.kind))[:n])

    def to_frame(self) -> pl.DataFrame:
        """Return the levels as a ``LEVELS_SCHEMA`` frame."""
        rows = [
            {
                "price": lv.price,
                "low": lv.low,
                "high": lv.high,
                "kind": lv.kind.value,
                "timeframe": lv.timeframe.value,
                "strength": lv.strength,
                "conviction": lv.conviction,
                "stars": lv.stars,
                "high_conviction": lv.conviction >= self.conviction_threshold,
                "updates": lv.updates,
                "first_seen": lv.first_seen,
                "last_seen": lv.last_seen,
                "evidence": [{"name": k, "value": v} for k, v in lv.evidence],
            }
            for lv in self.levels
        ]
        return pl.DataFrame(rows, schema=LEVELS_SCHEMA)


__all__ = [
    "LEVELS_SCHEMA",
    "STAR_THRESHOLDS",
    "Evidence",
    "EvidenceItem",
    "KeyLevels",
    "Level",
    "LevelKind",
    "SessionSummary",
    "Timeframe",
    "stars",
]
