r"""Loading a large CBOE CSV or JSON, or a generic CSV or Parquet file, in batches (bounded memory).

``load_chain`` reads a whole file, parses it into one raw frame and validates that frame: on a
200 MB file the bytes, the raw frame and the snapshot coexist (6.8x the file at peak). Here the
file is read in pieces of about ``BATCH_BYTES`` that end at a line end, brought to ``\n`` line
ends piece by piece (a CR at a piece's end waits for the next piece, so a CRLF pair is never
split), parsed by the format's own row code with ``source_line`` counted from the file's start,
and validated into typed columns (``eots.chain.assemble``). Only those columns accumulate.

A CBOE delayed-quotes JSON payload is walked record by record (``eots.sources._json.JsonStream``
over chunks of about ``BATCH_BYTES``); each batch of records becomes the format's raw rows.

The batched path never words a refusal itself. ``load_streamed`` returns None when the file is
not one it handles (gzip, UTF-16/32, a JSON array, the history layouts, an unreadable head) and
raises ``Undecided`` when any batch or the final assembly meets anything the whole-file path
would refuse or treat specially (a bad field, a blank line opening a batch, a duplicate
contract, a missing last line end): the caller then loads the file the whole-file way, whose
message names the file, line and field. So a file that loads gives the same snapshot either way
(a benchmark and the tests check it) and a refused file gives the same message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from eots.chain.assemble import SnapshotAssembler, Undecided
from eots.chain.snapshot import ChainSnapshot
from eots.sources import cboe_csv
from eots.sources._rows import Column, read_block, refuse_nulls, split_fields
from eots.sources.detect import _SNIFF_BYTES, ChainFormat, detect_format
from eots.sources.raw import refuse_fractional, resolve_quote_time, stated_underlying
from eots.sources.text import text_encoding

#: Bytes read per batch; a batch ends at the last line end within it.
BATCH_BYTES = 8 << 20
#: Batches grow beyond ``BATCH_BYTES`` so that a file has at most about this many.
MAX_BATCHES = 64
#: Files smaller than this are read whole (batching only pays on large files).
MIN_STREAM_BYTES = 32 << 20
#: Bytes of CSV one generic row stands for (to size Parquet batches and compare with the above).
_PARQUET_ROW_BYTES = 100


def load_streamed(
    path: Path,
    *,
    as_of: dt.datetime | None,
    underlying: str | None,
    batch_bytes: int | None = None,
) -> ChainSnapshot | None:
    """Load a CBOE CSV or JSON or a generic CSV/Parquet in batches; None: not one this path reads.

    Raises
    ------
    Undecided
        The whole-file path must decide this file (see the module docstring).
    SchemaError
        A refusal met on the way; the caller re-reads the file the whole-file way for the exact
        message (the batched path's wording may name another fault first).
    """
    # at most ~MAX_BATCHES batches: the per-batch work stays a small part of a huge file's
    size = max(batch_bytes or BATCH_BYTES, path.stat().st_size // MAX_BATCHES)
    with path.open("rb") as handle:
        head = handle.read(4)
        if head == b"PAR1":
            return _parquet(path, size, as_of=as_of, underlying=underlying)
        if head[:2] == b"\x1f\x8b":
            return None
        handle.seek(0)
        if _json_head(handle.read(_SNIFF_BYTES)):
            handle.seek(0)
            return _cboe_json(handle, size, source=str(path), as_of=as_of, underlying=underlying)
        handle.seek(0)
        pieces = _pieces(handle, size)
        prefix = _prefix(pieces)
        if prefix is None:
            return None
        fmt = detect_format(prefix, source=str(path))
        if fmt == ChainFormat.CBOE_CSV:
            return _cboe(prefix, pieces, size, source=str(path), as_of=as_of, underlying=underlying)
        if fmt == ChainFormat.GENERIC_CSV:
            return _generic(
                prefix, pieces, size, source=str(path), as_of=as_of, underlying=underlying
            )
    return None


def _pieces(handle: BinaryIO, size: int) -> Iterator[bytes]:
    r"""Yield the file as pieces with ``\n`` line ends, each ending at a line end but the last."""
    carry = b""
    while True:
        block = handle.read(size)
        data = carry + block
        if not block:
            if data:
                yield data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            return
        held = b""
        if data.endswith(b"\r"):
            data, held = data[:-1], b"\r"
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = data.rfind(b"\n") + 1
        carry = data[cut:] + held
        if cut:
            yield data[:cut]


def _prefix(pieces: Iterator[bytes]) -> bytes | None:
    """Return the first pieces (the sniffed head, 21 lines); None: not a file for this path."""
    prefix = b""
    for piece in pieces:
        prefix += piece
        if len(prefix) >= _SNIFF_BYTES and prefix.count(b"\n") > cboe_csv.MAX_PREAMBLE_LINES:
            break
    head = prefix[:_SNIFF_BYTES]
    if not head.strip() or text_encoding(head) is not None or b"\x00" in head:
        return None
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return None
    return prefix


class _Rows:
    """Line-aligned batches of rows after the header, with the file line each starts at."""

    def __init__(self, first: bytes, pieces: Iterator[bytes], first_line: int, size: int) -> None:
        self._first = first
        self._size = size
        self._pieces = pieces
        self.first_line = first_line
        self.last_byte = b""

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        """Yield ``(file line of the first row, batch)``; skip batches of line ends only."""
        line = self.first_line
        for batch in self._all():
            tail = batch.rstrip(b" \t")
            if tail:
                self.last_byte = tail[-1:]
            if batch.strip(b"\n"):
                end = batch.find(b"\n")
                if not (batch if end < 0 else batch[:end]).strip():
                    raise Undecided("a batch opens with a blank line")
                yield line, batch
            line += batch.count(b"\n")

    def _all(self) -> Iterator[bytes]:
        yield from _split(self._first, self._size)
        yield from self._pieces


def _split(data: bytes, size: int) -> Iterator[bytes]:
    """Yield ``data`` in slices of about ``size`` bytes ending at a line end (the last may not)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + size - 1)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end


def _read(batch: bytes, columns: list[Column], first_line: int, source: str) -> pl.DataFrame:
    frame = read_block(batch, columns, first_line=first_line, source=source)
    refuse_nulls(frame, [c for c in columns if not c.name.startswith("_pad")], source=source)
    return frame


def _cboe(
    prefix: bytes,
    pieces: Iterator[bytes],
    size: int,
    *,
    source: str,
    as_of: dt.datetime | None,
    underlying: str | None,
) -> ChainSnapshot:
    preamble, prefix, start = cboe_csv._split_preamble(prefix, source)
    if start == 0:
        raise Undecided("the header is the last line")
    header_line = len(preamble)
    layout = cboe_csv._layout(preamble[-1], line=header_line, source=source)
    title_line, title, spot = cboe_csv._title(preamble[:-1], source)
    capture = cboe_csv._capture_time(preamble[:-1], source, required=as_of is None)
    qt, recv = resolve_quote_time(
        capture, as_of, source=source, missing="the file has no Date: line"
    )
    named = cboe_csv._named_underlying(title)
    stated = stated_underlying(named, underlying, source=source, line=title_line, field="title")
    end = prefix.find(b"\n", start)
    first = prefix[start:] if end < 0 else prefix[start:end]
    extra = len(split_fields(first.decode("utf-8", errors="replace"))) - len(layout.columns)
    pads = [Column(f"_pad{i}", "(trailing field)", numeric=False) for i in range(extra)]
    columns = list(layout.columns) + pads
    assembler = SnapshotAssembler(spot=spot, source=source)
    rows = _Rows(prefix[start:], pieces, header_line + 1, size)
    del prefix
    for line, batch in rows:
        wide = _read(batch, columns, line, source)
        for pad in pads:
            if wide.select((pl.col(pad.name).str.strip_chars() != "").any()).item():
                raise Undecided("a field past the last column")
        calls = wide.height
        long = cboe_csv._contracts(wide, layout, source)
        del wide
        assembler.add(long.slice(0, calls), part=0)
        assembler.add(long.slice(calls), part=1)
        del long
    if rows.last_byte not in (b"", b"\n"):
        raise Undecided("the last line has no line end")
    roots = pl.DataFrame({"root": assembler.roots()}, schema={"root": pl.String})
    cboe_csv._check_title(roots, named, title, source=source, line=title_line)
    fmt = cboe_csv.FORMAT if "iv_src" in layout.side_fields else cboe_csv.FORMAT_NO_GREEKS
    return assembler.finish(quote_time=qt, ts_recv=recv, source_format=fmt, underlying=stated)


def _generic(
    prefix: bytes,
    pieces: Iterator[bytes],
    size: int,
    *,
    source: str,
    as_of: dt.datetime | None,
    underlying: str | None,
) -> ChainSnapshot:
    from eots.sources import generic

    end = prefix.find(b"\n")
    if end < 0:
        raise Undecided("no row")
    header = prefix[:end].decode("utf-8-sig")
    names = [n.strip() for n in split_fields(header)]
    generic._check_names(names, source=source, line=1)
    columns = [Column(n, n, numeric=n not in generic._TEXT) for n in names]
    meta = [n for n in names if n in generic._META]
    batches = iter(_Rows(prefix[end + 1 :], pieces, 2, size))
    del prefix
    line, batch = next(batches, (0, b""))
    if not batch:
        raise Undecided("no row")
    frame = _generic_batch(batch, columns, line, source)
    chain = generic._raw(frame.head(1), generic.FORMAT_CSV, source, as_of, underlying)
    head = frame.head(1).select(pl.col(meta).cast(pl.String))
    assembler = SnapshotAssembler(spot=chain.spot, source=source)
    while True:
        _same_meta(frame, head, meta)
        assembler.add(frame.select([c for c in frame.columns if c not in generic._META]))
        del frame
        line, batch = next(batches, (0, b""))
        if not batch:
            break
        frame = _generic_batch(batch, columns, line, source)
    return assembler.finish(
        quote_time=chain.quote_time,
        ts_recv=chain.ts_recv,
        source_format=generic.FORMAT_CSV,
        underlying=chain.underlying,
    )


def _generic_batch(batch: bytes, columns: list[Column], line: int, source: str) -> pl.DataFrame:
    from eots.sources import generic

    frame = generic._with_expiry(read_block(batch, columns, first_line=line, source=source), source)
    refuse_fractional(frame, {"volume": "volume", "open_interest": "open_interest"}, source=source)
    return frame


def _parquet(
    path: Path, size: int, *, as_of: dt.datetime | None, underlying: str | None
) -> ChainSnapshot | None:
    """Read a generic Parquet file in batches of rows (about ``size`` bytes of CSV each).

    Compressed Parquet is far smaller than its rows (8 MB for 2.8 M contracts), so the file is
    batched by its row count (rows x ``_PARQUET_ROW_BYTES`` against ``MIN_STREAM_BYTES``).
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from eots.sources import generic

    source = str(path)
    try:
        parquet = pq.ParquetFile(path)
        schema = pl.read_parquet_schema(path)
    except (pa.ArrowException, OSError, pl.exceptions.PolarsError) as e:
        raise Undecided("unreadable Parquet") from e
    if parquet.metadata.num_rows * _PARQUET_ROW_BYTES < MIN_STREAM_BYTES:
        return None  # a small table: the whole-file path
    names = list(schema)
    generic._check_names(names, source=source, line=None)
    if any(t.is_nested() or t in (pl.Object, pl.Binary, pl.Null) for t in schema.values()):
        raise Undecided("a column the generic format does not take")
    meta = [n for n in names if n in generic._META]
    assembler: SnapshotAssembler | None = None
    line = 1
    for batch in parquet.iter_batches(batch_size=max(1, size // _PARQUET_ROW_BYTES)):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if frame.schema != schema:
            raise Undecided("pyarrow's batch types differ from polars' reading of the file")
        frame = frame.with_columns(source_line=pl.int_range(line, line + pl.len(), dtype=pl.Int64))
        line += frame.height
        frame = frame.with_columns([generic._parquet_cast(frame, n, source) for n in names])
        refuse_fractional(
            frame, {"volume": "volume", "open_interest": "open_interest"}, source=source
        )
        if assembler is None:
            chain = generic._raw(frame.head(1), generic.FORMAT_PARQUET, source, as_of, underlying)
            head = frame.head(1).select(pl.col(meta).cast(pl.String))
            assembler = SnapshotAssembler(spot=chain.spot, source=source)
        _same_meta(frame, head, meta)
        assembler.add(frame.select([c for c in frame.columns if c not in generic._META]))
        del frame, batch
    if assembler is None:
        raise Undecided("no row")
    return assembler.finish(
        quote_time=chain.quote_time,
        ts_recv=chain.ts_recv,
        source_format=generic.FORMAT_PARQUET,
        underlying=chain.underlying,
    )


def _json_head(head: bytes) -> bool:
    """Whether ``head`` opens a UTF-8 JSON object (a ``[`` document is left to the whole path)."""
    if text_encoding(head) is not None or b"\x00" in head:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


class _Marked:
    """A binary file that notes which of ``MARKS`` its bytes hold (as ``detect_format`` looks).

    ``read`` raises ``Undecided`` as soon as the marks say TD Ameritrade or Barchart JSON (read
    whole), so such a file is not walked to its end first.
    """

    MARKS = (b'"callExpDateMap"', b'"expiries"', b'"strikePrice"', b'"options"')

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._tail = b""
        self.seen: set[bytes] = set()

    def read(self, size: int) -> bytes:
        """Read like ``handle.read`` and note the marks (also one cut by the previous read)."""
        block = self._handle.read(size)
        window = self._tail + block
        self.seen.update(m for m in self.MARKS if m not in self.seen and m in window)
        self._tail = window[-max(len(m) for m in self.MARKS) :]
        if self._other():
            raise Undecided("another JSON format (TD Ameritrade or Barchart)")
        return block

    def _other(self) -> bool:
        barchart = {b'"expiries"', b'"strikePrice"'} <= self.seen
        return b'"callExpDateMap"' in self.seen or barchart

    def cboe(self) -> bool:
        """Whether ``detect_format`` would call the whole file CBOE JSON."""
        return b'"options"' in self.seen and not self._other()


def _cboe_json(
    handle: BinaryIO,
    size: int,
    *,
    source: str,
    as_of: dt.datetime | None,
    underlying: str | None,
) -> ChainSnapshot:
    """Read a CBOE delayed-quotes JSON payload's ``options`` in batches of records.

    Each batch of records becomes the format's raw rows (``cboe_json._contracts``, with
    ``source_line`` the record number in the whole list); the rows wait (in their compact raw
    columns) until the payload's spot is read, which the real files give after the options.
    """
    from eots.sources import cboe_json
    from eots.sources._json import STREAMED, JsonStream, JsonUnsure, is_number

    marked = _Marked(handle)
    held: list[pl.DataFrame] = []
    paths: set[tuple[str, ...]] = set()

    def on_array(path: tuple[str, ...], items: list[object], first: int) -> None:
        paths.add(path)
        records = [r for r in items if isinstance(r, dict)]
        if len(paths) > 1 or len(records) != len(items):
            raise Undecided("two options lists, or an option that is not an object")
        held.append(cboe_json._contracts(records, path=".".join(path), source=source, first=first))

    walker = JsonStream(marked.read, chunk=size, batch=size)
    try:
        doc = walker.document(
            descend=lambda p: p == ("data",),
            stream=lambda p: p in (("options",), ("data", "options")),
            on_array=on_array,
        )
    except JsonUnsure as e:
        raise Undecided(str(e)) from e
    wrapped = isinstance(doc.get("data"), dict)
    quote: dict[str, Any] = doc["data"] if wrapped else doc
    spot = quote.get("current_price")
    if not marked.cboe() or quote.get("options") is not STREAMED or not held:
        raise Undecided("not a CBOE JSON payload, or no options")
    if not is_number(spot):
        raise Undecided("no numeric current_price")
    capture = cboe_json._capture_time(doc, quote, source=source)
    qt, recv = resolve_quote_time(
        capture, as_of, source=source, missing="the payload has no 'timestamp'"
    )
    stated = stated_underlying(
        cboe_json._stated(doc, quote), underlying, source=source, field="symbol"
    )
    assembler = SnapshotAssembler(spot=float(spot), source=source)
    while held:
        assembler.add(held.pop(0))
    fmt = cboe_json.FORMAT if wrapped else cboe_json.FORMAT_OLD
    return assembler.finish(quote_time=qt, ts_recv=recv, source_format=fmt, underlying=stated)


def _same_meta(frame: pl.DataFrame, head: pl.DataFrame, meta: list[str]) -> None:
    """Leave the file to the whole-file path when a snapshot-level column varies or is empty."""
    for name in meta:
        text = frame.get_column(name).cast(pl.String)
        if text.null_count() or (text != head.get_column(name)[0]).any():
            raise Undecided(f"column {name} varies")


__all__ = ["BATCH_BYTES", "MIN_STREAM_BYTES", "Undecided", "load_streamed"]
