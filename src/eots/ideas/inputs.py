"""What the trade-idea stage reads from one snapshot: ``IdeaInputs`` (frozen, checked on entry).

``contracts`` is the priced per-contract frame of the analysis (``Analysis.contracts``: the chain
columns plus ``greeks.frame.PRICED_COLUMNS``); the stage reads only ``CONTRACT_COLUMNS``. The
integration and signals come from ``eots.signals``; the levels from ``eots.levels``. Optional
inputs (companion spot, track record, sector data) are None when not available and the stage
says which step it skipped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from eots.core.errors import SchemaError
from eots.greeks.params import PricingParams
from eots.levels import KeyLevels
from eots.signals.model import Signal, SignalIntegration

#: Columns of ``Analysis.contracts`` the ideas read (units as in docs/conventions.md).
CONTRACT_COLUMNS: tuple[str, ...] = (
    "root",
    "expiry",  # Date
    "expiry_ts",  # settlement instant, UTC
    "settlement",  # AM / PM
    "strike",  # $
    "right",  # C / P
    "bid",  # $ per share (nullable)
    "ask",  # $ per share (nullable)
    "quote_valid",  # two-sided, uncrossed
    "iv",  # decimal, NaN when unavailable (ours: solved or the consistent source IV)
    "delta",  # per $1 of underlying, per share
    "gamma",  # per $1 per $1
    "theta",  # $ per calendar day per share
    "vega",  # $ per vol point per share
    "multiplier",  # shares per contract
    "t_years",  # ACT/365 to settlement
    "forward",  # forward of the contract's expiry, $
    "carry_q",  # implied carry yield, decimal
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SectorData:
    """Sector-rotation input: a breadth score in -1..1 (+1: every sector leading up) and a label."""

    score: float
    description: str

    def __post_init__(self) -> None:
        """Refuse a score outside -1..1."""
        if not -1.0 <= self.score <= 1.0:
            raise ValueError(f"expected sector score in [-1, 1], was {self.score}")


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaInputs:
    """Everything ``trade_ideas`` reads for one snapshot.

    Attributes
    ----------
    ts_event
        The snapshot's quote time (UTC, aware); no wall clock is read.
    underlying, spot, session
        Symbol (SPX, SPY, ...), spot in $, and the session date the snapshot belongs to.
    contracts
        The priced per-contract frame (``CONTRACT_COLUMNS`` at least).
    levels
        Key levels of the snapshot.
    atr
        Average true range of the underlying, $ (daily).
    integration, signals
        The integrated signal view and the signals behind it.
    companion_spot
        Spot of the other of SPX/SPY at the same instant ($), for level translation (None: skip).
    companion_ratio_ref
        A reference SPX/SPY ratio (e.g. the previous close's), for the drift note (None: skip).
    track_record
        Per strategy value: (wins, closed ideas) so far, known at ``ts_event`` (None: the prior).
    sector
        Sector-rotation data (None: the step is skipped and says so).
    rate
        The riskless rate the chain was priced with (``PricingParams.rate``), continuous decimal.
    """

    ts_event: dt.datetime
    underlying: str
    spot: float
    session: dt.date
    contracts: pl.DataFrame
    levels: KeyLevels
    atr: float
    integration: SignalIntegration
    signals: tuple[Signal, ...] = ()
    companion_spot: float | None = None
    companion_ratio_ref: float | None = None
    track_record: Mapping[str, tuple[int, int]] | None = None
    sector: SectorData | None = None
    rate: float = field(default_factory=lambda: PricingParams().rate)

    def __post_init__(self) -> None:
        """Check the inputs on entry: a clear error naming what is wrong."""
        if self.ts_event.tzinfo is None:
            raise SchemaError(
                f"expected an aware ts_event, was {self.ts_event!r}", field="ts_event"
            )
        _positive("spot", self.spot)
        _positive("atr", self.atr)
        if self.companion_spot is not None:
            _positive("companion_spot", self.companion_spot)
        if self.companion_ratio_ref is not None:
            _positive("companion_ratio_ref", self.companion_ratio_ref)
        missing = [c for c in CONTRACT_COLUMNS if c not in self.contracts.columns]
        if missing:
            raise SchemaError(
                f"contracts frame lacks the priced columns {missing}", field="contracts"
            )
        for name, (wins, n) in (self.track_record or {}).items():
            if not 0 <= wins <= n:
                raise SchemaError(
                    f"expected 0 <= wins <= n, was wins={wins} n={n}", field=f"track_record[{name}]"
                )


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise SchemaError(f"expected a finite {name} > 0, was {value}", field=name)
