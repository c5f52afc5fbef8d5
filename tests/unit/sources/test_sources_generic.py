"""The generic CSV/Parquet format (docs/formats.md) and format detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import eots.sources
from eots.chain import CHAIN_SCHEMA
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, TimeBasis
from eots.sources import ChainFormat, detect_format, load_chain
from unit.sources.sources_texts import (
    GENERIC_HEADER,
    GENERIC_ROWS,
    cboe_csv,
    cboe_json,
    generic_csv,
    tda_json,
    write,
)


def _refused(path: Path, pattern: str, error: type[SchemaError] = SchemaError) -> SchemaError:
    with pytest.raises(error, match=pattern) as e:
        load_chain(path)
    assert str(path) in str(e.value)
    return e.value


def test_generic_csv_loads_with_stated_time(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, generic_csv()))
    assert snap.frame.schema == CHAIN_SCHEMA
    assert (snap.underlying, snap.spot, snap.source_format) == ("SPX", 4090.38, "generic_csv")
    assert snap.ts_event == dt.datetime(2023, 4, 5, 16, 0, tzinfo=ET)
    assert snap.time_basis is TimeBasis.SOURCE
    assert snap.n_contracts == 3
    assert snap.frame.get_column("iv_src").to_list() == [0.1523, 0.1822, None]
    assert snap.frame.get_column("source_line").to_list() == [2, 3, 4]


def test_generic_csv_minimal_columns_with_as_of(tmp_path: Path) -> None:
    text = "root,expiry,strike,right,open_interest,spot\nSPY,2023-04-06,410,C,10,410.5\n"
    path = write(tmp_path, text)
    _refused(path, r"field 'ts_event'.*--as-of")
    snap = load_chain(path, as_of=dt.datetime(2023, 4, 5, 16, tzinfo=ET))
    assert (snap.underlying, snap.n_contracts, snap.time_basis) == ("SPY", 1, TimeBasis.OVERRIDE)


def test_generic_parquet_round_trip(tmp_path: Path) -> None:
    frame = pl.read_csv(generic_csv().encode(), schema_overrides={"expiry": pl.Date})
    frame = frame.with_columns(
        pl.col("ts_event").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z").dt.convert_time_zone("UTC")
    )
    path = tmp_path / "chain.bin"
    frame.write_parquet(path)
    snap = load_chain(path)
    assert (snap.source_format, snap.n_contracts) == ("generic_parquet", 3)
    assert snap.ts_event == dt.datetime(2023, 4, 5, 16, 0, tzinfo=ET)


def test_generic_parquet_bad_value_names_row(tmp_path: Path) -> None:
    frame = pl.read_csv(generic_csv().encode(), infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("x")).otherwise(pl.col("bid")).alias("bid")
    )
    path = tmp_path / "chain.bin"
    frame.write_parquet(path)
    _refused(path, r"line 2, field 'bid'.*'x'")


@pytest.mark.parametrize(
    ("header", "rows", "pattern"),
    [
        (
            GENERIC_HEADER + ",colour",
            tuple(r + ",red" for r in GENERIC_ROWS),
            r"line 1, field 'colour'",
        ),
        (GENERIC_HEADER.replace("strike,", ""), GENERIC_ROWS, r"line 1, field 'strike'"),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0], GENERIC_ROWS[1].replace(",3.1,", ",abc,")),
            r"line 3, field 'bid'.*'abc'",
        ),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0].replace("2023-04-06", "06/04/2023"),),
            r"line 2, field 'expiry'",
        ),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0], GENERIC_ROWS[1].replace(",4090.38,", ",4091,")),
            r"line 3, field 'spot'",
        ),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0].replace("-04:00", ""),),
            r"line 2, field 'ts_event'.*offset",
        ),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0].replace(",150,", ",-150,"),),
            r"line 2, field 'open_interest'",
        ),
        (
            GENERIC_HEADER,
            (GENERIC_ROWS[0].replace(",150,", ",,"),),
            r"line 2, field 'open_interest'",
        ),
        (GENERIC_HEADER, (GENERIC_ROWS[0].replace(",C,", ",X,"),), r"line 2, field 'right'"),
        (GENERIC_HEADER, (*GENERIC_ROWS, GENERIC_ROWS[0].replace(",94,", ",95,")), r"listed twice"),
        (
            GENERIC_HEADER,
            (*GENERIC_ROWS, GENERIC_ROWS[0].replace("SPXW,", "SPY,")),
            r"line 5, field 'root'",
        ),
        (GENERIC_HEADER, (), "no option rows"),
    ],
)
def test_generic_csv_bad_input_refused(
    tmp_path: Path, header: str, rows: tuple[str, ...], pattern: str
) -> None:
    _refused(write(tmp_path, generic_csv(header, rows)), pattern)


def test_generic_csv_stated_underlying_checked(tmp_path: Path) -> None:
    text = generic_csv(GENERIC_HEADER + ",underlying", tuple(r + ",NDX" for r in GENERIC_ROWS))
    _refused(write(tmp_path, text), r"field 'root'.*'NDX'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (cboe_csv(), ChainFormat.CBOE_CSV),
        (cboe_json(), ChainFormat.CBOE_JSON),
        (tda_json(), ChainFormat.TDA_JSON),
        (generic_csv(), ChainFormat.GENERIC_CSV),
    ],
)
def test_detect_format_from_content(text: str, expected: ChainFormat) -> None:
    assert detect_format(text.encode()) is expected


@pytest.mark.parametrize(
    ("data", "pattern", "error"),
    [
        (b"", "empty", EmptyChainError),
        (b"  \n\n", "only whitespace", EmptyChainError),
        (bytes(range(256)) * 4, "binary", SchemaError),
        (b"hello world\nthis is not a chain\n", "unrecognised format", SchemaError),
        (b'{"quotes": []}', "JSON without", SchemaError),
        (b"\xff\xfe garbage \xfa\n", "UTF-16-LE text but does not decode", SchemaError),
        (b"\xfa\xfb garbage \xfa\n", "not UTF-8", SchemaError),
        (b"PAR1 not really parquet", "unreadable Parquet", SchemaError),
    ],
)
def test_garbage_refused(
    tmp_path: Path, data: bytes, pattern: str, error: type[SchemaError]
) -> None:
    _refused(write(tmp_path, data), pattern, error)


def test_sources_public_api() -> None:
    assert sorted(eots.sources.__all__) == [
        "CboeLiveSource",
        "ChainFormat",
        "ChainSource",
        "HttpClient",
        "RawChain",
        "RecordedTransport",
        "RecordingTransport",
        "RetryPolicy",
        "TradierSource",
        "detect_format",
        "load_chain",
        "load_chain_bytes",
        "load_raw_chain",
        "read_cboe_csv",
        "read_cboe_json",
        "read_generic_csv",
        "read_generic_parquet",
        "read_tda_json",
        "snapshot_from_raw",
        "tradier_token",
    ]
