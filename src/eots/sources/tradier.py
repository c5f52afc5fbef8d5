"""Tradier market data: option chains with ORATS greeks, quotes and daily history.

Endpoints (``https://api.tradier.com/v1/``, or the sandbox ``https://sandbox.tradier.com/v1/``):

* ``markets/options/expirations?symbol=&includeAllRoots=true`` lists expiries (all roots, so SPX
  gives the SPXW weeklies too);
* ``markets/options/chains?symbol=&expiration=&greeks=true``, one request per expiry;
* ``markets/quotes?symbols=`` gives spot (``last``);
* ``markets/history?symbol=&interval=daily&start=&end=`` gives daily OHLC (``daily_history``).

Authentication: a bearer token from the environment variable ``TRADIER_TOKEN`` (``tradier_token``
is the one place it is read). The token is sent in a header only and never appears in a message,
a log record or a ``repr``.

Mapping to the raw chain columns: ``root`` = ``root_symbol``; ``symbol``; ``expiry`` =
``expiration_date``; ``strike``; ``right`` = ``option_type`` (call/put); ``bid``, ``ask``,
``last``, ``volume``, ``open_interest``; ``multiplier`` = ``contract_size``; ``iv_src`` =
``greeks.mid_iv`` (decimal), or ``greeks.smv_vol`` when the mid IV is missing or 0; ``delta_src``,
``gamma_src``, ``theta_src`` (per day) and ``vega_src`` (per vol point) from ``greeks``. ORATS
refreshes these greeks about hourly, so eots recomputes its own. ``null`` numbers stay null
(``open_interest`` is required by validation), and ``greeks: null`` gives null greeks.

Quote time: Tradier quotes are real time for account holders, so ``ts_event`` is the capture time
(``eots.core.time.quote_time``: inside a session the time itself, outside it the last close).

Tradier quirks handled: errors that arrive with HTTP 200 (``{"fault": {"faultstring": ...}}``,
``{"errors": {"error": ...}}``) raise ``SourceError`` with the vendor's text; ``"options": null``
for an expiry means none listed (skipped; a chain with none at all is a ``PayloadError``); a single
object where a list is expected (one expiry, one option, one quote, one day) is read as a list of
one; ``unmatched_symbols`` raises ``SourceError``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.clock import Clock
from eots.core.errors import ConfigError, PayloadError, SchemaError, SourceError
from eots.core.time import ET, UTC, nyse_calendar, quote_time
from eots.market.bars import PRICE_SCHEMA
from eots.sources._json import is_number, number_column, records_of, text_column
from eots.sources.cboe_live import without_source
from eots.sources.http import HttpClient, RetryPolicy
from eots.sources.params import TRADIER_BASE_URL, TRADIER_SANDBOX_URL
from eots.sources.raw import RawChain, refuse_fractional, snapshot_from_raw

TOKEN_ENV = "TRADIER_TOKEN"
FORMAT = "tradier_chain"

#: Daily bars: ``ts`` is the session close (UTC); the layout of ``eots.market.bars``.
HISTORY_SCHEMA = PRICE_SCHEMA
_NUMBERS = {
    "strike": "strike",
    "bid": "bid",
    "ask": "ask",
    "last": "last",
    "volume": "volume",
    "open_interest": "open_interest",
    "contract_size": "multiplier",
}
_GREEKS = {"delta": "delta_src", "gamma": "gamma_src", "theta": "theta_src", "vega": "vega_src"}
_RIGHTS = {"call": "C", "put": "P"}


def tradier_token(environ: Mapping[str, str] = os.environ) -> str:
    """Return the Tradier token from ``TRADIER_TOKEN`` (the only place eots reads it).

    Raises
    ------
    ConfigError
        If the variable is unset or blank.
    """
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(f"set the environment variable {TOKEN_ENV} to a Tradier API token")
    return token


class TradierSource:
    """Fetch chains, spot and daily history from Tradier (see the module docstring).

    Parameters
    ----------
    token
        The API token (``tradier_token()`` reads it from the environment).
    transport
        The ``httpx`` transport (None: the network; tests pass a ``RecordedTransport``).
    policy, sleep
        Timeouts and retries, and the wait between retries (injected in tests).
    sandbox
        Use the sandbox base URL.
    base_url
        The API root, ending with ``/`` (None: production or sandbox by ``sandbox``); a test
        server stands in here (config ``sources.tradier.base_url``).
    max_expiries
        Fetch only the nearest N expiries (None: all; each expiry is one request).
    """

    name = "tradier"

    def __init__(  # noqa: PLR0913  (keyword-only client options with defaults)
        self,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        sandbox: bool = False,
        max_expiries: int | None = None,
        base_url: str | None = None,
    ) -> None:
        if max_expiries is not None and max_expiries < 1:
            raise ValueError(f"expected max_expiries >= 1, was {max_expiries}")
        self.max_expiries = max_expiries
        self._http = HttpClient(
            base_url or (TRADIER_SANDBOX_URL if sandbox else TRADIER_BASE_URL),
            transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            policy=policy or RetryPolicy(),
            sleep=sleep,
            redact=(token,),
        )

    @classmethod
    def from_env(cls, **options: Any) -> TradierSource:
        """Build a source with the token of ``TRADIER_TOKEN`` (``options`` as in the class)."""
        return cls(tradier_token(), **options)

    def __repr__(self) -> str:
        """Return the endpoint, never the token."""
        return f"TradierSource({self._http.base_url!r}, max_expiries={self.max_expiries})"

    def fetch_chain(self, underlying: str, *, clock: Clock) -> ChainSnapshot:
        """Fetch every (or the nearest ``max_expiries``) expiry's chain and validate it."""
        symbol = underlying.strip().upper()
        expiries = self.expirations(symbol)
        if self.max_expiries is not None:
            expiries = expiries[: self.max_expiries]
        spot = self.spot(symbol)
        frames: list[pl.DataFrame] = []
        first_line = 1
        for expiry in expiries:
            where, doc = self._get(
                "markets/options/chains", symbol, expiration=expiry, greeks="true"
            )
            with self._payload(where):
                frame = _chain_frame(doc, first_line=first_line)
            if frame is not None:
                frames.append(frame)
                first_line += frame.height
        if not frames:
            raise PayloadError(
                f"tradier {symbol}: no options listed for any of {len(expiries)} expiries"
            )
        recv = clock.now().astimezone(UTC)
        raw = RawChain(
            frame=pl.concat(frames, how="vertical"),
            spot=spot,
            quote_time=quote_time(recv),
            ts_recv=recv,
            source=f"tradier {symbol}",
            source_format=FORMAT,
            underlying=symbol,
        )
        with self._payload(f"tradier {symbol}"):
            return snapshot_from_raw(raw)

    def expirations(self, symbol: str) -> list[str]:
        """Return the listed expiry dates (``YYYY-MM-DD``, ascending) of ``symbol``, all roots."""
        where, doc = self._get(
            "markets/options/expirations", symbol, includeAllRoots="true", strikes="false"
        )
        block = doc.get("expirations")
        if block is None:
            raise SourceError(f"{where}: Tradier lists no expirations for {symbol!r}")
        dates = _listed(block, "date", where=where, path="expirations")
        if not all(isinstance(d, str) for d in dates):
            raise PayloadError(f"{where}: at expirations.date: expected dates, was {dates[:3]!r}")
        return sorted(str(d) for d in dates)

    def spot(self, symbol: str) -> float:
        """Return the last price of ``symbol``, $."""
        where, doc = self._get("markets/quotes", symbol, greeks="false")
        block = doc.get("quotes")
        if not isinstance(block, dict):
            raise PayloadError(f"{where}: at quotes: expected an object, was {block!r}")
        if "quote" not in block and "unmatched_symbols" in block:
            raise SourceError(f"{where}: Tradier does not know the symbol {symbol!r}")
        quotes = _listed(block, "quote", where=where, path="quotes")
        quote = next((q for q in quotes if isinstance(q, dict) and q.get("symbol") == symbol), None)
        if quote is None:
            raise PayloadError(f"{where}: at quotes.quote: no quote for {symbol!r}")
        last = quote.get("last")
        if not is_number(last) or not last > 0:
            raise PayloadError(f"{where}: at quotes.quote.last: expected a price, was {last!r}")
        return float(last)

    def daily_history(self, symbol: str, start: dt.date, end: dt.date) -> pl.DataFrame:
        """Return daily OHLC bars of ``symbol`` from ``start`` to ``end`` (``HISTORY_SCHEMA``).

        ``ts`` is each session's close in UTC (the instant the bar's close was known).
        """
        where, doc = self._get(
            "markets/history",
            symbol.upper(),
            interval="daily",
            start=start.isoformat(),
            end=end.isoformat(),
        )
        block = doc.get("history")
        if block is None:
            return pl.DataFrame(schema=HISTORY_SCHEMA)
        days = _listed(block, "day", where=where, path="history")
        with self._payload(where):
            return _history_frame(days)

    def _get(self, path: str, symbol: str, **params: str) -> tuple[str, dict[str, Any]]:
        key = "symbols" if path == "markets/quotes" else "symbol"
        response = self._http.get(path, {key: symbol, **params})
        where = self._http.describe(response.request.url)
        doc = self._http.decode(response)
        if not isinstance(doc, dict):
            raise PayloadError(f"{where}: expected a JSON object, was {type(doc).__name__}")
        _raise_vendor_error(doc, where, self._http.scrub)
        return where, doc

    @contextlib.contextmanager
    def _payload(self, where: str) -> Iterator[None]:
        try:
            yield
        except SchemaError as e:
            raise PayloadError(f"{where}: {self._http.scrub(without_source(e))}") from e

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> TradierSource:
        """Return the source itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the source."""
        self.close()


def _raise_vendor_error(doc: dict[str, Any], where: str, scrub: Callable[[str], str]) -> None:
    fault = doc.get("fault")
    if fault is not None:
        text = fault.get("faultstring", fault) if isinstance(fault, dict) else fault
        raise SourceError(f"{where}: Tradier fault: {scrub(str(text))}")
    errors = doc.get("errors")
    if errors is not None:
        text = errors.get("error", errors) if isinstance(errors, dict) else errors
        if isinstance(text, list):
            text = "; ".join(str(t) for t in text)
        raise SourceError(f"{where}: Tradier error: {scrub(str(text))}")


def _listed(block: object, key: str, *, where: str, path: str) -> list[Any]:
    if not isinstance(block, dict):
        raise PayloadError(f"{where}: at {path}: expected an object, was {block!r}")
    value = block.get(key)
    if value is None:
        return []
    # Tradier sends a lone object (or string) instead of a list of one.
    return value if isinstance(value, list) else [value]


def _chain_frame(doc: dict[str, Any], *, first_line: int) -> pl.DataFrame | None:
    if "options" not in doc:
        raise SchemaError("expected an 'options' key", field="options")
    block = doc["options"]
    if block is None:
        return None
    if not isinstance(block, dict):
        raise SchemaError(f"expected an object, was {block!r}", field="options")
    value = block.get("option")
    records = records_of(
        value if isinstance(value, list) else [value] if value is not None else [],
        source="",
        path="options.option",
    )
    if not records:
        return None

    def where(i: int, key: str) -> str:
        return f"options.option[{i}].{key}"

    columns: dict[str, Any] = {
        "root": text_column(records, "root_symbol", source="", where=where),
        "symbol": text_column(records, "symbol", source="", where=where),
        "expiry": _dates(records, where),
        "right": _rights(records, where),
    }
    for key, name in _NUMBERS.items():
        columns[name] = number_column(records, key, source="", where=where)
    greeks = _greeks(records)

    def gwhere(i: int, key: str) -> str:
        return f"options.option[{i}].greeks.{key}"

    for key, name in _GREEKS.items():
        columns[name] = number_column(greeks, key, source="", where=gwhere)
    mid = number_column(greeks, "mid_iv", source="", where=gwhere)
    smv = number_column(greeks, "smv_vol", source="", where=gwhere)
    columns["iv_src"] = [m if m is not None and m > 0 else s for m, s in zip(mid, smv, strict=True)]
    columns["source_line"] = list(range(first_line, first_line + len(records)))
    floats = dict.fromkeys((*_NUMBERS.values(), *_GREEKS.values(), "iv_src"), pl.Float64)
    frame = pl.DataFrame(
        columns,
        schema={
            "root": pl.String,
            "symbol": pl.String,
            "expiry": pl.Date,
            "right": pl.String,
            **floats,
            "source_line": pl.Int64,
        },
    )
    refuse_fractional(
        frame,
        {"volume": "options.option[].volume", "open_interest": "options.option[].open_interest"},
        source="",
    )
    return frame


def _dates(records: list[dict[str, Any]], where: Callable[[int, str], str]) -> list[dt.date]:
    out = []
    for i, text in enumerate(text_column(records, "expiration_date", source="", where=where)):
        try:
            out.append(dt.date.fromisoformat(text))
        except ValueError:
            raise SchemaError(
                f"expected a date like 2024-03-15, was {text!r}",
                line=i + 1,
                field=where(i, "expiration_date"),
            ) from None
    return out


def _rights(records: list[dict[str, Any]], where: Callable[[int, str], str]) -> list[str]:
    out = []
    for i, text in enumerate(text_column(records, "option_type", source="", where=where)):
        right = _RIGHTS.get(text.lower())
        if right is None:
            raise SchemaError(
                f"expected 'call' or 'put', was {text!r}", line=i + 1, field=where(i, "option_type")
            )
        out.append(right)
    return out


def _greeks(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        greeks = record.get("greeks")
        if greeks is None:
            out.append({})
        elif isinstance(greeks, dict):
            out.append(greeks)
        else:
            raise SchemaError(
                f"expected an object or null, was {greeks!r}",
                line=i + 1,
                field=f"options.option[{i}].greeks",
            )
    return out


def _history_frame(value: list[Any]) -> pl.DataFrame:
    days = records_of(value, source="", path="history.day")

    def at(i: int, key: str) -> str:
        return f"history.day[{i}].{key}"

    dates = text_column(days, "date", source="", where=at)
    columns: dict[str, Any] = {
        "ts": [_session_close(d, i, at) for i, d in enumerate(dates)],
    }
    for key in ("open", "high", "low", "close"):
        columns[key] = number_column(days, key, source="", where=at, required=True)
    columns["volume"] = number_column(days, "volume", source="", where=at)
    frame = pl.DataFrame(
        columns,
        schema={"ts": pl.Datetime("us", "UTC"), **{k: pl.Float64 for k in columns if k != "ts"}},
    )
    return frame.with_columns(
        pl.col("volume").cast(pl.Int64, strict=False), interval=pl.lit("1d")
    ).select(list(HISTORY_SCHEMA))


def _session_close(text: str, i: int, at: Callable[[int, str], str]) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise SchemaError(
            f"expected a date like 2024-03-15, was {text!r}", line=i + 1, field=at(i, "date")
        ) from None
    cal = nyse_calendar()
    bounds = cal.session_bounds(day) if cal.covers(day) else None
    if bounds is not None:
        return bounds[1]
    return dt.datetime.combine(day, dt.time(16, 0), tzinfo=ET).astimezone(UTC)
