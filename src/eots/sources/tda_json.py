"""TD Ameritrade option-chain JSON (``/marketdata/chains``; Schwab kept the same shape).

Layout: ``callExpDateMap`` / ``putExpDateMap`` map ``"YYYY-MM-DD:<days>"`` to a map of strike
strings (``"382.0"``) to a list of contract objects (``bid``, ``ask``, ``last``, ``totalVolume``,
``openInterest``, ``volatility``, ``delta``, ``gamma``, ``theta``, ``vega``, ``multiplier``,
``quoteTimeInLong``, ``symbol``, ``putCall``, ``strikePrice``, ...), plus ``symbol``,
``underlyingPrice`` and an ``underlying`` quote object.

What is inferred and how:

* contracts: expiry from the map key, strike from the strike key, right from the map; the symbol
  (TDA ``SPY_052322C382`` or OCC/Schwab ``SPY   220523C00382000``) gives the root and must agree
  with all three, and ``putCall``/``strikePrice`` must agree too.
* spot: ``underlying.last`` (the regular-session last price; ``underlyingPrice`` can be an
  after-hours mid); ``underlyingPrice`` only when there is no ``underlying`` object.
* quote time: the latest of the contracts' ``quoteTimeInLong`` and the underlying's
  ``quoteTime`` (epoch milliseconds) is the capture time (``ts_recv``); inside a session it is the
  quote time itself (basis ``source``), otherwise the close of the latest session.
* greeks: ``volatility`` is in percent (22.196 = 22.196 %), stored as a decimal; ``-999`` and
  ``"NaN"`` mean "not available" and become null for volatility and the greeks. Theta is per day,
  vega per vol point, as in ``CHAIN_SCHEMA``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import polars as pl

from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import UTC, QuoteTime, TimeBasis
from eots.core.types import UNDERLYINGS
from eots.sources._json import is_number, load_json, number_column
from eots.sources.occ import OCC_PATTERN
from eots.sources.raw import RawChain, refuse_fractional, resolve_quote_time, stated_underlying

FORMAT = "tda_chain_json"

_NOT_AVAILABLE = (-999, "NaN", "nan")
_TDA_SYMBOL = re.compile(r"^([A-Z][A-Z0-9.]*)_(\d{2})(\d{2})(\d{2})([CP])(\d+(?:\.\d+)?)$")
_OCC_SYMBOL = re.compile(OCC_PATTERN)
_EXPIRY_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?::-?\d+)?$")
_MAPS = (("callExpDateMap", "C", "CALL"), ("putExpDateMap", "P", "PUT"))
_NUMBERS = {"bid": "bid", "ask": "ask", "last": "last", "totalVolume": "volume"}
_GREEKS = {"delta": "delta_src", "gamma": "gamma_src", "theta": "theta_src", "vega": "vega_src"}


def parse_tda_json(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Parse a TD Ameritrade chain payload into a ``RawChain`` (see the module docstring).

    Parameters
    ----------
    data
        The whole file.
    source
        Name used in messages (the path).
    as_of
        Overrides the quote time.
    underlying
        The underlying the caller expects; refused if the payload says otherwise.
    """
    doc = load_json(data, source=source)
    records, keys, paths = _flatten(doc, source)
    if not records:
        raise EmptyChainError("the payload lists no contracts", source=source)

    def where(i: int, key: str) -> str:
        return f"{paths[i]}.{key}"

    columns: dict[str, list[Any]] = {
        "root": [k[0] for k in keys],
        "symbol": [k[1] for k in keys],
        "expiry": [k[2] for k in keys],
        "strike": [k[3] for k in keys],
        "right": [k[4] for k in keys],
    }
    for key, name in _NUMBERS.items():
        columns[name] = number_column(records, key, source=source, where=where)
    columns["open_interest"] = number_column(
        records, "openInterest", source=source, where=where, required=True
    )
    for key, name in _GREEKS.items():
        columns[name] = number_column(
            records, key, source=source, where=where, missing=_NOT_AVAILABLE
        )
    vol = number_column(records, "volatility", source=source, where=where, missing=_NOT_AVAILABLE)
    columns["iv_src"] = [None if v is None else v / 100.0 for v in vol]
    columns["multiplier"] = number_column(records, "multiplier", source=source, where=where)
    frame = pl.DataFrame(
        columns,
        schema={
            "root": pl.String,
            "symbol": pl.String,
            "expiry": pl.Date,
            "strike": pl.Float64,
            "right": pl.String,
            **dict.fromkeys(list(columns)[5:], pl.Float64),
        },
    ).with_columns(source_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    refuse_fractional(
        frame, {"volume": "totalVolume", "open_interest": "openInterest"}, source=source
    )
    times = number_column(records, "quoteTimeInLong", source=source, where=where)
    qt, recv = resolve_quote_time(
        _capture_time(times, doc), as_of, source=source, missing="the payload states no quote time"
    )
    if qt.basis is TimeBasis.INTRADAY_DOWNLOAD:
        qt = QuoteTime(qt.ts, qt.session, TimeBasis.SOURCE)
    return RawChain(
        frame=frame,
        spot=_spot(doc, source),
        quote_time=qt,
        ts_recv=recv,
        source=source,
        source_format=FORMAT,
        underlying=stated_underlying(_stated(doc), underlying, source=source, field="symbol"),
    )


_Key = tuple[str, str, dt.date, float, str]


def _flatten(
    doc: dict[str, Any], source: str
) -> tuple[list[dict[str, Any]], list[_Key], list[str]]:
    records: list[dict[str, Any]] = []
    keys: list[_Key] = []
    paths: list[str] = []
    for map_name, right, put_call in _MAPS:
        expiries = doc.get(map_name)
        if not isinstance(expiries, dict):
            raise SchemaError(
                f"expected an object, was {type(expiries).__name__}", source=source, field=map_name
            )
        for exp_key, strikes in expiries.items():
            expiry = _expiry(exp_key, source=source, field=f"{map_name}[{exp_key!r}]")
            if not isinstance(strikes, dict):
                raise SchemaError(
                    "expected an object", source=source, field=f"{map_name}[{exp_key!r}]"
                )
            for strike_key, contracts in strikes.items():
                path = f"{map_name}[{exp_key!r}][{strike_key!r}]"
                strike = _strike(strike_key, source=source, field=path)
                if not isinstance(contracts, list):
                    raise SchemaError("expected a list", source=source, field=path)
                for j, contract in enumerate(contracts):
                    where = f"{path}[{j}]"
                    if not isinstance(contract, dict):
                        raise SchemaError("expected an object", source=source, field=where)
                    root = _check_contract(
                        contract,
                        (expiry, strike, right, put_call),
                        source=source,
                        where=where,
                        line=len(records) + 1,
                    )
                    records.append(contract)
                    keys.append((root, str(contract["symbol"]).strip(), expiry, strike, right))
                    paths.append(where)
    return records, keys, paths


def _expiry(key: str, *, source: str, field: str) -> dt.date:
    match = _EXPIRY_KEY.match(key)
    try:
        if match is None:
            raise ValueError(key)
        return dt.date.fromisoformat(match.group(1))
    except ValueError as e:
        raise SchemaError(
            f"expected an expiry key like '2022-05-23:1', was {key!r}", source=source, field=field
        ) from e


def _strike(key: str, *, source: str, field: str) -> float:
    try:
        value = float(key)
    except ValueError as e:
        raise SchemaError(f"expected a strike, was {key!r}", source=source, field=field) from e
    if not (math.isfinite(value) and value > 0):
        raise SchemaError(
            f"expected a positive finite strike, was {key!r}", source=source, field=field
        )
    return value


def _same_strike(a: float, b: float) -> bool:
    """Whether two strikes agree to the OCC's 1/1000 (False for non-finite values)."""
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) < 5e-4


def _check_contract(
    contract: dict[str, Any],
    expected: tuple[dt.date, float, str, str],
    *,
    source: str,
    where: str,
    line: int,
) -> str:
    expiry, strike, right, put_call = expected
    symbol = contract.get("symbol")
    parsed = _symbol(symbol) if isinstance(symbol, str) else None
    if parsed is None:
        raise SchemaError(
            f"expected an option symbol like SPY_052322C382, was {symbol!r}",
            source=source,
            line=line,
            field=f"{where}.symbol",
        )
    root, sym_expiry, sym_right, sym_strike = parsed
    stated = contract.get("strikePrice", strike)
    problems = [
        (sym_expiry != expiry, f"its expiry {sym_expiry} is not the map's {expiry}"),
        (sym_right != right, f"its right {sym_right} is not the map's {right}"),
        (not _same_strike(sym_strike, strike), f"its strike is not {strike}"),
        (contract.get("putCall", put_call) != put_call, f"putCall is not {put_call}"),
        (
            not is_number(stated) or not _same_strike(float(stated), strike),
            f"strikePrice {stated!r} is not {strike}",
        ),
    ]
    for failed, text in problems:
        if failed:
            raise SchemaError(
                f"symbol {symbol!r} contradicts its position: {text}",
                source=source,
                line=line,
                field=f"{where}.symbol",
            )
    return root


def _symbol(symbol: str) -> tuple[str, dt.date, str, float] | None:
    text = symbol.strip()
    tda = _TDA_SYMBOL.match(text)
    try:
        if tda is not None:
            month, day, year = int(tda.group(2)), int(tda.group(3)), int(tda.group(4))
            expiry = dt.date(2000 + year, month, day)
            return tda.group(1), expiry, tda.group(5), float(tda.group(6))
        occ = _OCC_SYMBOL.match(text)
        if occ is not None:
            expiry = dt.datetime.strptime(occ.group(2), "%y%m%d").date()  # noqa: DTZ007 - a date
            return occ.group(1), expiry, occ.group(3), int(occ.group(4)) / 1000
    except ValueError:
        return None
    return None


def _capture_time(times: list[float | None], doc: dict[str, Any]) -> dt.datetime | None:
    stamps = [t for t in times if t is not None and t > 0]
    quote = doc.get("underlying")
    if isinstance(quote, dict) and is_number(quote.get("quoteTime")) and quote["quoteTime"] > 0:
        stamps.append(float(quote["quoteTime"]))
    if not stamps:
        return None
    return dt.datetime.fromtimestamp(max(stamps) / 1000.0, tz=UTC)


def _spot(doc: dict[str, Any], source: str) -> float:
    quote = doc.get("underlying")
    if isinstance(quote, dict):
        last = quote.get("last")
        if not is_number(last):
            raise SchemaError(
                f"expected a number, was {last!r}", source=source, field="underlying.last"
            )
        return float(last)
    price = doc.get("underlyingPrice")
    if not is_number(price):
        raise SchemaError(
            f"expected a number, was {price!r}", source=source, field="underlyingPrice"
        )
    return float(price)


def _stated(doc: dict[str, Any]) -> str | None:
    symbol = doc.get("symbol")
    if not isinstance(symbol, str):
        return None
    name = symbol.strip().lstrip("$^").removesuffix(".X").upper()
    return name if name in UNDERLYINGS else None
