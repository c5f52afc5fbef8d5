"""CBOE delayed-quotes JSON (the ``cdn.cboe.com`` ``delayed_quotes/options`` payload).

Two schemas are read:

* current (``cboe_delayed_json``): ``{"timestamp": "YYYY-MM-DD HH:MM:SS", "symbol": ..., "data":
  {"current_price", "close", "last_trade_time", ..., "options": [{"option", "bid", "ask", "iv",
  "open_interest", "volume", "delta", "gamma", "theta", "vega", "last_trade_price", ...}]}}``;
* old, trimmed (``cboe_delayed_json_old``): the quote fields and ``options`` at the top level, no
  ``timestamp``, and options without bid/ask (those become null).

What is inferred and how:

* contracts: root, expiry, right and strike come from the OCC symbol in ``option``
  (``SPY220715C00392500``); a record whose symbol is not OCC-shaped is refused.
* spot: ``current_price``.
* capture time: ``timestamp`` is **UTC**. Evidence: in ``spy_20220712_cboejson`` it reads
  22:57:33 while the file was committed at 19:00:09 EDT = 23:00:09 UTC, 2.5 minutes later; read as
  Eastern time it would postdate its own commit. (Both readings fall after the close in the two
  real files, so the session is the same either way.) ``ts_recv`` is the timestamp and the quote
  time comes from ``eots.core.time.quote_time``. Without a timestamp, ``data.last_trade_time`` (the
  underlying's last trade, Eastern wall-clock time) is used; with neither (the old schema), the
  caller must pass ``as_of`` and the error says so.
* greeks: ``iv`` is a decimal; as in the CSV export, an ``iv`` of 0 means "not computed", so the
  row's ``iv_src``, ``delta_src``, ``gamma_src``, ``theta_src`` and ``vega_src`` are null.
* underlying: from the roots, cross-checked with ``symbol`` (``^RUT`` -> RUT) when it is a known
  underlying.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, UTC
from eots.core.types import UNDERLYINGS
from eots.sources._json import is_number, load_json, number_column, records_of, text_column
from eots.sources.occ import occ_parts
from eots.sources.raw import (
    RawChain,
    first_row,
    refuse_fractional,
    resolve_quote_time,
    stated_underlying,
)

FORMAT = "cboe_delayed_json"
FORMAT_OLD = "cboe_delayed_json_old"

_NUMBERS = {
    "bid": "bid",
    "ask": "ask",
    "last_trade_price": "last",
    "volume": "volume",
    "iv": "iv_src",
    "delta": "delta_src",
    "gamma": "gamma_src",
    "theta": "theta_src",
    "vega": "vega_src",
}
_GREEKS = ("iv_src", "delta_src", "gamma_src", "theta_src", "vega_src")


def parse_cboe_json(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Parse a CBOE delayed-quotes JSON payload into a ``RawChain`` (see the module docstring).

    Parameters
    ----------
    data
        The whole file.
    source
        Name used in messages (the path).
    as_of
        Overrides the quote time (required when the payload states no time at all).
    underlying
        The underlying the caller expects; refused if the payload's roots say otherwise.
    """
    doc = load_json(data, source=source)
    wrapped = isinstance(doc.get("data"), dict)
    quote: dict[str, Any] = doc["data"] if wrapped else doc
    path = "data.options" if wrapped else "options"
    if "options" not in quote:
        raise SchemaError("no 'options' list in the payload", source=source, field=path)
    records = records_of(quote["options"], source=source, path=path)
    if not records:
        raise EmptyChainError("the payload lists no options", source=source, field=path)
    frame = _contracts(records, path=path, source=source)
    spot = quote.get("current_price")
    if not is_number(spot):
        raise SchemaError(
            f"expected a number, was {spot!r}", source=source, field="data.current_price"
        )
    capture = _capture_time(doc, quote, source=source)
    qt, recv = resolve_quote_time(
        capture,
        as_of,
        source=source,
        missing="the payload has no 'timestamp' and no 'last_trade_time'",
    )
    return RawChain(
        frame=frame,
        spot=float(spot),
        quote_time=qt,
        ts_recv=recv,
        source=source,
        source_format=FORMAT if wrapped else FORMAT_OLD,
        underlying=stated_underlying(
            _stated(doc, quote), underlying, source=source, field="symbol"
        ),
    )


def _contracts(
    records: list[dict[str, Any]], *, path: str, source: str, first: int = 0
) -> pl.DataFrame:
    """Return the contracts of ``records``, the payload's options from index ``first`` on."""

    def where(i: int, key: str) -> str:
        return f"{path}[{first + i}].{key}"

    columns: dict[str, Any] = {
        "symbol": text_column(records, "option", source=source, where=where),
        "open_interest": number_column(
            records, "open_interest", source=source, where=where, required=True
        ),
    }
    for key, name in _NUMBERS.items():
        columns[name] = number_column(records, key, source=source, where=where)
    frame = pl.DataFrame(
        columns,
        schema={"symbol": pl.String, **{n: pl.Float64 for n in columns if n != "symbol"}},
    ).with_columns(
        pl.int_range(first + 1, first + pl.len() + 1, dtype=pl.Int64).alias("source_line"),
        *occ_parts(pl.col("symbol")),
    )
    bad = first_row(frame, pl.col("occ_root").is_null() | pl.col("occ_expiry").is_null())
    if bad is not None:
        line = int(str(bad["source_line"]))
        raise SchemaError(
            f"expected an OCC symbol like SPY220715C00392500, was {bad['symbol']!r}",
            source=source,
            line=line,
            field=where(line - 1 - first, "option"),
        )
    refuse_fractional(
        frame,
        {"volume": f"{path}[].volume", "open_interest": f"{path}[].open_interest"},
        source=source,
    )
    not_given = pl.col("iv_src") == 0
    return frame.select(
        pl.col("occ_root").alias("root"),
        "symbol",
        pl.col("occ_expiry").alias("expiry"),
        (pl.col("occ_strike_milli") / 1000).alias("strike"),
        pl.col("occ_right").alias("right"),
        "bid",
        "ask",
        "last",
        "volume",
        "open_interest",
        *[pl.when(not_given).then(None).otherwise(pl.col(g)).alias(g) for g in _GREEKS],
        "source_line",
    )


def _capture_time(doc: dict[str, Any], quote: dict[str, Any], *, source: str) -> dt.datetime | None:
    for container, key, zone, label in (
        (doc, "timestamp", UTC, "timestamp"),
        (quote, "last_trade_time", ET, "data.last_trade_time"),
    ):
        value = container.get(key)
        if value is None:
            continue
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError as e:
            raise SchemaError(
                f"expected a time like '2022-07-12 22:57:33', was {value!r}",
                source=source,
                field=label,
            ) from e
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
    return None


def _stated(doc: dict[str, Any], quote: dict[str, Any]) -> str | None:
    symbol = quote.get("symbol", doc.get("symbol"))
    if not isinstance(symbol, str):
        return None
    name = symbol.strip().lstrip("^_$").upper()
    return name if name in UNDERLYINGS else None
