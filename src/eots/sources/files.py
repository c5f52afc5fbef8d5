r"""Load an option-chain file of any supported format into a validated ``ChainSnapshot``.

``load_chain`` reads the bytes, detects the format from the content (``detect.detect_format``),
parses it with that format's reader into a ``RawChain`` and validates it with
``eots.chain.build_snapshot``. The ``read_*`` functions skip detection for callers that know the
format. ``as_of`` (timezone-aware) overrides the quote time of any format
(``TimeBasis.OVERRIDE``); ``underlying`` states what the caller expects and is checked. Text is
first brought to UTF-8 with ``\n`` line ends (``eots.sources.text``: UTF-16/32 exports, CR-only and
CRLF files).

A CBOE ``quotedata.csv``, CBOE JSON or generic CSV of ``stream.MIN_STREAM_BYTES`` or more, or a
generic Parquet file of as many rows' worth, is read in batches (``eots.sources.stream``), so peak
memory stays near the snapshot's own size; a file the batched path meets a fault in is read again
whole, for the exact refusal.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from eots.chain.assemble import Undecided
from eots.chain.snapshot import ChainSnapshot
from eots.chain.validate import check_spot_plausible
from eots.core.errors import SchemaError
from eots.sources import stream
from eots.sources.detect import ChainFormat, detect_format
from eots.sources.raw import RawChain, snapshot_from_raw
from eots.sources.text import normalise_text

Parser = Callable[..., RawChain]

#: Each format's reader (module, function), imported when a file of that format is read: a run
#: reads one format, and the other readers' modules are start-up time of every ``eots analyze``.
PARSERS: dict[ChainFormat, tuple[str, str]] = {
    ChainFormat.CBOE_CSV: ("eots.sources.cboe_csv", "parse_cboe_csv"),
    ChainFormat.CBOE_JSON: ("eots.sources.cboe_json", "parse_cboe_json"),
    ChainFormat.TDA_JSON: ("eots.sources.tda_json", "parse_tda_json"),
    ChainFormat.GENERIC_CSV: ("eots.sources.generic", "parse_generic_csv"),
    ChainFormat.GENERIC_PARQUET: ("eots.sources.generic", "parse_generic_parquet"),
    ChainFormat.BARCHART_JSON: ("eots.sources.barchart_json", "parse_barchart_json"),
    ChainFormat.ZERODTE_CSV: ("eots.sources.zerodte_csv", "parse_zerodte_csv"),
}


def parser(fmt: ChainFormat) -> Parser:
    """Return the reader of ``fmt`` (its module imported on first use)."""
    module, name = PARSERS[fmt]
    reader: Parser = getattr(import_module(module), name)
    return reader


def load_chain(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Read, detect, parse and validate an option-chain file.

    Parameters
    ----------
    path
        A CBOE ``quotedata.csv``, CBOE delayed-quotes JSON, TD Ameritrade chain JSON, or a
        generic CSV/Parquet file (``docs/formats.md``).
    as_of
        Timezone-aware quote time that overrides the file's own (``TimeBasis.OVERRIDE``).
    underlying
        The underlying the caller expects (e.g. ``"SPX"``); a file that says otherwise is refused.

    Returns
    -------
    ChainSnapshot
        Validated snapshot; expired contracts dropped and counted in ``quality``.

    Raises
    ------
    SchemaError
        The file cannot be trusted (the message names the file, line and field).
    EmptyChainError
        The file holds no usable contract.
    """
    path = Path(path)
    if path.stat().st_size >= stream.MIN_STREAM_BYTES or _is_parquet(path):
        try:
            streamed = stream.load_streamed(path, as_of=as_of, underlying=underlying)
        except (SchemaError, Undecided, ValueError):
            streamed = None  # the whole-file path below gives the exact refusal
        if streamed is not None:
            return _checked(streamed)
    return _checked(snapshot_from_raw(load_raw_chain(path, as_of=as_of, underlying=underlying)))


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def load_chain_bytes(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> ChainSnapshot:
    """``load_chain`` on a file's bytes already in memory (``source`` names it in messages)."""
    data = normalise_text(data, source=source)
    fmt = detect_format(data, source=source)
    raw = parser(fmt)(data, source=source, as_of=as_of, underlying=underlying)
    return _checked(snapshot_from_raw(raw))


def load_raw_chain(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> RawChain:
    """Read, detect and parse a chain file without validating its rows (see ``load_chain``).

    A gzip-compressed file is decompressed first.
    """
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    data = normalise_text(data, source=str(path))
    fmt = detect_format(data, source=str(path))
    return parser(fmt)(data, source=str(path), as_of=as_of, underlying=underlying)


def _read(
    fmt: ChainFormat, path: str | Path, as_of: dt.datetime | None, underlying: str | None
) -> ChainSnapshot:
    data = normalise_text(Path(path).read_bytes(), source=str(path))
    raw = parser(fmt)(data, source=str(path), as_of=as_of, underlying=underlying)
    return _checked(snapshot_from_raw(raw))


def _checked(snapshot: ChainSnapshot) -> ChainSnapshot:
    check_spot_plausible(snapshot)
    return snapshot


def read_cboe_csv(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Load a CBOE ``quotedata.csv`` (see ``eots.sources.cboe_csv``)."""
    return _read(ChainFormat.CBOE_CSV, path, as_of, underlying)


def read_cboe_json(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Load a CBOE delayed-quotes JSON payload (see ``eots.sources.cboe_json``)."""
    return _read(ChainFormat.CBOE_JSON, path, as_of, underlying)


def read_tda_json(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Load a TD Ameritrade chain JSON payload (see ``eots.sources.tda_json``)."""
    return _read(ChainFormat.TDA_JSON, path, as_of, underlying)


def read_generic_csv(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Load a generic-format CSV (see ``eots.sources.generic`` and ``docs/formats.md``)."""
    return _read(ChainFormat.GENERIC_CSV, path, as_of, underlying)


def read_generic_parquet(
    path: str | Path, *, as_of: dt.datetime | None = None, underlying: str | None = None
) -> ChainSnapshot:
    """Load a generic-format Parquet file (see ``eots.sources.generic``)."""
    return _read(ChainFormat.GENERIC_PARQUET, path, as_of, underlying)
