"""Simulated history on disk: snapshots, trades and bars written beside each other in one store.

Layout under the store folder ``root``:

============================================== ===============================================
path                                           content
============================================== ===============================================
``underlying=SPX/session=.../*.parquet``       chain snapshots (`eots.storage.SnapshotStore`)
``_trades/SPX/2024-03-11.csv``                 the session's trade feed in the layout
                                               `eots.flows.parse_trades` reads (ts, symbol,
                                               price, size, bid, ask, side): pass it to
                                               ``eots analyze --trades``
``_trades/SPX/2024-03-11.parquet``             the same trades with the ground truth
                                               (``SIM_TRADES_SCHEMA``: plus ``opening``)
``_prices/underlying=SPX/bars_1m.parquet``     1-minute bars (`eots.storage.PriceStore` rooted
                                               at ``root/_prices``: ``--prices DIR/_prices``)
============================================== ===============================================

Trade files are written once per session, at its close, atomically; a session's snapshots are
saved as they are produced, so an interrupted run leaves whole sessions of trades and bars and
possibly some snapshots of the session in flight. Re-running the same (params, seed) rewrites
identical files (snapshots already stored are recognised by their content hash).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from eots.core.errors import SchemaError
from eots.core.time import nyse_calendar
from eots.flows.trades import parse_trades
from eots.simulator.params import SimulatorParams
from eots.simulator.simulate import SIM_TRADES_SCHEMA, session_days, simulate
from eots.storage import PRICE_SCHEMA, PriceStore, SnapshotStore
from eots.storage._atomic import write_atomic
from eots.storage.snapshots import PRICES_SIDECAR, TRADES_SIDECAR

_FEED_COLUMNS = ("ts", "symbol", "price", "size", "bid", "ask", "side")
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.6f%:z"

#: ``progress(done, total)`` is called after every stored step.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class HistorySummary:
    """What `write_history` stored."""

    sessions: int
    snapshots: int
    trades: int
    bars: int
    first: dt.datetime  # first snapshot time, UTC
    last: dt.datetime  # last snapshot time, UTC


def trades_path(root: Path, underlying: str, session: dt.date, *, feed: bool) -> Path:
    """Return the trade file of one session: the CSV feed (``feed``) or the Parquet truth."""
    suffix = "csv" if feed else "parquet"
    return root / TRADES_SIDECAR / underlying.upper() / f"{session.isoformat()}.{suffix}"


def price_store(root: Path) -> PriceStore:
    """Return the price store the simulator writes its bars to (``root/_prices``)."""
    return PriceStore(root / PRICES_SIDECAR)


def step_count(params: SimulatorParams) -> int:
    """Return how many snapshots `simulate` yields for ``params`` (half days have fewer)."""
    cal = nyse_calendar()
    total = 0
    for day in session_days(params.start, params.sessions):
        bounds = cal.session_bounds(day)
        assert bounds is not None
        minutes = round((bounds[1] - bounds[0]) / dt.timedelta(minutes=1))
        total += len({*range(0, minutes, params.every_minutes), minutes})
    return total


def write_history(
    root: Path, params: SimulatorParams, seed: int, progress: Progress | None = None
) -> HistorySummary:
    """Simulate and store the snapshots, trades and bars of ``params`` (layout above).

    Parameters
    ----------
    root
        Store folder (created when missing).
    params, seed
        What to simulate; the files are a pure function of them.
    progress
        Called as ``progress(done, total)`` after each snapshot is stored.
    """
    store = SnapshotStore(root)
    prices = price_store(root)
    total = step_count(params)
    done = n_trades = n_bars = 0
    sessions: set[dt.date] = set()
    day_trades: list[pl.DataFrame] = []
    day_bars: list[pl.DataFrame] = []
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    for step in simulate(params, seed):
        snap = step.snapshot
        store.save(snap)
        first = first or snap.ts_event
        last = snap.ts_event
        day_trades.append(step.trades)
        day_bars.append(step.bars)
        done += 1
        if snap.ts_event == _close(step.truth.session):
            n_trades += _write_trades(root, params.underlying, step.truth.session, day_trades)
            bars = pl.concat(day_bars)
            prices.append(params.underlying, "1m", bars)
            n_bars += bars.height
            sessions.add(step.truth.session)
            day_trades, day_bars = [], []
        if progress is not None:
            progress(done, total)
    assert first is not None  # at least one session is simulated
    assert last is not None
    return HistorySummary(
        sessions=len(sessions),
        snapshots=done,
        trades=n_trades,
        bars=n_bars,
        first=first,
        last=last,
    )


def read_trades(root: Path, underlying: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Return the stored simulated trades of sessions ``start..end`` (``SIM_TRADES_SCHEMA``).

    Sessions without a trade file are skipped. A file that does not follow the schema raises
    ``SchemaError`` naming it.
    """
    frames = []
    folder = root / TRADES_SIDECAR / underlying.upper()
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            continue
        if not start <= day <= end:
            continue
        frame = pl.read_parquet(path)
        if frame.schema != SIM_TRADES_SCHEMA:
            raise SchemaError(
                f"expected the simulated trades schema, was {dict(frame.schema)}",
                source=str(path),
            )
        frames.append(frame)
    if not frames:
        return pl.DataFrame(schema=SIM_TRADES_SCHEMA)
    return pl.concat(frames)


def read_feed(path: Path) -> pl.DataFrame:
    """Parse one stored trade feed file with `eots.flows.parse_trades` (``TRADES_SCHEMA``)."""
    return parse_trades(path.read_bytes(), source=str(path))


def feed_csv(trades: pl.DataFrame) -> bytes:
    """Return ``trades`` as the CSV feed `eots.flows.parse_trades` reads."""
    buffer = io.BytesIO()
    trades.select(_FEED_COLUMNS).write_csv(buffer, datetime_format=_TS_FORMAT)
    return buffer.getvalue()


def _write_trades(root: Path, underlying: str, day: dt.date, parts: list[pl.DataFrame]) -> int:
    trades = pl.concat(parts) if parts else pl.DataFrame(schema=SIM_TRADES_SCHEMA)
    csv = feed_csv(trades)

    def write_csv(f: BinaryIO) -> None:
        f.write(csv)

    def write_parquet(f: BinaryIO) -> None:
        trades.write_parquet(f, compression="zstd")

    write_atomic(trades_path(root, underlying, day, feed=True), write_csv)
    write_atomic(trades_path(root, underlying, day, feed=False), write_parquet)
    return trades.height


def _close(day: dt.date) -> dt.datetime:
    bounds = nyse_calendar().session_bounds(day)
    assert bounds is not None
    return bounds[1]


__all__ = [
    "PRICE_SCHEMA",
    "HistorySummary",
    "Progress",
    "feed_csv",
    "price_store",
    "read_feed",
    "read_trades",
    "step_count",
    "trades_path",
    "write_history",
]
