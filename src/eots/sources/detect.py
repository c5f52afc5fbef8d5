"""Which chain format a file holds, decided from its content (never from its name).

Rules, in order: an empty file is an ``EmptyChainError``; Parquet magic ``PAR1`` -> generic
Parquet; NUL bytes in the first 64 KiB -> refused as binary; a document starting with ``{`` is
JSON: ``callExpDateMap`` -> TD Ameritrade, ``expiries`` with ``strikePrice`` rows -> Barchart, an
``options`` list -> CBOE delayed quotes; a ``fetched_at_et,quote_ts,...`` header -> the 0DTE
recorder's CSV; text with an
``Expiration Date,...`` line among its first lines -> CBOE ``quotedata.csv``; a first line that
names any generic-format column -> generic CSV. Anything else is refused with a ``SchemaError``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from eots.core.errors import EmptyChainError, SchemaError
from eots.sources._rows import split_fields
from eots.sources.cboe_csv import MAX_PREAMBLE_LINES
from eots.sources.generic import COLUMNS

_SNIFF_BYTES = 65536
_NON_SPACE = re.compile(rb"\S")


class ChainFormat(StrEnum):
    """A family of chain files that one reader handles."""

    CBOE_CSV = "cboe_quotedata_csv"
    CBOE_JSON = "cboe_delayed_json"
    TDA_JSON = "tda_chain_json"
    GENERIC_CSV = "generic_csv"
    GENERIC_PARQUET = "generic_parquet"
    BARCHART_JSON = "barchart_options_json"
    ZERODTE_CSV = "zerodte_cboe_csv"


def detect_format(data: bytes, *, source: str = "<bytes>") -> ChainFormat:
    r"""Return the format of a chain file's bytes.

    Examples
    --------
    >>> detect_format(b'{"data": {"options": []}}').value
    'cboe_delayed_json'
    >>> detect_format(b"root,expiry,strike,right,open_interest,spot\n").value
    'generic_csv'
    """
    if not data:
        raise EmptyChainError("the file is empty (0 bytes)", source=source)
    if _NON_SPACE.search(data) is None:  # (``data.strip()`` would copy a large file)
        raise EmptyChainError(
            f"the file holds only whitespace ({len(data)} bytes), no chain", source=source
        )
    if data[:4] == b"PAR1":
        return ChainFormat.GENERIC_PARQUET
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        raise SchemaError(
            "binary data, not a chain file (NUL bytes; UTF-16/32 text is read by load_chain)",
            source=source,
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        return _json_format(data, source)
    return _text_format(_head_text(head, source), source)


def _json_format(data: bytes, source: str) -> ChainFormat:
    """Tell TD Ameritrade, Barchart and CBOE JSON apart by their keys."""
    if b'"callExpDateMap"' in data:
        return ChainFormat.TDA_JSON
    if b'"expiries"' in data and b'"strikePrice"' in data:
        return ChainFormat.BARCHART_JSON
    if b'"options"' in data:
        return ChainFormat.CBOE_JSON
    raise SchemaError(
        "JSON without 'options' (CBOE) or 'callExpDateMap' (TD Ameritrade)", source=source
    )


def _head_text(head: bytes, source: str) -> str:
    """Decode the sniffed head as UTF-8, tolerating a character cut at its end."""
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:
            raise SchemaError(
                f"not UTF-8 text: {e.reason} at byte {e.start}",
                source=source,
                line=head[: e.start].count(b"\n") + 1,
            ) from e
        return head[: e.start].decode("utf-8-sig")


def _text_format(text: str, source: str) -> ChainFormat:
    """Tell a CBOE quotedata.csv (preamble), a 0DTE recorder CSV and a generic CSV (header)."""
    lines = text.split("\n")[:MAX_PREAMBLE_LINES]
    for line in lines:
        fields = split_fields(line)
        if fields and fields[0].strip().strip('"').lower() == "expiration date":
            return ChainFormat.CBOE_CSV
    if lines[0].lstrip("\ufeff").startswith("fetched_at_et,quote_ts,"):
        return ChainFormat.ZERODTE_CSV
    names = {n.strip() for n in split_fields(lines[0].rstrip("\r"))}
    if names & set(COLUMNS):
        return ChainFormat.GENERIC_CSV
    raise SchemaError(
        "unrecognised format: expected a CBOE quotedata.csv ('Expiration Date,Calls,...' header), "
        "CBOE or TD Ameritrade JSON, or a generic CSV/Parquet (see docs/formats.md)",
        source=source,
        line=1,
    )
