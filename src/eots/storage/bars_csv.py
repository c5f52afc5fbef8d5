"""The bar CSV layout ``PriceStore.import_csv`` reads (Yahoo- and Stooq-style exports).

Layout: a header line, then one bar per line, comma-separated (quotes allowed)::

    Date,Open,High,Low,Close,Adj Close,Volume
    2023-04-05,4094.50,4099.69,4072.56,4090.38,4090.38,3641950000

Headers are matched case-insensitively, ignoring spaces, underscores and Stooq's ``<...>``
brackets. Required: a time column (``Date``, ``Datetime``, ``Timestamp``, or ``Date`` plus
``Time``) and ``Open``, ``High``, ``Low``, ``Close``. Optional: ``Volume`` (or ``Vol``). Other
columns (``Adj Close``, ``Ticker``, ``Per``, ``OpenInt``) are ignored.

Times: ISO 8601 dates or date-times (``2023-04-05``, ``20230405``, ``2023-04-05 09:30:00-04:00``,
``...Z``), ``MM/DD/YYYY``, and Stooq's ``HHMMSS`` time column. A time without an offset is read in
``tz`` (US/Eastern by default). Daily bars (``1d``) use only the date and are stamped at that
session's close. Intraday rows are stamped at the bar's start by Yahoo and Stooq; with
``stamps="start"`` (the default) the stored ``ts`` is that time plus the interval, the instant the
bar closed (``PRICE_SCHEMA``); pass ``stamps="end"`` for files stamped at the close.

Rows are checked one by one: an unreadable time or number, a missing or non-positive price, a
broken OHLC rule (``eots.storage.bars``), a fractional or negative volume, or a second row for a
time already given with different values is refused with its line number; the other rows are
kept. Exact repeats of a row are dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from eots.core.errors import SchemaError
from eots.core.time import ET, UTC
from eots.storage.bars import OHLC, PRICE_SCHEMA, interval_length, session_close

_ALIASES = {
    "date": "date",
    "datetime": "datetime",
    "timestamp": "datetime",
    "time": "time",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "vol": "volume",
}
_MISSING = frozenset({"", "null", "nan", "none", "-"})

Bar = tuple[dt.datetime, float, float, float, float, int | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RowRefusal:
    """A refused CSV line and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvBars:
    """The bars read from a CSV (``PRICE_SCHEMA``, ascending) and the lines refused."""

    bars: pl.DataFrame
    refused: tuple[RowRefusal, ...]
    rows_read: int


def read_bars_csv(
    path: Path,
    interval: str,
    *,
    tz: ZoneInfo = ET,
    stamps: Literal["start", "end"] = "start",
) -> CsvBars:
    """Read a bar CSV in the layout of the module docstring.

    Raises
    ------
    SchemaError
        If the file has no usable header (the missing columns are named).
    """
    length = interval_length(interval)
    shift = length if (length is not None and stamps == "start") else dt.timedelta(0)
    seen: dict[dt.datetime, tuple[int, Bar]] = {}
    refused: list[RowRefusal] = []
    rows_read = 0
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        columns = _columns(next(reader, []), source=str(path))
        for fields in reader:
            if not any(x.strip() for x in fields):
                continue
            rows_read += 1
            line = reader.line_num
            try:
                bar = _bar(fields, columns, length is None, tz)
            except ValueError as e:
                refused.append(RowRefusal(line=line, reason=str(e)))
                continue
            bar = (bar[0] + shift, *bar[1:])
            earlier = seen.get(bar[0])
            if earlier is not None and earlier[1] != bar:
                refused.append(
                    RowRefusal(
                        line=line,
                        reason=f"time {bar[0]} already on line {earlier[0]} with other values",
                    )
                )
            elif earlier is None:
                seen[bar[0]] = (line, bar)
    rows = [bar for _, bar in seen.values()]
    frame = pl.DataFrame(
        rows, schema=[c for c in PRICE_SCHEMA if c != "interval"], orient="row"
    ).with_columns(interval=pl.lit(interval))
    return CsvBars(
        bars=frame.select(pl.col(c).cast(t) for c, t in PRICE_SCHEMA.items()).sort("ts"),
        refused=tuple(sorted(refused, key=lambda r: r.line)),
        rows_read=rows_read,
    )


def _columns(header: list[str], *, source: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _ALIASES.get(name.strip().strip("<>").replace(" ", "").replace("_", "").lower())
        if key is not None and key not in found:
            found[key] = i
    if "datetime" not in found and "date" not in found and "time" in found:
        found["datetime"] = found.pop("time")
    missing = [c for c in OHLC if c not in found]
    if not ({"date", "datetime"} & found.keys()):
        missing.insert(0, "date")
    if missing:
        raise SchemaError(
            f"expected columns Date (or Datetime), Open, High, Low, Close; missing {missing} "
            f"in header {header}",
            source=source,
            line=1,
        )
    return found


def _bar(fields: list[str], columns: dict[str, int], daily: bool, tz: ZoneInfo) -> Bar:
    def text(key: str) -> str:
        i = columns[key]
        return fields[i].strip() if i < len(fields) else ""

    if "datetime" in columns:
        ts = _time(text("datetime"))
    elif "time" in columns and text("time"):
        clock = text("time").replace(":", "").zfill(6)
        ts = _time(f"{text('date').replace('-', '')}T{clock}")
    else:
        ts = _time(text("date"))
    if daily:
        stamp = session_close(ts.date() if ts.tzinfo is None else ts.astimezone(tz).date())
    else:
        stamp = (ts if ts.tzinfo is not None else ts.replace(tzinfo=tz)).astimezone(UTC)
    o, h, lo, c = (_price(text(k), k) for k in OHLC)
    if h < max(o, c):
        raise ValueError(f"expected high >= max(open, close), was open={o} high={h} close={c}")
    if lo > min(o, c):
        raise ValueError(f"expected low <= min(open, close), was open={o} low={lo} close={c}")
    volume = _volume(text("volume")) if "volume" in columns else None
    return (stamp, o, h, lo, c, volume)


def _time(value: str) -> dt.datetime:
    if not value:
        raise ValueError("expected a date, was empty")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(value, "%m/%d/%Y")  # noqa: DTZ007 - zone applied by caller
    except ValueError:
        raise ValueError(f"expected a date or date-time, was {value!r}") from None


def _price(value: str, name: str) -> float:
    if value.lower() in _MISSING:
        raise ValueError(f"expected {name}, was missing ({value!r})")
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"expected a number for {name}, was {value!r}") from None
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"expected a finite {name} > 0, was {value!r}")
    return x


def _volume(value: str) -> int | None:
    if value.lower() in _MISSING:
        return None
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"expected a number for volume, was {value!r}") from None
    if not (math.isfinite(x) and x >= 0 and x == int(x)):
        raise ValueError(f"expected a whole volume >= 0, was {value!r}")
    return int(x)


__all__ = ["CsvBars", "RowRefusal", "read_bars_csv"]
