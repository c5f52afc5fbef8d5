"""Tiny hand-built chains for tests that need golden values written by hand.

A chain is a handful of `Row`s (or plain tuples in `Row`'s field order, trailing fields optional)
turned into a validated `ChainSnapshot` through `eots.chain.build_snapshot`, exactly as a source
would produce it::

    from builders import Row, et, tiny_chain

    snap = tiny_chain(
        [
            ("SPXW", date(2024, 3, 15), 5000.0, "C", 10.0, 10.5, 1200),
            Row("SPXW", date(2024, 3, 15), 5000.0, "P", 9.0, 9.4, 800, iv=0.14),
        ],
        spot=5001.0,
        as_of=et(2024, 3, 13, 14, 0),
    )

For realistic full-size chains use `eots.synthetic.synthetic_chain` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from eots.chain import ChainSnapshot, build_snapshot
from eots.core.time import ET, QuoteTime, TimeBasis, session_of

SOURCE = "tests.builders"
SOURCE_FORMAT = "builder"


class Row(NamedTuple):
    """One contract: key, quote ($/share), open interest and volume (contracts), source greeks."""

    root: str
    expiry: dt.date
    strike: float
    right: str
    bid: float | None = None
    ask: float | None = None
    open_interest: int = 0
    volume: int | None = None
    iv: float | None = None
    last: float | None = None
    delta: float | None = None
    gamma: float | None = None


def et(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """Return a US/Eastern wall-clock instant (timezone-aware)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ET)


def tiny_chain(
    rows: Sequence[Row | tuple[Any, ...]],
    *,
    spot: float,
    as_of: dt.datetime,
    underlying: str | None = None,
) -> ChainSnapshot:
    """Return a validated snapshot of ``rows`` quoted at ``as_of`` (basis ``source``).

    ``ts_recv`` equals ``as_of``; rows at or past settlement are dropped and counted in the
    quality report, as for any source.
    """
    typed = [r if isinstance(r, Row) else Row(*r) for r in rows]
    columns: dict[str, pl.Series] = {
        "root": pl.Series([r.root for r in typed], dtype=pl.String),
        "expiry": pl.Series([r.expiry for r in typed], dtype=pl.Date),
        "strike": pl.Series([float(r.strike) for r in typed], dtype=pl.Float64),
        "right": pl.Series([r.right for r in typed], dtype=pl.String),
        "bid": pl.Series([r.bid for r in typed], dtype=pl.Float64),
        "ask": pl.Series([r.ask for r in typed], dtype=pl.Float64),
        "last": pl.Series([r.last for r in typed], dtype=pl.Float64),
        "volume": pl.Series([r.volume for r in typed], dtype=pl.Float64),
        "open_interest": pl.Series([r.open_interest for r in typed], dtype=pl.Float64),
        "iv_src": pl.Series([r.iv for r in typed], dtype=pl.Float64),
        "delta_src": pl.Series([r.delta for r in typed], dtype=pl.Float64),
        "gamma_src": pl.Series([r.gamma for r in typed], dtype=pl.Float64),
    }
    stamp = as_of.astimezone(dt.UTC)
    return build_snapshot(
        pl.DataFrame(columns),
        spot=spot,
        quote_time=QuoteTime(stamp, session_of(stamp), TimeBasis.SOURCE),
        ts_recv=stamp,
        source=SOURCE,
        source_format=SOURCE_FORMAT,
        underlying=underlying,
    )


__all__ = ["SOURCE", "SOURCE_FORMAT", "Row", "et", "tiny_chain"]


GENERIC_COLUMNS = (
    "root",
    "expiry",
    "strike",
    "right",
    "open_interest",
    "bid",
    "ask",
    "last",
    "volume",
    "iv_src",
)


def write_generic_csv(snapshot: ChainSnapshot, path: Path) -> Path:
    """Write ``snapshot`` as a generic-format CSV (docs/formats.md) quoted at its ``ts_event``."""
    snapshot.frame.select(GENERIC_COLUMNS).with_columns(
        spot=pl.lit(snapshot.spot), ts_event=pl.lit(snapshot.ts_event.isoformat())
    ).write_csv(path)
    return path
