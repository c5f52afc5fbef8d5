"""Underlying price history: OHLC bars per underlying and interval, one Parquet file each.

Bars follow ``eots.storage.bars.PRICE_SCHEMA`` (``ts`` is the instant a bar closed).

Layout: ``root/underlying=SPX/bars_1d.parquet``. Appending rewrites the file atomically
(``eots.storage._atomic``): new bars are merged on ``ts`` (a new bar replaces a stored one with
the same ``ts``; the count of replaced and unchanged bars is reported). One writer per file at a
time: two concurrent appends to the same underlying and interval can lose one of them.

``bars_from_snapshots`` derives bars from the spots of stored snapshots. It is a coarse proxy:
the "high" and "low" are the extremes of the sampled spots (a 5-minute poll misses the true
extremes), the open is the first sample, not the opening print, and volume is unknown (null).

``PriceStore.open(location)`` also takes an fsspec URL (``eots.storage.fs``): bars are then read
from object storage; ``append`` and ``import_csv`` need a local folder.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal
from zoneinfo import ZoneInfo

import polars as pl

from eots.chain.schema import check_schema
from eots.core.errors import SchemaError
from eots.core.time import ET, UTC, session_of
from eots.storage._atomic import write_atomic
from eots.storage.bars import OHLC, PRICE_SCHEMA, bar_problems, interval_length, session_close
from eots.storage.bars_csv import RowRefusal, read_bars_csv
from eots.storage.fs import FileSystem, is_file, read_table, refuse_remote_write, resolve, url
from eots.storage.snapshots import SnapshotStore


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendResult:
    """What ``append`` did to the file at ``path`` (counts of bars)."""

    path: Path
    added: int
    replaced: int
    unchanged: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What ``import_csv`` did: bar counts as in ``AppendResult``, plus the refused lines."""

    path: Path
    added: int
    replaced: int
    unchanged: int
    refused: tuple[RowRefusal, ...]
    rows_read: int


@dataclass(frozen=True, slots=True)
class PriceStore:
    """A folder of OHLC bar files (see the module docstring)."""

    root: Path
    #: None: ``root`` is a local folder; else the fsspec filesystem it lives in.
    fs: FileSystem = field(default=None, kw_only=True)

    @classmethod
    def open(cls, location: str | Path) -> PriceStore:
        """Return the price store at a local folder or an fsspec URL."""
        fs, root = resolve(location)
        return cls(root, fs=fs)

    def path(self, underlying: str, interval: str) -> Path:
        """Return the file that holds ``underlying``'s bars of ``interval``."""
        interval_length(interval)
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", underlying):
            raise ValueError(f"expected an underlying symbol like SPX, was {underlying!r}")
        return self.root / f"underlying={underlying.upper()}" / f"bars_{interval}.parquet"

    def append(self, underlying: str, interval: str, bars: pl.DataFrame) -> AppendResult:
        """Merge ``bars`` (``PRICE_SCHEMA``) into the stored ones and rewrite the file atomically.

        Raises
        ------
        SchemaError
            If ``bars`` has the wrong columns, another interval, two bars with one ``ts``, or a
            bar that breaks an OHLC rule (the first bad row is named, 0-based).
        """
        path = self.path(underlying, interval)
        refuse_remote_write(self.fs, path, "append bars")
        _check_bars(bars, interval, what="bars to append")
        stored = self._read(path, interval)
        joined = bars.join(stored, on="ts", how="left", suffix="_old", coalesce=True)
        had = joined.get_column("open_old").is_not_null()
        same = pl.all_horizontal(
            [pl.col(c).eq_missing(pl.col(f"{c}_old")) for c in (*OHLC, "volume")]
        )
        unchanged = int(joined.filter(had).select(same.sum()).item())
        merged = (
            pl.concat([stored.join(bars, on="ts", how="anti"), bars])
            .sort("ts")
            .select(PRICE_SCHEMA.names())
        )
        table = merged.to_arrow()

        def write(f: BinaryIO) -> None:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]  # deferred (eots.storage.fs)

            pq.write_table(table, f, compression="zstd", write_page_checksum=True)

        write_atomic(path, write)
        n_had = int(had.sum())
        return AppendResult(
            path=path, added=bars.height - n_had, replaced=n_had - unchanged, unchanged=unchanged
        )

    def import_csv(
        self,
        path: Path,
        underlying: str,
        interval: str,
        *,
        tz: ZoneInfo = ET,
        stamps: Literal["start", "end"] = "start",
    ) -> ImportResult:
        """Import a bar CSV (layout in ``eots.storage.bars_csv``) and append its good rows.

        Bad rows are refused one by one with their line numbers (``ImportResult.refused``); the
        others are stored. A file without a usable header raises ``SchemaError``.
        """
        read = read_bars_csv(path, interval, tz=tz, stamps=stamps)
        if read.bars.height:
            appended = self.append(underlying, interval, read.bars)
        else:
            appended = AppendResult(
                path=self.path(underlying, interval), added=0, replaced=0, unchanged=0
            )
        return ImportResult(
            path=appended.path,
            added=appended.added,
            replaced=appended.replaced,
            unchanged=appended.unchanged,
            refused=read.refused,
            rows_read=read.rows_read,
        )

    def bars(
        self,
        underlying: str,
        interval: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """Return stored bars with ``start <= ts <= end`` (bar close times), ascending.

        An underlying or interval with no file gives an empty frame. A corrupt file raises
        ``SchemaError`` naming it.
        """
        frame = self._read(self.path(underlying, interval), interval)
        if start is not None:
            frame = frame.filter(pl.col("ts") >= _utc(start, "start"))
        if end is not None:
            frame = frame.filter(pl.col("ts") <= _utc(end, "end"))
        return frame

    def _read(self, path: Path, interval: str) -> pl.DataFrame:
        if not is_file(self.fs, path):
            return pl.DataFrame(schema=PRICE_SCHEMA)
        frame = pl.from_arrow(read_table(self.fs, path))
        source = url(self.fs, path)
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - a table gives a frame
            raise SchemaError("expected a table", source=source)
        _check_bars(frame, interval, what=source)
        return frame


def _utc(ts: dt.datetime, what: str) -> dt.datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware {what}, was {ts!r}")
    return ts.astimezone(UTC)


def _check_bars(bars: pl.DataFrame, interval: str, *, what: str) -> None:
    check_schema(bars, PRICE_SCHEMA, what=what)
    other = bars.filter(pl.col("interval") != interval)
    if other.height:
        raise SchemaError(
            f"expected interval {interval!r}, was {other.item(0, 'interval')!r}", source=what
        )
    dup = bars.filter(pl.col("ts").is_duplicated())
    if dup.height:
        raise SchemaError(f"two bars with ts {dup.item(0, 'ts')}", source=what, field="ts")
    problems = bar_problems(bars)
    if problems.height:
        row, reason = problems.row(0)
        raise SchemaError(f"row {row}: {reason}, was {bars.row(row, named=True)}", source=what)


def bars_from_snapshots(
    store: SnapshotStore,
    underlying: str,
    interval: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> pl.DataFrame:
    """Derive OHLC bars (``PRICE_SCHEMA``) from stored snapshots' spots: a coarse proxy.

    Intraday bars cover ``(ts - interval, ts]`` (aligned to the epoch, UTC); a daily bar covers
    one session and is stamped at the later of the session close and its last sample, so that no
    bar is stamped before a spot it contains. Volume is null. See the module docstring for why
    sampled spots understate the true range.
    """
    length = interval_length(interval)
    spots = store.spot_series(underlying, start, end)
    if length is None:
        sessions = [session_of(ts) for ts in spots.get_column("ts_event").to_list()]
        grouped = (
            spots.with_columns(session=pl.Series(sessions, dtype=pl.Date))
            .group_by("session", maintain_order=True)
            .agg(_ohlc(), last_ts=pl.col("ts_event").max())
        )
        closes = [session_close(d) for d in grouped.get_column("session").to_list()]
        bars = grouped.with_columns(
            ts=pl.max_horizontal(pl.Series(closes, dtype=pl.Datetime("us", "UTC")), "last_ts")
        )
    else:
        bars = (
            spots.sort("ts_event")
            .group_by_dynamic("ts_event", every=interval, closed="right", label="right")
            .agg(_ohlc())
            .rename({"ts_event": "ts"})
        )
    return bars.select(
        pl.col("ts").cast(pl.Datetime("us", "UTC")),
        *OHLC,
        volume=pl.lit(None, dtype=pl.Int64),
        interval=pl.lit(interval),
    ).sort("ts")


def _ohlc() -> list[pl.Expr]:
    spot = pl.col("spot")
    return [
        spot.first().alias("open"),
        spot.max().alias("high"),
        spot.min().alias("low"),
        spot.last().alias("close"),
    ]


__all__ = ["AppendResult", "ImportResult", "PriceStore", "bars_from_snapshots"]
