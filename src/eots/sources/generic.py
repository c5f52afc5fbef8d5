"""The generic chain format: a CSV or Parquet file whose columns are eots' own raw columns.

Anyone can convert their data into it (see ``docs/formats.md``). One row per contract, columns
named exactly as ``RAW_REQUIRED`` (root, expiry, strike, right, open_interest) and any of
``RAW_OPTIONAL`` (symbol, bid, ask, last, volume, iv_src, delta_src, gamma_src, theta_src,
vega_src, multiplier), plus snapshot-level columns repeated on every row:

* ``spot`` (required): underlying price in $;
* ``ts_event`` (required unless the caller passes ``as_of``): the quote time, ISO 8601 with a UTC
  offset (``2023-04-05T16:00:00-04:00``) or a timezone-aware Parquet timestamp; it is used as is
  (basis ``source``);
* ``ts_recv`` (optional, same form): capture time, defaults to ``ts_event``;
* ``underlying`` (optional): checked against the roots.

``expiry`` is ``YYYY-MM-DD`` (or a Parquet date), ``right`` is ``C`` or ``P``, IV is a decimal.
Any other column is refused, as are snapshot-level columns whose value changes between rows. Empty
optional fields are null; all other row checks happen in ``eots.chain.build_snapshot``.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from eots.chain.schema import RAW_OPTIONAL, RAW_REQUIRED
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import UTC, QuoteTime, TimeBasis, session_of
from eots.sources._rows import Column, read_rows, split_fields
from eots.sources.raw import RawChain, first_row, refuse_fractional, stated_underlying

FORMAT_CSV = "generic_csv"
FORMAT_PARQUET = "generic_parquet"

_TEXT = ("root", "right", "symbol", "underlying", "ts_event", "ts_recv", "expiry")
_META = ("underlying", "spot", "ts_event", "ts_recv")
COLUMNS: tuple[str, ...] = (
    *RAW_REQUIRED,
    *(c for c in RAW_OPTIONAL if c != "source_line"),
    *_META,
)


def parse_generic_csv(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Parse a generic-format CSV (header line, then one contract per line) into a ``RawChain``."""
    end = data.find(b"\n")
    header_bytes = data if end < 0 else data[:end]
    try:
        header = header_bytes.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as e:
        raise SchemaError(f"not UTF-8 text: {e.reason}", source=source, line=1) from e
    names = [n.strip() for n in split_fields(header)]
    _check_names(names, source=source, line=1)
    columns = [Column(n, n, numeric=n not in _TEXT) for n in names]
    if end < 0:
        data, end = data + b"\n", len(data)
    elif data.find(b"\r", end + 1) >= 0:
        data = data[: end + 1] + data[end + 1 :].replace(b"\r\n", b"\n")
    frame = read_rows(data, columns, first_line=2, source=source, skip_lines=1, start=end + 1)
    frame = _with_expiry(frame, source)
    return _raw(frame, FORMAT_CSV, source, as_of, underlying)


def _with_expiry(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Read the text ``expiry`` column as dates, refusing the first one that is not a date."""
    expiry = pl.col("expiry").str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    bad = first_row(frame, pl.col("expiry").is_not_null() & expiry.is_null())
    if bad is not None:
        raise SchemaError(
            f"expected a date like 2023-04-05, was {bad['expiry']!r}",
            source=source,
            line=int(str(bad["source_line"])),
            field="expiry",
        )
    return frame.with_columns(expiry)


def parse_generic_parquet(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Parse a generic-format Parquet file into a ``RawChain`` (``line`` in errors = row number)."""
    frame = _read_parquet(data, source)
    _check_names(frame.columns, source=source, line=None)
    for name, dtype in frame.schema.items():
        if dtype.is_nested() or dtype in (pl.Object, pl.Binary, pl.Null):
            raise SchemaError(
                f"expected a number, text, date or timestamp column, was {dtype}",
                source=source,
                field=name,
            )
    if frame.height == 0:
        raise EmptyChainError("the file has no rows", source=source)
    frame = frame.with_columns(source_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    casts = [_parquet_cast(frame, name, source) for name in frame.columns if name != "source_line"]
    frame = frame.with_columns(casts)
    return _raw(frame, FORMAT_PARQUET, source, as_of, underlying)


def _read_parquet(data: bytes, source: str) -> pl.DataFrame:
    """Read the Parquet bytes; an unreadable or corrupt file is a ``SchemaError``."""
    try:
        return pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError, ValueError) as e:
        raise SchemaError(f"unreadable Parquet: {e}", source=source) from e
    except pl.exceptions.PanicException as e:  # a corrupt file can panic the Rust reader
        reason = str(e).splitlines()[0] if str(e) else "reader panic"
        raise SchemaError(f"unreadable Parquet (corrupt): {reason[:200]}", source=source) from e


def _parquet_cast(frame: pl.DataFrame, name: str, source: str) -> pl.Expr:
    """Return column ``name`` as the text reader would have it (timestamps as ISO text)."""
    dtype = frame.schema[name]
    if name in ("ts_event", "ts_recv") and isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            raise SchemaError("expected a timezone-aware timestamp", source=source, field=name)
        return pl.col(name).dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z")
    if name == "expiry" and dtype == pl.Date:
        return pl.col(name)
    if name == "expiry":
        return _cast(frame, name, pl.String(), source).str.strptime(
            pl.Date, "%Y-%m-%d", strict=False
        )
    if name in _TEXT:
        return _cast(frame, name, pl.String(), source)
    return _cast(frame, name, pl.Float64(), source)


def _cast(frame: pl.DataFrame, name: str, dtype: pl.DataType, source: str) -> pl.Expr:
    column = frame.get_column(name)
    cast = column.cast(dtype, strict=False)
    bad = (cast.is_null() & column.is_not_null()).arg_true()
    if bad.len():
        row = int(bad[0])
        raise SchemaError(
            f"expected {dtype}, was {column[row]!r}", source=source, line=row + 1, field=name
        )
    return pl.col(name).cast(dtype, strict=False)


def _check_names(names: list[str], *, source: str, line: int | None) -> None:
    for name in names:
        if name not in COLUMNS:
            raise SchemaError(
                f"unknown column {name!r}; the generic format has {list(COLUMNS)}",
                source=source,
                line=line,
                field=name,
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SchemaError("column given twice", source=source, line=line, field=name)
        seen.add(name)
    for name in (*RAW_REQUIRED, "spot"):
        if name not in names:
            raise SchemaError("missing required column", source=source, line=line, field=name)


def _raw(
    frame: pl.DataFrame,
    fmt: str,
    source: str,
    as_of: dt.datetime | None,
    underlying: str | None,
) -> RawChain:
    refuse_fractional(frame, {"volume": "volume", "open_interest": "open_interest"}, source=source)
    spot = _constant(frame, "spot", source)
    if not isinstance(spot, float):
        raise SchemaError(f"expected a number, was {spot!r}", source=source, field="spot")
    event = _time(frame, "ts_event", source)
    recv = _time(frame, "ts_recv", source)
    if as_of is not None:
        if as_of.tzinfo is None:
            raise ValueError(f"as_of must be timezone-aware, was {as_of!r}")
        ts = as_of.astimezone(UTC)
        qt = QuoteTime(ts, session_of(ts), TimeBasis.OVERRIDE)
    elif event is not None:
        qt = QuoteTime(event, session_of(event), TimeBasis.SOURCE)
    else:
        raise SchemaError(
            "no ts_event column: add one (ISO 8601 with offset) or pass as_of (CLI: --as-of)",
            source=source,
            field="ts_event",
        )
    named = _constant(frame, "underlying", source) if "underlying" in frame.columns else None
    raw_columns = [c for c in frame.columns if c not in _META]
    return RawChain(
        frame=frame.select(raw_columns),
        spot=spot,
        quote_time=qt,
        ts_recv=recv or event or qt.ts,
        source=source,
        source_format=fmt,
        underlying=stated_underlying(
            str(named).strip().upper() if named is not None else None,
            underlying,
            source=source,
            field="underlying",
        ),
    )


def _constant(frame: pl.DataFrame, name: str, source: str) -> object:
    column = frame.get_column(name)
    text = column.cast(pl.String)
    differs = (text.is_null() | (text != text[0])).arg_true()
    if differs.len():
        at = int(differs[0])
        raise SchemaError(
            f"expected the same value on every row, was {column[at]!r} (first row: {column[0]!r})",
            source=source,
            line=_line(frame, at),
            field=name,
        )
    return column[0]


def _line(frame: pl.DataFrame, index: int) -> int | None:
    value = frame.get_column("source_line")[index]
    return int(value) if value is not None else None


def _time(frame: pl.DataFrame, name: str, source: str) -> dt.datetime | None:
    if name not in frame.columns:
        return None
    text = str(_constant(frame, name, source)).strip()
    try:
        ts = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise SchemaError(
            f"expected an ISO 8601 time like 2023-04-05T16:00:00-04:00, was {text!r}",
            source=source,
            line=_line(frame, 0),
            field=name,
        ) from e
    if ts.tzinfo is None:
        raise SchemaError(
            f"expected a UTC offset in {text!r} (e.g. -04:00 or Z)",
            source=source,
            line=_line(frame, 0),
            field=name,
        )
    return ts.astimezone(UTC)
