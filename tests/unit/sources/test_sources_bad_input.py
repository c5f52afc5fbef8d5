"""Issue 10: every mutated real file is refused naming its place, or read exactly like the original.

Real files are read in place from ``EOTS_REAL_DATA`` and mutated into ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from eots.core.errors import EmptyChainError, SchemaError
from eots.sources import load_chain
from eots.sources.text import normalise_text, text_encoding

pytestmark = pytest.mark.real_data

SPX = "spx_20230405_post/spx_quotedata.csv"
GENERIC_HEAD = b"root,expiry,strike,right,open_interest,spot,ts_event\n"
GENERIC_ROW = b"SPXW,2023-04-06,%s,C,10,4100,2023-04-05T16:00:00-04:00\n"


def _spx(real_data: Path) -> bytes:
    return (real_data / SPX).read_bytes()


def _write(tmp_path: Path, data: bytes, name: str = "chain.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _with_field(data: bytes, line: int, index: int, value: bytes) -> bytes:
    lines = data.split(b"\n")
    fields = lines[line - 1].split(b",")
    fields[index] = value
    lines[line - 1] = b",".join(fields)
    return b"\n".join(lines)


@pytest.mark.parametrize("value", [b"nan", b"inf", b"-inf", b"NaN"])
def test_cboe_csv_non_finite_strike_refused_with_line(
    real_data: Path, tmp_path: Path, value: bytes
) -> None:
    data = _with_field(_spx(real_data), 6, 11, value)
    with pytest.raises(SchemaError, match="finite") as e:
        load_chain(_write(tmp_path, data))
    assert e.value.line == 6
    assert e.value.field == "strike"


@pytest.mark.parametrize("value", [b"nan", b"inf", b"-inf"])
def test_generic_csv_non_finite_strike_refused(tmp_path: Path, value: bytes) -> None:
    path = _write(tmp_path, GENERIC_HEAD + GENERIC_ROW % value)
    with pytest.raises(SchemaError, match="finite") as e:
        load_chain(path)
    assert (e.value.line, e.value.field) == (2, "strike")


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _generic_frame(strike: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "root": ["SPXW"],
            "expiry": [dt.date(2023, 4, 6)],
            "strike": [strike],
            "right": ["C"],
            "open_interest": [10.0],
            "spot": [4100.0],
            "ts_event": ["2023-04-05T16:00:00-04:00"],
        }
    )


@pytest.mark.parametrize("strike", [float("nan"), float("inf")])
def test_parquet_non_finite_strike_refused(tmp_path: Path, strike: float) -> None:
    path = _write(tmp_path, _parquet(_generic_frame(strike)), "chain.parquet")
    with pytest.raises(SchemaError, match="finite") as e:
        load_chain(path)
    assert (e.value.line, e.value.field) == (1, "strike")


def test_parquet_struct_column_refused(tmp_path: Path) -> None:
    frame = _generic_frame(4100.0).with_columns(bid=pl.struct(a=pl.lit(1.0)))
    with pytest.raises(SchemaError, match="Struct") as e:
        load_chain(_write(tmp_path, _parquet(frame), "chain.parquet"))
    assert e.value.field == "bid"


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        ("cr_only", lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r")),
        ("crlf", lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")),
        ("utf16", lambda b: b.decode("utf-8").encode("utf-16")),
        ("utf16be_no_bom", lambda b: b.decode("utf-8").encode("utf-16-be")),
        ("utf16le_no_bom", lambda b: b.decode("utf-8").encode("utf-16-le")),
        ("utf32", lambda b: b.decode("utf-8").encode("utf-32")),
        ("utf8_bom", lambda b: b"\xef\xbb\xbf" + b),
    ],
)
def test_harmless_encodings_read_exactly_like_the_original(
    real_data: Path, tmp_path: Path, name: str, mutate: object
) -> None:
    original = load_chain(real_data / SPX)
    assert callable(mutate)
    variant = load_chain(_write(tmp_path, mutate(_spx(real_data)), f"{name}.csv"))
    assert variant.spot == original.spot
    assert variant.ts_event == original.ts_event
    assert variant.frame.drop("source_line").equals(original.frame.drop("source_line"))


def test_five_megabyte_line_refused_not_crashed(real_data: Path, tmp_path: Path) -> None:
    head = b"\n".join(_spx(real_data).split(b"\n")[:4])
    with pytest.raises(SchemaError) as e:
        load_chain(_write(tmp_path, head + b"\n" + b"a" * 5_000_000 + b"\n"))
    assert "chain.csv" in str(e.value)
    with pytest.raises(SchemaError):
        load_chain(_write(tmp_path, b"b," * 2_500_000))


def test_whitespace_only_body_says_whitespace(tmp_path: Path) -> None:
    with pytest.raises(EmptyChainError, match="only whitespace"):
        load_chain(_write(tmp_path, b" \n\t\r\n  "))
    with pytest.raises(EmptyChainError, match="0 bytes"):
        load_chain(_write(tmp_path, b""))


def test_text_encoding_sniffing() -> None:
    assert text_encoding("Expiration Date".encode("utf-16-le")) == "utf-16-le"
    assert text_encoding("Expiration Date".encode("utf-16-be")) == "utf-16-be"
    assert text_encoding(b"PAR1\x00\x00\x00") is None
    assert normalise_text(b"a\rb\r\nc", source="x") == b"a\nb\nc"
    with pytest.raises(SchemaError, match="does not decode"):
        normalise_text(b"\xff\xfe\x00", source="x")


def test_absurd_open_interest_refused(real_data: Path, tmp_path: Path) -> None:
    lines = _spx(real_data).split(b"\n")
    for i in range(4, len(lines) - 1, 7):
        fields = lines[i].split(b",")
        if len(fields) > 10:
            fields[10] = b"99999999999999"
            lines[i] = b",".join(fields)
    with pytest.raises(SchemaError, match="implausible open interest") as e:
        load_chain(_write(tmp_path, b"\n".join(lines)))
    assert e.value.line is not None
    assert e.value.field == "open_interest"


def test_absurd_header_spot_refused(real_data: Path, tmp_path: Path) -> None:
    data = _spx(real_data)
    first = data.split(b"\n")[1]
    assert b"Last:" in first
    at = first.index(b"Last:")
    mutated = first[:at] + b"Last: 1000000000000" + first[first.index(b",", at) :]
    with pytest.raises(SchemaError, match=r"spot .* is implausible") as e:
        load_chain(_write(tmp_path, data.replace(first, mutated, 1)))
    assert e.value.field == "spot"


def test_date_line_years_before_the_expiries_refused(real_data: Path, tmp_path: Path) -> None:
    data = _spx(real_data)
    second = data.split(b"\n")[2]
    assert b"2023" in second
    with pytest.raises(SchemaError, match="days before the first expiry") as e:
        load_chain(_write(tmp_path, data.replace(second, second.replace(b"2023", b"2019"), 1)))
    assert "--as-of" in str(e.value)


def test_absurd_price_refused(tmp_path: Path) -> None:
    row = b"SPXW,2023-04-06,4100,C,10,4100,2023-04-05T16:00:00-04:00,1e9,1e9\n"
    head = GENERIC_HEAD.rstrip(b"\n") + b",bid,ask\n"
    with pytest.raises(SchemaError, match="implausible option price") as e:
        load_chain(_write(tmp_path, head + row))
    assert e.value.line == 2
