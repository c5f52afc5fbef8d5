"""The as-of-guarded reader: the only way the market context reads stored history.

``HistoryReader`` is the protocol; ``AsOfReader`` implements it over a ``SnapshotStore`` and an
optional ``PriceStore`` and refuses, with ``ReplayError``, any query for data after its ``as_of``
(zipline's exploding-reader idea turned into the production guard): a range whose end is after
``as_of``, a snapshot quoted after it, bars that closed after it.

Visibility rule (default ``Visibility.QUOTE_TIME``): a snapshot is known at ``as_of`` when its
quote time ``ts_event <= as_of``; a bar is known when its close ``ts <= as_of`` (a daily bar of the
session in progress is still forming and is not known). ``Visibility.CAPTURE_TIME`` also requires
``ts_recv <= as_of``: use it to replay exactly what a live collector had, e.g. when files were
downloaded hours after their quotes (a post-close file quoted 16:00 and captured 19:41 is visible
at 16:00 under the default rule, and only at 19:41 under capture time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.storage.bars import PRICE_SCHEMA
from eots.storage.snapshots import SnapshotRef, SnapshotStore

if TYPE_CHECKING:
    from eots.storage.prices import PriceStore


class Visibility(StrEnum):
    """When a stored snapshot counts as known at ``as_of``."""

    QUOTE_TIME = "quote_time"  # ts_event <= as_of
    CAPTURE_TIME = "capture_time"  # ts_event <= as_of and ts_recv <= as_of


class HistoryReader(Protocol):
    """Read access to stored history that never returns data after ``as_of``.

    Every range defaults its end to ``as_of``; an explicit end after ``as_of``, or a snapshot ref
    not visible at ``as_of``, raises ``ReplayError``.
    """

    @property
    def as_of(self) -> dt.datetime:
        """The instant after which nothing may be read."""
        ...

    @property
    def visibility(self) -> Visibility:
        """The rule that decides whether a snapshot is known at ``as_of``."""
        ...

    def snapshot_refs(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> tuple[SnapshotRef, ...]:
        """Return visible refs with ``start <= ts_event <= end``, oldest first."""
        ...

    def load(self, ref: SnapshotRef) -> ChainSnapshot:
        """Load a visible snapshot."""
        ...

    def spot_series(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> pl.DataFrame:
        """Return ``(ts_event, spot)`` of visible snapshots in the range, ascending."""
        ...

    def bars(
        self,
        underlying: str,
        interval: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """Return stored bars (``PRICE_SCHEMA``) with ``start <= ts <= end``, ascending."""
        ...


@dataclass(frozen=True, slots=True)
class AsOfReader:
    """A ``HistoryReader`` over a snapshot store and an optional price store.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> reader = AsOfReader(SnapshotStore(Path(tempfile.mkdtemp())), None,
    ...                     dt.datetime(2024, 3, 13, 18, tzinfo=dt.UTC))
    >>> reader.snapshot_refs("SPX")
    ()
    >>> later = dt.datetime(2024, 3, 14, tzinfo=dt.UTC)
    >>> reader.snapshot_refs("SPX", end=later)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eots.core.errors.ReplayError: expected an end at or before as_of=2024-03-13T18:00:00+00:00, ...
    """

    store: SnapshotStore
    prices: PriceStore | None
    as_of: dt.datetime
    visibility: Visibility = Visibility.QUOTE_TIME

    def __post_init__(self) -> None:
        """Refuse a naive ``as_of``."""
        if self.as_of.tzinfo is None or self.as_of.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware as_of, was {self.as_of!r}")

    def visible(self, ref: SnapshotRef) -> bool:
        """Return whether ``ref`` is known at ``as_of`` under the visibility rule."""
        if ref.ts_event > self.as_of:
            return False
        return self.visibility is Visibility.QUOTE_TIME or ref.ts_recv <= self.as_of

    def snapshot_refs(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> tuple[SnapshotRef, ...]:
        """Return visible refs with ``start <= ts_event <= end`` (end defaults to ``as_of``)."""
        refs = self.store.list(underlying, start, self._end(end))
        return tuple(r for r in refs if self.visible(r))

    def load(self, ref: SnapshotRef) -> ChainSnapshot:
        """Load ``ref``; raise ``ReplayError`` if it is not visible at ``as_of``."""
        if not self.visible(ref):
            raise ReplayError(
                f"expected a snapshot known at as_of={self.as_of.isoformat()} "
                f"({self.visibility.value}), was ts_event={ref.ts_event.isoformat()} "
                f"ts_recv={ref.ts_recv.isoformat()} (look-ahead)"
            )
        return self.store.load(ref)

    def spot_series(
        self, underlying: str, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> pl.DataFrame:
        """Return ``(ts_event, spot)`` of visible snapshots (footers only), ascending."""
        end = self._end(end)
        if self.visibility is Visibility.QUOTE_TIME:
            return self.store.spot_series(underlying, start, end)
        latest: dict[dt.datetime, float] = {}
        for ref in self.snapshot_refs(underlying, start, end):
            latest[ref.ts_event] = self.store.metadata(ref).spot
        return pl.DataFrame(
            {"ts_event": list(latest), "spot": list(latest.values())},
            schema={"ts_event": pl.Datetime("us", "UTC"), "spot": pl.Float64()},
        )

    def bars(
        self,
        underlying: str,
        interval: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """Return stored bars that closed in ``[start, end]`` (end defaults to ``as_of``)."""
        end = self._end(end)
        if self.prices is None:
            return pl.DataFrame(schema=PRICE_SCHEMA)
        return self.prices.bars(underlying, interval, start, end)

    def _end(self, end: dt.datetime | None) -> dt.datetime:
        if end is None:
            return self.as_of
        if end.tzinfo is None:
            raise ValueError(f"expected a timezone-aware end, was {end!r}")
        if end > self.as_of:
            raise ReplayError(
                f"expected an end at or before as_of={self.as_of.isoformat()}, "
                f"was {end.isoformat()} (look-ahead)"
            )
        return end


__all__ = ["AsOfReader", "HistoryReader", "Visibility"]
