"""Issue 10: property tests of every chain parser. Whatever the bytes, the reader either refuses
them with an ``EotsError`` (never another exception) or returns a snapshot whose numbers are all
sane; garbage in a numeric field is refused, truncation never invents rows, and text encodings
never change the numbers.

Inputs are the small hand-written files of ``unit.sources.sources_texts`` (and, with
``EOTS_REAL_DATA``, the first rows of a real CBOE file, cut in memory).
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from eots.chain import CHAIN_SCHEMA, ChainSnapshot
from eots.chain.validate import MAX_CONTRACTS
from eots.core.errors import EotsError
from eots.sources import load_chain_bytes
from unit.sources.sources_texts import (
    CBOE_SYMBOLS,
    GENERIC_HEADER,
    GENERIC_ROWS,
    cboe_csv,
    cboe_json,
    cboe_option,
    generic_csv,
    tda_contract,
    tda_json,
)

SOURCE = "fuzz"


def _parquet() -> bytes:
    frame = pl.read_csv(generic_csv().encode(), infer_schema_length=0).with_columns(
        pl.col("strike", "bid", "ask", "volume", "open_interest", "spot").cast(pl.Float64),
        pl.col("iv_src").cast(pl.Float64),
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _real_cboe_head() -> bytes | None:
    root = os.environ.get("EOTS_REAL_DATA")
    path = Path(root or "") / "spx_20230405_post" / "spx_quotedata.csv"
    if not root or not path.is_file():
        return None
    lines = path.read_bytes().split(b"\n")
    return b"\n".join(lines[:200]) + b"\n"


FILES: dict[str, bytes] = {
    "cboe_csv": cboe_csv().encode(),
    "cboe_json": cboe_json().encode(),
    "tda_json": tda_json().encode(),
    "generic_csv": generic_csv().encode(),
    "generic_parquet": _parquet(),
}
_REAL = _real_cboe_head()
if _REAL is not None:
    FILES["real_cboe_csv"] = _REAL
TEXT_FILES = [k for k in FILES if k != "generic_parquet"]


def _outcome(data: bytes) -> ChainSnapshot | None:
    """Load ``data``; None when refused with an ``EotsError``. Any other exception fails."""
    try:
        snap = load_chain_bytes(data, source=SOURCE)
    except EotsError as e:
        message = str(e)
    else:
        _assert_sane(snap)
        return snap
    assert SOURCE in message  # every refusal names the file
    return None


def _assert_sane(snap: ChainSnapshot) -> None:
    f = snap.frame
    assert f.schema == CHAIN_SCHEMA
    assert f.height > 0
    assert math.isfinite(snap.spot)
    assert snap.spot > 0
    floats = [c for c, t in CHAIN_SCHEMA.items() if t == pl.Float64()]
    bad = f.filter(
        pl.any_horizontal(pl.col(floats).is_nan().fill_null(False))
        | pl.any_horizontal(pl.col(floats).is_infinite().fill_null(False))
        | (pl.col("strike") <= 0)
        | (pl.col("open_interest") < 0)
        | (pl.col("open_interest") > MAX_CONTRACTS)
        | (pl.col("bid") < 0)
        | (pl.col("ask") < 0)
        | (pl.col("expiry_ts") <= snap.ts_event)
    )
    assert bad.height == 0, bad


_ORIGINAL = {name: _outcome(data) for name, data in FILES.items()}


def _rows(snap: ChainSnapshot) -> pl.DataFrame:
    return snap.frame.drop("source_line", "quote_valid")


def test_every_fixture_loads() -> None:
    assert all(snap is not None for snap in _ORIGINAL.values())


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(list(FILES)), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncation_never_invents_rows(name: str, cut: float) -> None:
    data = FILES[name]
    snap = _outcome(data[: int(cut * len(data))])
    if snap is None:
        return
    original = _ORIGINAL[name]
    assert original is not None
    assert snap.spot == original.spot
    rows = _rows(original)
    extra = _rows(snap).join(rows, on=rows.columns, how="anti", nulls_equal=True)
    assert extra.height == 0, extra


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(list(FILES)),
    where=st.floats(0.0, 1.0, exclude_max=True),
    data=st.data(),
)
def test_byte_flips_are_refused_or_sane(name: str, where: float, data: st.DataObject) -> None:
    raw = bytearray(FILES[name])
    n = data.draw(st.integers(1, 4))
    for k in range(n):
        at = (int(where * len(raw)) + 37 * k) % len(raw)
        raw[at] = data.draw(st.integers(0, 255))
    _outcome(bytes(raw))


GARBAGE = ["nan", "NaN", "inf", "-inf", "-1", "-0.5", "1e300", "99999999999999"]
NON_FINITE = ["nan", "inf", "-inf"]
# CBOE quotedata.csv columns per side: (index in the row, role).
CBOE_CORE = [2, 4, 5, 6, 10, 11, 13, 15, 16, 17, 21]  # last, bid, ask, volume, OI, strike
CBOE_GREEKS = [7, 8, 9, 18, 19, 20]  # IV, delta, gamma


def _set_csv_field(text: str, line_index: int, field: int, value: str) -> bytes:
    lines = text.split("\n")
    fields = lines[line_index].split(",")
    fields[field] = value
    lines[line_index] = ",".join(fields)
    return "\n".join(lines).encode()


@given(
    row=st.integers(1, 3),  # rows of live contracts (row 0 has expired)
    field=st.sampled_from(CBOE_CORE + CBOE_GREEKS),
    value=st.sampled_from(GARBAGE),
)
def test_cboe_csv_garbage_numbers_refused(row: int, field: int, value: str) -> None:
    assume(field in CBOE_CORE or value in NON_FINITE)
    assert _outcome(_set_csv_field(cboe_csv(), 4 + row, field, value)) is None


GENERIC_CORE = ["strike", "bid", "ask", "volume", "open_interest", "spot"]


@given(
    row=st.integers(0, len(GENERIC_ROWS) - 1),
    field=st.sampled_from([*GENERIC_CORE, "iv_src"]),
    value=st.sampled_from(GARBAGE),
)
def test_generic_csv_garbage_numbers_refused(row: int, field: str, value: str) -> None:
    assume(field in GENERIC_CORE or value in NON_FINITE)
    index = GENERIC_HEADER.split(",").index(str(field))
    assert _outcome(_set_csv_field(generic_csv(), 1 + row, index, value)) is None


def _json_value(text: str) -> float:
    return float(text)


@given(
    record=st.integers(2, len(CBOE_SYMBOLS) - 1),
    key=st.sampled_from(["bid", "ask", "open_interest", "volume", "last_trade_price", "iv"]),
    value=st.sampled_from(GARBAGE),
)
def test_cboe_json_garbage_numbers_refused(record: int, key: str, value: str) -> None:
    assume(key != "iv" or value in NON_FINITE)
    options = [cboe_option(s, open_interest=float(i + 1)) for i, s in enumerate(CBOE_SYMBOLS)]
    options[record][key] = _json_value(value)
    assert _outcome(cboe_json(options).encode()) is None


@given(
    key=st.sampled_from(["bid", "ask", "last", "totalVolume", "openInterest", "strikePrice"]),
    value=st.sampled_from(GARBAGE),
)
def test_tda_json_garbage_numbers_refused(key: str, value: str) -> None:
    contract = tda_contract("SPY_061722C390", "CALL", 390.0, **{key: _json_value(value)})
    calls: dict[str, Any] = {
        "2022-05-23:1": {"382.0": [tda_contract("SPY_052322C382", "CALL", 382.0)]},
        "2022-06-17:28": {"390.0": [contract]},
    }
    assert _outcome(tda_json(calls=calls).encode()) is None


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"]


@given(name=st.sampled_from(TEXT_FILES), encoding=st.sampled_from(ENCODINGS))
def test_encodings_never_change_the_numbers(name: str, encoding: str) -> None:
    text = FILES[name].decode("utf-8")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
        return
    snap = _outcome(data)
    original = _ORIGINAL[name]
    assert original is not None
    assert snap is not None
    assert snap.spot == original.spot
    assert snap.ts_event == original.ts_event
    assert _rows(snap).equals(_rows(original))


@pytest.mark.parametrize("name", TEXT_FILES)
def test_line_end_variants_read_identically(name: str) -> None:
    text = FILES[name].decode("utf-8")
    original = _ORIGINAL[name]
    assert original is not None
    for variant in (text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        snap = _outcome(variant.encode())
        assert snap is not None
        assert _rows(snap).equals(_rows(original))


def test_json_documents_are_json() -> None:
    # The fixtures the JSON properties mutate really are JSON (guards the mutation helpers).
    assert json.loads(FILES["cboe_json"])["data"]["options"]
