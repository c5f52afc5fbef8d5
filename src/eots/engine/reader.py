"""``StateReader``: the ``HistoryReader`` over what a ``HistoryState`` holds (no store reads).

The market-context builder reads history only through a ``HistoryReader``; the engine hands it
this one, so a step reads the snapshots the fold kept in memory (and bars from an optional price
store), with the same as-of guard as ``AsOfReader``: nothing quoted after ``as_of`` is returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from eots.chain.schema import UTC_US, utc_lit
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.core.time import to_epoch_us
from eots.engine.state import HistoryState
from eots.history import Visibility
from eots.history.sessions import in_time_order
from eots.storage.bars import PRICE_SCHEMA
from eots.storage.snapshots import SnapshotRef

if TYPE_CHECKING:
    from eots.storage import PriceStore


@dataclass(frozen=True, slots=True)
class StateReader:
    """Read access to a ``HistoryState`` as of ``as_of`` (``HistoryReader`` protocol)."""

    state: HistoryState
    prices: PriceStore | None
    as_of: dt.datetime

    @property
    def visibility(self) -> Visibility:
        """Snapshots are known at their quote time (a fold sees them in order)."""
        return Visibility.QUOTE_TIME

    def snapshot_refs(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> tuple[SnapshotRef, ...]:
        """Return held refs with ``start <= ts_event <= end`` (end defaults to ``as_of``)."""
        end = self._end(end)
        refs = [
            h.ref
            for h in self.state.held()
            if h.ref.underlying == underlying
            and (start is None or h.ref.ts_event >= start)
            and h.ref.ts_event <= end
        ]
        # a fold holds its refs in quote-time order: then they are sorted already
        return tuple(refs) if in_time_order(refs) else tuple(sorted(refs))

    def load(self, ref: SnapshotRef) -> ChainSnapshot:
        """Return the held snapshot of ``ref``.

        Raises
        ------
        ReplayError
            If it is quoted after ``as_of`` or no longer held whole.
        """
        if ref.ts_event > self.as_of:
            raise ReplayError(
                f"expected a snapshot known at as_of={self.as_of.isoformat()}, was "
                f"ts_event={ref.ts_event.isoformat()} (look-ahead)"
            )
        # the session's latest snapshots are the ones held whole and read every step: search
        # from the newest (a long session holds hundreds of older refs)
        for held in (self.state.current, self.state.end_of_day):
            for h in reversed(held):
                if h.snapshot is not None and h.ref == ref:
                    return h.snapshot
        raise ReplayError(f"snapshot {ref.ts_event.isoformat()} is not held whole by the state")

    def spot_series(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> pl.DataFrame:
        """Return ``(ts_event, spot)`` of the folded snapshots in the range, ascending."""
        end = self._end(end)
        spots = self.state.spots
        stamps = spots.get_column("ts_event").to_physical().to_numpy()  # microseconds, UTC
        if spots.get_column("ts_event").dtype == UTC_US and np.all(stamps[1:] >= stamps[:-1]):
            # the state's spots are in fold (time) order: the range is a slice
            lo = 0 if start is None else int(np.searchsorted(stamps, to_epoch_us(start), "left"))
            hi = int(np.searchsorted(stamps, to_epoch_us(end), "right"))
            spots = spots.slice(lo, max(hi - lo, 0))
        else:
            spots = spots.filter(pl.col("ts_event") <= utc_lit(end))
            if start is not None:
                spots = spots.filter(pl.col("ts_event") >= utc_lit(start))
        return spots if self.state.underlying == underlying else spots.clear()

    def bars(
        self,
        underlying: str,
        interval: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """Return stored bars that closed in ``[start, end]`` (none without a price store)."""
        end = self._end(end)
        if self.prices is None:
            return pl.DataFrame(schema=PRICE_SCHEMA)
        return self.prices.bars(underlying, interval, start, end)

    def _end(self, end: dt.datetime | None) -> dt.datetime:
        if end is None:
            return self.as_of
        if end > self.as_of:
            raise ReplayError(
                f"expected an end at or before as_of={self.as_of.isoformat()}, "
                f"was {end.isoformat()} (look-ahead)"
            )
        return end


__all__ = ["StateReader"]
