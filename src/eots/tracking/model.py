"""Values the lifecycle works with: statuses, fills, marks, evidence and per-idea outcomes.

Money: position values and P&L in $ for one unit of the structure (legs x quantity x
multiplier), the convention of ``eots.ideas.model``: a value > 0 is worth money to the holder
(a debit paid at entry), < 0 a liability (a credit received at entry). P&L = exit value - entry
value. Fractions are shares of the original position (partial exits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from eots.core.types import Settlement


class Status(StrEnum):
    """Where a recommendation is in its lifecycle (the transition table is ``transitions``)."""

    PROPOSED = "proposed"  # made, not filled yet
    OPEN = "open"  # filled (possibly partly exited)
    EXITED = "exited"  # the last part exited (target, stop, time, settlement)
    CLOSED = "closed"  # P&L final
    SCORED = "scored"  # outcome scored (terminal)
    EXPIRED = "expired"  # never filled before its horizon (terminal)


TERMINAL: frozenset[Status] = frozenset({Status.SCORED, Status.EXPIRED})


class ExitReason(StrEnum):
    """Why the (last part of a) position was closed."""

    TARGET = "target"
    STOP = "stop"
    TRAIL = "trail"
    TIME = "time"
    SETTLEMENT = "settlement"


class WeightGroup(StrEnum):
    """Families of learned values (what the learning rule moves)."""

    ESDAG_METHOD = "esdag_method"  # E-SDAG methodology weights (sum 1)
    LEVEL_METRIC = "level_metric"  # key-level alignment metric weights (sum 1)
    LEVEL_KIND = "level_kind"  # per-kind held rate in level conviction (a rate, prior 0.5)
    SIGNAL_FAMILY = "signal_family"  # signal integration family weights (sum 1)
    CONVICTION = "conviction_mapping"  # performance / signal strength / level strength (sum 1)


#: Groups whose values are rates (compared with 0.5), not weights summing to 1.
RATE_GROUPS: frozenset[WeightGroup] = frozenset({WeightGroup.LEVEL_KIND})


@dataclass(frozen=True, slots=True, kw_only=True)
class FillPrices:
    """A position value for one unit under the three fill models, $ (see module docstring)."""

    bid_ask: float
    mid: float
    spread_fraction: float


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """One scored observation for the learning rule: did ``name`` of ``group`` get it right."""

    group: WeightGroup
    name: str
    hit: bool
    observed_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkRow:
    """One open idea marked on one snapshot: its value and running excursions, $ per unit."""

    idea_id: str
    value: FillPrices
    mfe: float
    mae: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SettlementPrint:
    """A settlement price: PM = the session's close, AM = the special opening quotation."""

    underlying: str
    session: dt.date
    style: Settlement
    price: float


#: The quote columns ``Marks.quotes`` must have (as in ``CHAIN_SCHEMA``).
QUOTES_SCHEMA = pl.Schema(
    {
        "root": pl.String(),
        "expiry": pl.Date(),
        "strike": pl.Float64(),
        "right": pl.Enum(["C", "P"]),
        "bid": pl.Float64(),
        "ask": pl.Float64(),
    }
)

#: Underlying bars between two snapshots (optional in ``Marks``).
BARS_SCHEMA = pl.Schema(
    {
        "ts": pl.Datetime("us", "UTC"),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Marks:
    """What one snapshot tells the lifecycle.

    Attributes
    ----------
    ts_event
        The snapshot's quote time (UTC); events carry it.
    ts_init
        A monotone sequence number (or time) given by the caller; events carry it.
    snapshot_id, fingerprint
        The snapshot's id and the configuration fingerprint, recorded on every event.
    underlying, spot
        The underlying and its price at ``ts_event``, $.
    quotes
        The chain's quotes (``QUOTES_SCHEMA`` columns; other columns are ignored).
    bars
        Optional underlying bars since the previous snapshot (``BARS_SCHEMA``), ``ts`` <=
        ``ts_event``.
    settlements
        Settlement prints known at ``ts_event``.
    atr
        The underlying's ATR in $ (adaptive trailing distance), if known.
    evidence
        Outcomes scored elsewhere (levels held or breached, E-SDAG methods right or wrong), each
        with ``observed_at <= ts_event``.
    """

    ts_event: dt.datetime
    ts_init: int
    snapshot_id: str
    fingerprint: str
    underlying: str
    spot: float
    quotes: pl.DataFrame
    bars: pl.DataFrame | None = None
    settlements: tuple[SettlementPrint, ...] = ()
    atr: float | None = None
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaOutcome:
    """How one recommendation ended (one unit; ``pnl_*`` include partial exits).

    ``risk`` is the idea's max loss in $ (> 0); ``r_multiple = pnl_bidask / risk``; ``mfe``/
    ``mae`` the best/worst unrealised P&L at bid/ask marks while open; minutes from the entry to
    the first target or stop touch (None: never). ``conviction_components`` are the idea's
    (component, value) pairs at its proposal: the learning rule pairs outcomes by them.
    """

    idea_id: str
    underlying: str
    strategy: str
    direction: str
    stars: int
    conviction: float
    signals: tuple[str, ...]
    regime: str | None
    ts_entry: dt.datetime
    ts_exit: dt.datetime
    exit_reason: ExitReason
    pnl_bidask: float
    pnl_mid: float
    pnl_spread_fraction: float
    risk: float
    r_multiple: float | None
    mfe: float
    mae: float
    minutes_held: float
    minutes_to_target: float | None
    minutes_to_stop: float | None
    conviction_components: tuple[tuple[str, float], ...] = ()


__all__ = [
    "BARS_SCHEMA",
    "QUOTES_SCHEMA",
    "RATE_GROUPS",
    "TERMINAL",
    "EvidenceItem",
    "ExitReason",
    "FillPrices",
    "IdeaOutcome",
    "MarkRow",
    "Marks",
    "SettlementPrint",
    "Status",
    "WeightGroup",
]
