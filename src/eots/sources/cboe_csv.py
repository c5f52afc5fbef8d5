"""CBOE delayed-quotes ``quotedata.csv``: the export of cboe.com's option-chain page.

Layout (see ``shared/data/chains/PROVENANCE.md``)::

    <blank line, or any text such as ---Example Data--->          (optional)
    <Name>,Last: <spot>,Change: <chg>                              title line ("Name" may be quoted)
    Date: <download time>,Bid: ..,Ask: ..,Size: a*b,Volume: ..     free text, browser locale
    Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,Strike,Puts,...
    Wed Apr 05 2023,SPXW230405C01000000,3077.61,-14.29,0,0,13,0,0,0,2,1000.00,SPXW230405P0100...

Any line may carry trailing commas. Calls and puts share column names, so the header is mapped by
position: ``Expiration Date``, ``Calls`` (call symbol) and the call fields, ``Strike``, ``Puts`` and
the put fields. Known fields: Last Sale (or Last), Net, Bid, Ask, Volume (or Vol), IV, Delta, Gamma,
Open Interest (or Open Int), and Theta, Vega, Rho if an export has them; IV/Delta/Gamma may be
absent (the 16-column export). Any other header name is refused.

What is inferred and how:

* spot: the ``Last:`` value of the title line (for ETFs this can be a pre- or after-hours print).
* quote time: the ``Date:`` line is a *download* time; ``eots.core.time.quote_time`` maps it to the
  session it belongs to (inside a session: the download time, basis ``intraday_download``; else
  the close of the latest session, basis ``session_close``). ``ts_recv`` is the download time.
* contracts: root, expiry, right and strike from the OCC symbol, which must agree with the
  ``Expiration Date`` and ``Strike`` columns and with its side (Calls/Puts); a mismatch is refused.
* underlying: from the roots (in ``build_snapshot``), cross-checked with the title line's name when
  it is one of ``UnderlyingSpec.names``.
* greeks: CBOE's IV is a decimal (0.1523 = 15.23 %). An IV of 0 means "not computed": on such
  rows ``iv_src``, ``delta_src`` and ``gamma_src`` (and theta/vega if present) are null. A gamma
  of 0 with a non-zero IV is kept (it is 4-decimal rounding of a tiny gamma).

Rows are read with polars under a strict schema (every field must be present and numeric); when
that fails a slow pass finds the first offending line and field and raises ``SchemaError``. A file
whose last row has no line end is refused as truncated: the export always ends with one, and a
row cut inside its last field would otherwise read as a smaller number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from eots.core.errors import SchemaError
from eots.core.types import UNDERLYINGS, underlying_for_root
from eots.sources._rows import Column, read_rows, refuse_nulls, split_fields
from eots.sources.datetext import download_time
from eots.sources.occ import occ_parts, strike_milli
from eots.sources.raw import (
    NUMBER,
    RawChain,
    first_row,
    refuse_fractional,
    resolve_quote_time,
    stated_underlying,
)

FORMAT = "cboe_quotedata_csv"
FORMAT_NO_GREEKS = "cboe_quotedata_csv_nogreeks"
MAX_PREAMBLE_LINES = 20

_SIDE_FIELDS: dict[str, str] = {
    "last sale": "last",
    "last": "last",
    "net": "net",
    "bid": "bid",
    "ask": "ask",
    "volume": "volume",
    "vol": "volume",
    "iv": "iv_src",
    "delta": "delta_src",
    "gamma": "gamma_src",
    "theta": "theta_src",
    "vega": "vega_src",
    "rho": "rho",
    "open interest": "open_interest",
    "open int": "open_interest",
}
_REQUIRED_SIDE_FIELDS = ("bid", "ask", "open_interest")
_GREEKS = ("iv_src", "delta_src", "gamma_src", "theta_src", "vega_src")
_UNUSED = ("net", "rho")
_SIDES = {"calls": "C", "puts": "P"}
_SIDE_NAME = {"C": "calls", "P": "puts"}
_DATE_VALUE = re.compile(r"Date:\s*(.*?)\s*(?:\"?\s*,\s*\"?\s*Bid:.*)?$")
_SPACES = re.compile(r"[\s,\u00a0\u202f]")


@dataclass(frozen=True, slots=True)
class _Layout:
    columns: tuple[Column, ...]
    side_fields: tuple[str, ...]  # normalised field names present on each side
    labels: dict[str, str]  # normalised field name -> header text


def parse_cboe_csv(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Parse the bytes of a CBOE ``quotedata.csv`` into a ``RawChain`` (see the module docstring).

    Parameters
    ----------
    data
        The whole file.
    source
        Name used in messages (the path).
    as_of
        Overrides the quote time (``TimeBasis.OVERRIDE``); then an unreadable Date line is fine.
    underlying
        The underlying the caller expects; refused if the file says otherwise.
    """
    preamble, data, start = _split_preamble(data, source)
    header_line = len(preamble)
    tail = data.rstrip(b" \t")
    if len(tail) > start and not tail.endswith(b"\n"):
        raise SchemaError(
            "the last line has no line end: the file looks truncated (cboe.com's export always "
            "ends its last row with one)",
            source=source,
            line=header_line + data.count(b"\n", start) + 1,
        )
    layout = _layout(preamble[-1], line=header_line, source=source)
    wide = _read_wide(data, start, layout, first_line=header_line + 1, source=source)
    del data, tail  # the rows are in ``wide`` now (the caller may still hold the bytes)
    frame = _contracts(wide, layout, source)
    del wide
    title_line, title, spot = _title(preamble[:-1], source)
    capture = _capture_time(preamble[:-1], source, required=as_of is None)
    qt, recv = resolve_quote_time(
        capture, as_of, source=source, missing="the file has no Date: line"
    )
    named = _named_underlying(title)
    _check_title(frame, named, title, source=source, line=title_line)
    return RawChain(
        frame=frame,
        spot=spot,
        quote_time=qt,
        ts_recv=recv,
        source=source,
        source_format=FORMAT if "iv_src" in layout.side_fields else FORMAT_NO_GREEKS,
        underlying=stated_underlying(
            named, underlying, source=source, line=title_line, field="title"
        ),
    )


def _split_preamble(data: bytes, source: str) -> tuple[list[str], bytes, int]:
    """Return the lines up to the header, the data (CRLF normalised) and the rows' byte offset."""
    lines: list[str] = []
    start = 0
    for number in range(1, MAX_PREAMBLE_LINES + 1):
        end = data.find(b"\n", start)
        raw = data[start:] if end < 0 else data[start:end]
        try:
            line = raw.decode("utf-8").lstrip("\ufeff").rstrip("\r")
        except UnicodeDecodeError as e:
            raise SchemaError(f"not UTF-8 text: {e.reason}", source=source, line=number) from e
        lines.append(line)
        if _is_header(line):
            if end < 0:
                return lines, b"", 0
            if data.find(b"\r", end + 1) >= 0:
                head = data[: end + 1]
                data = head + data[end + 1 :].replace(b"\r\n", b"\n")
            return lines, data, end + 1
        if end < 0:
            break
        start = end + 1
    raise SchemaError(
        f"no 'Expiration Date,Calls,...' header line in the first {len(lines)} lines",
        source=source,
    )


def _is_header(line: str) -> bool:
    fields = split_fields(line)
    return bool(fields) and fields[0].strip().strip('"').lower() == "expiration date"


def _layout(header: str, *, line: int, source: str) -> _Layout:
    names = [f.strip() for f in split_fields(header)]
    while names and names[-1] == "":
        names.pop()
    columns: list[Column] = []
    sides: dict[str, list[str]] = {"C": [], "P": []}
    labels: dict[str, str] = {}
    side: str | None = None
    for text in names:
        key = " ".join(text.lower().split())
        if key == "expiration date" and not columns:
            columns.append(Column("expiry_text", text, numeric=False))
        elif key in _SIDES and not sides[_SIDES[key]]:
            side = _SIDES[key]
            columns.append(Column(f"{side}_symbol", text, numeric=False))
            sides[side].append("symbol")
        elif key == "strike" and all(c.name != "strike" for c in columns):
            columns.append(Column("strike", text, numeric=True))
        elif key in _SIDE_FIELDS and side is not None and _SIDE_FIELDS[key] not in sides[side]:
            field = _SIDE_FIELDS[key]
            sides[side].append(field)
            labels[field] = text
            columns.append(Column(f"{side}_{field}", f"{text} ({_SIDE_NAME[side]})", True))
        else:
            raise SchemaError(
                f"unexpected column {text!r} in the header; expected Expiration Date, Calls, "
                f"Strike, Puts and per side {sorted(set(_SIDE_FIELDS))}",
                source=source,
                line=line,
                field=text,
            )
    _check_layout(columns, sides, line=line, source=source)
    return _Layout(tuple(columns), tuple(f for f in sides["C"] if f != "symbol"), labels)


def _check_layout(
    columns: list[Column], sides: dict[str, list[str]], *, line: int, source: str
) -> None:
    have = {c.name for c in columns}
    for name, label in (("expiry_text", "Expiration Date"), ("strike", "Strike")):
        if name not in have:
            raise SchemaError("missing column in the header", source=source, line=line, field=label)
    for side, fields in sides.items():
        missing = [f for f in ("symbol", *_REQUIRED_SIDE_FIELDS) if f not in fields]
        if missing:
            raise SchemaError(
                f"the {_SIDE_NAME[side]} side lacks {missing}",
                source=source,
                line=line,
                field="Calls" if side == "C" else "Puts",
            )
    if set(sides["C"]) != set(sides["P"]):
        raise SchemaError(
            f"calls and puts have different fields: {sides['C']} vs {sides['P']}",
            source=source,
            line=line,
        )


def _read_wide(
    data: bytes, start: int, layout: _Layout, *, first_line: int, source: str
) -> pl.DataFrame:
    columns = list(layout.columns)
    end = data.find(b"\n", start)
    first = data[start:] if end < 0 else data[start:end]
    extra = len(split_fields(first.decode("utf-8", errors="replace"))) - len(columns)
    pads = [Column(f"_pad{i}", "(trailing field)", numeric=False) for i in range(extra)]
    wide = read_rows(
        data,
        columns + pads,
        first_line=first_line,
        source=source,
        skip_lines=first_line - 1,
        start=start,
    )
    for pad in pads:
        row = first_row(wide, pl.col(pad.name).str.strip_chars() != "")
        if row is not None:
            raise SchemaError(
                f"unexpected field past the last column, was {row[pad.name]!r}",
                source=source,
                line=int(str(row["source_line"])),
            )
    refuse_nulls(wide, columns, source=source)
    return wide


def _contracts(wide: pl.DataFrame, layout: _Layout, source: str) -> pl.DataFrame:
    expiry = pl.coalesce(
        pl.col("expiry_text").str.strptime(pl.Date, "%a %b %d %Y", strict=False),
        pl.col("expiry_text").str.strptime(pl.Date, "%Y-%m-%d", strict=False),
    )
    wide = wide.with_columns(expiry=expiry)
    row = first_row(wide, pl.col("expiry").is_null())
    if row is not None:
        raise SchemaError(
            f"expected a date like 'Wed Apr 05 2023', was {row['expiry_text']!r}",
            source=source,
            line=int(str(row["source_line"])),
            field="Expiration Date",
        )
    refuse_fractional(
        wide,
        {
            f"{side}_{field}": f"{layout.labels[field]} ({_SIDE_NAME[side]})"
            for side in ("C", "P")
            for field in ("volume", "open_interest")
            if field in layout.side_fields
        },
        source=source,
    )
    kept = [f for f in layout.side_fields if f not in _UNUSED]
    sides = [
        wide.select(
            "expiry",
            "strike",
            "source_line",
            pl.col(f"{side}_symbol").str.strip_chars().alias("symbol"),
            pl.lit(side).alias("right"),
            *[pl.col(f"{side}_{f}").alias(f) for f in kept],
        )
        for side in ("C", "P")
    ]
    long = pl.concat(sides).with_columns(occ_parts(pl.col("symbol")))
    _check_symbols(long, source)
    greeks = [g for g in _GREEKS if g in kept]
    if "iv_src" in kept:
        not_given = pl.col("iv_src") == 0
        long = long.with_columns(
            [pl.when(not_given).then(None).otherwise(pl.col(g)).alias(g) for g in greeks]
        )
    return long.select(
        pl.col("occ_root").alias("root"),
        "symbol",
        "expiry",
        "strike",
        "right",
        *kept,
        "source_line",
    )


def _check_symbols(long: pl.DataFrame, source: str) -> None:
    def side(row: dict[str, object]) -> str:
        return "Calls" if row["right"] == "C" else "Puts"

    checks: list[tuple[pl.Expr, str, str]] = [
        (pl.col("occ_root").is_null(), "expected an OCC symbol like SPXW230405C04100000", ""),
        (pl.col("occ_right") != pl.col("right"), "the symbol's right contradicts its side", ""),
        (
            pl.col("occ_expiry") != pl.col("expiry"),
            "the symbol's expiry contradicts the Expiration Date column",
            "Expiration Date",
        ),
        (
            pl.col("occ_strike_milli") != strike_milli(pl.col("strike")),
            "the symbol's strike contradicts the Strike column",
            "Strike",
        ),
    ]
    for mask, text, field in checks:
        row = first_row(long, mask)
        if row is not None:
            raise SchemaError(
                f"{text}: symbol {row['symbol']!r}, expiry {row['expiry']}, strike {row['strike']}",
                source=source,
                line=int(str(row["source_line"])),
                field=field or side(row),
            )


def _title(lines: list[str], source: str) -> tuple[int | None, str, float]:
    for number, line in enumerate(lines, start=1):
        fields = split_fields(line)
        for field in fields:
            text = field.strip().strip('"').strip()
            if text.lower().startswith("last:"):
                value = _SPACES.sub("", text[5:])
                if NUMBER.fullmatch(value) is None:
                    raise SchemaError(
                        f"expected a number after 'Last:', was {text!r}",
                        source=source,
                        line=number,
                        field="Last",
                    )
                title = fields[0].strip().strip('"') if fields[0] is not field else ""
                return number, title, float(value)
    raise SchemaError(
        "no title line with 'Last: <spot>' before the header", source=source, field="Last"
    )


def _capture_time(lines: list[str], source: str, *, required: bool) -> dt.datetime | None:
    for number, line in enumerate(lines, start=1):
        at = line.find("Date:")
        if at < 0:
            continue
        match = _DATE_VALUE.match(line[at:].rstrip(", \t"))
        text = match.group(1) if match else line[at + 5 :]
        try:
            return download_time(text)
        except ValueError as e:
            if not required:
                return None
            raise SchemaError(
                f"cannot read the download time: {e}; pass as_of (CLI: --as-of) with the "
                "time the quotes belong to",
                source=source,
                line=number,
                field="Date",
            ) from e
    return None


def _normalised(name: str) -> str:
    return "".join(ch for ch in name.upper() if ch.isalnum())


def _named_underlying(title: str) -> str | None:
    key = _normalised(title)
    best: tuple[int, str] | None = None
    for spec in UNDERLYINGS.values():
        for name in spec.names:
            norm = _normalised(name)
            if norm and key.startswith(norm) and (best is None or len(norm) > best[0]):
                best = (len(norm), spec.symbol)
    return best[1] if best else None


def _check_title(
    frame: pl.DataFrame, named: str | None, title: str, *, source: str, line: int | None
) -> None:
    if named is None:
        return
    roots = frame.get_column("root").unique().sort().to_list()
    symbols = sorted({underlying_for_root(r).symbol for r in roots})
    if len(symbols) == 1 and symbols[0] != named:
        raise SchemaError(
            f"the title names {title!r} ({named}) but the option roots {roots} belong to "
            f"{symbols[0]}",
            source=source,
            line=line,
            field="title",
        )
