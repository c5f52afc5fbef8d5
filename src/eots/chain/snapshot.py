"""ChainSnapshot: one validated option chain at one instant, with its quality report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from eots.core.time import TimeBasis


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityItem:
    """One reason rows were dropped or flagged, how many, and an example."""

    reason: str
    count: int
    example: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityReport:
    """What validation did to a source's rows."""

    rows_read: int
    rows_kept: int
    dropped: tuple[QualityItem, ...] = ()
    flagged: tuple[QualityItem, ...] = ()

    @property
    def rows_dropped(self) -> int:
        """Total rows removed."""
        return sum(item.count for item in self.dropped)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainSnapshot:
    """A validated chain (``frame`` follows ``CHAIN_SCHEMA``) of one underlying at ``ts_event``.

    ``ts_event`` is when the quotes are from (the analysis ``as_of`` by default), ``ts_recv`` when
    the data was captured or downloaded; ``time_basis`` says how ``ts_event`` was obtained.
    """

    underlying: str
    spot: float
    ts_event: dt.datetime
    ts_recv: dt.datetime
    time_basis: TimeBasis
    frame: pl.DataFrame
    quality: QualityReport
    source: str
    source_format: str

    @property
    def n_contracts(self) -> int:
        """Number of live contracts."""
        return self.frame.height

    @property
    def expiries(self) -> tuple[dt.date, ...]:
        """Distinct expiry dates, ascending."""
        return tuple(self.frame.get_column("expiry").unique().sort().to_list())
