"""CBOE delayed-quotes JSON (both schemas) and TD Ameritrade chain JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from eots.chain import CHAIN_SCHEMA
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, UTC, TimeBasis
from eots.sources import load_chain, load_raw_chain
from unit.sources.sources_texts import (
    CBOE_SYMBOLS,
    CLOSE,
    N_EXPIRED,
    SPOT,
    cboe_json,
    cboe_option,
    tda_contract,
    tda_json,
    write,
)


def _refused(path: Path, pattern: str, error: type[SchemaError] = SchemaError) -> SchemaError:
    with pytest.raises(error, match=pattern) as e:
        load_chain(path)
    assert str(path) in str(e.value)
    return e.value


# ---- CBOE delayed quotes ----------------------------------------------------------------------


def test_cboe_json_contract_fields_from_the_occ_symbol(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_json()))
    assert snap.frame.schema == CHAIN_SCHEMA
    assert (snap.underlying, snap.spot, snap.source_format) == (
        SPOT and "SPX",
        SPOT,
        "cboe_delayed_json",
    )
    assert snap.n_contracts == len(CBOE_SYMBOLS) - N_EXPIRED
    row = snap.frame.filter(pl.col("symbol") == "SPX230421P04100000").row(0, named=True)
    assert (row["root"], row["expiry"], row["strike"], row["right"]) == (
        "SPX",
        dt.date(2023, 4, 21),
        4100.0,
        "P",
    )
    assert (row["settlement"], row["source_line"], row["open_interest"]) == ("AM", 8, 8)
    assert (row["theta_src"], row["vega_src"], row["last"]) == (-1.2, 0.8, 3.2)


def test_cboe_json_timestamp_is_utc(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_json()))
    assert snap.ts_recv == dt.datetime(2023, 4, 5, 23, 41, tzinfo=UTC)
    assert snap.ts_event == CLOSE
    assert snap.time_basis is TimeBasis.SESSION_CLOSE


def test_cboe_json_intraday_timestamp_is_the_quote_time(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_json(timestamp="2023-04-05 17:40:00")))
    assert snap.ts_event == dt.datetime(2023, 4, 5, 13, 40, tzinfo=ET)
    assert snap.time_basis is TimeBasis.INTRADAY_DOWNLOAD


def test_cboe_json_without_timestamp_uses_last_trade_time(tmp_path: Path) -> None:
    doc = json.loads(cboe_json())
    del doc["timestamp"]
    snap = load_chain(write(tmp_path, json.dumps(doc)))
    assert snap.ts_recv == dt.datetime(2023, 4, 5, 16, 15, tzinfo=ET)
    assert snap.ts_event == CLOSE


def test_cboe_json_zero_iv_nulls_the_source_greeks(tmp_path: Path) -> None:
    options = [cboe_option("SPXW230406C04000000", iv=0.0, delta=0.99, gamma=0.0)]
    snap = load_chain(write(tmp_path, cboe_json(options)))
    row = snap.frame.row(0, named=True)
    assert [row[c] for c in ("iv_src", "delta_src", "gamma_src", "theta_src")] == [None] * 4


def _old_schema() -> str:
    options = [
        {
            k: v
            for k, v in cboe_option(s).items()
            if k
            not in ("bid", "ask", "bid_size", "ask_size", "last_trade_price", "last_trade_time")
        }
        for s in CBOE_SYMBOLS
    ]
    return json.dumps({"close": SPOT, "current_price": SPOT, "symbol": "SPX", "options": options})


def test_cboe_json_old_schema_needs_as_of(tmp_path: Path) -> None:
    path = write(tmp_path, _old_schema())
    _refused(path, r"no 'timestamp'.*--as-of")
    snap = load_chain(path, as_of=CLOSE)
    assert snap.source_format == "cboe_delayed_json_old"
    assert snap.time_basis is TimeBasis.OVERRIDE
    assert snap.frame.get_column("bid").null_count() == snap.n_contracts
    assert snap.n_contracts == len(CBOE_SYMBOLS) - N_EXPIRED


def test_cboe_json_truncated_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, cboe_json()[:300]), r"line 1: invalid or truncated JSON")


def test_cboe_json_empty_options_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, cboe_json([])), "no options", EmptyChainError)


@pytest.mark.parametrize(
    ("fields", "pattern"),
    [
        ({"bid": "1.2"}, r"line 2, field 'data.options\[1\].bid'.*'1.2'"),
        ({"bid": True}, r"line 2, field 'data.options\[1\].bid'"),
        ({"open_interest": None}, r"line 2, field 'data.options\[1\].open_interest'"),
        ({"open_interest": -3.0}, r"line 2, field 'open_interest'.*>= 0"),
        ({"volume": 2.5}, r"line 2, field 'data.options\[\].volume'.*whole"),
        ({"option": "SPXW2304O6P04000000"}, r"line 2, field 'data.options\[1\].option'.*OCC"),
        ({"option": 42}, r"line 2, field 'data.options\[1\].option'"),
        ({"iv": float("nan")}, r"line 2, field 'iv_src'.*finite"),
        ({"option": "SPY230406P00400000"}, r"line 2, field 'root'.*one underlying"),
    ],
)
def test_cboe_json_bad_record_refused(
    tmp_path: Path, fields: dict[str, object], pattern: str
) -> None:
    options = [cboe_option("SPXW230406C04000000"), cboe_option("SPXW230406P04000000", **fields)]
    _refused(write(tmp_path, cboe_json(options)), pattern)


def test_cboe_json_conflicting_duplicate_refused(tmp_path: Path) -> None:
    options = [cboe_option("SPXW230406C04000000"), cboe_option("SPXW230406C04000000", bid=1.0)]
    _refused(write(tmp_path, cboe_json(options)), r"listed twice.*lines 1 and 2")


def test_cboe_json_symbol_contradicting_roots_refused(tmp_path: Path) -> None:
    doc = json.loads(cboe_json())
    doc["data"]["symbol"] = "^NDX"
    _refused(write(tmp_path, json.dumps(doc)), r"field 'root'.*'NDX'")


def test_cboe_json_bad_spot_and_timestamp_refused(tmp_path: Path) -> None:
    doc = json.loads(cboe_json())
    doc["data"]["current_price"] = "4090"
    _refused(write(tmp_path, json.dumps(doc)), r"field 'data.current_price'")
    _refused(write(tmp_path, cboe_json(timestamp="yesterday")), r"field 'timestamp'")


# ---- TD Ameritrade ----------------------------------------------------------------------------


def test_cboe_json_timestamp_outside_the_calendar_refused(tmp_path: Path) -> None:
    # a garbled year parses as a date but no session can be found for it: a refusal, not a crash
    path = write(tmp_path, cboe_json(timestamp="0023-04-05 20:40:00"))
    _refused(path, r"quote time 0023-04-05.*outside the exchange calendar")
    later = write(tmp_path, cboe_json(timestamp="2099-04-05 20:40:00"))
    _refused(later, r"outside the exchange calendar")


def test_tda_json_loads_with_percent_volatility_and_close_spot(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, tda_json()))
    assert snap.frame.schema == CHAIN_SCHEMA
    assert (snap.underlying, snap.spot, snap.source_format) == ("SPY", 389.63, "tda_chain_json")
    assert snap.ts_event == dt.datetime(2022, 5, 20, 16, 0, tzinfo=ET)
    assert snap.ts_recv == dt.datetime(2022, 5, 21, 0, 0, 0, 208000, tzinfo=UTC)
    assert snap.n_contracts == 4
    row = snap.frame.filter(pl.col("symbol") == "SPY_052322P382").row(0, named=True)
    assert (row["root"], row["expiry"], row["strike"], row["right"]) == (
        "SPY",
        dt.date(2022, 5, 23),
        382.0,
        "P",
    )
    assert row["iv_src"] == pytest.approx(0.22196)
    assert (row["delta_src"], row["volume"], row["open_interest"]) == (-0.18, 17432, 177)


def test_tda_json_minus_999_and_nan_are_null(tmp_path: Path) -> None:
    calls = {
        "2022-05-23:1": {
            "382.0": [tda_contract("SPY_052322C382", "CALL", 382.0, volatility=-999.0, delta="NaN")]
        }
    }
    raw = load_raw_chain(write(tmp_path, tda_json(calls=calls, puts={})))
    row = raw.frame.row(0, named=True)
    assert (row["iv_src"], row["delta_src"], row["gamma_src"]) == (None, None, 0.03)


def test_tda_json_intraday_quote_time_is_stated_by_the_source(tmp_path: Path) -> None:
    calls = {
        "2022-05-23:1": {
            "382.0": [tda_contract("SPY_052322C382", "CALL", 382.0, quoteTimeInLong=1653062400000)]
        }
    }
    doc = json.loads(tda_json(calls=calls, puts={}))
    doc["underlying"]["quoteTime"] = 1653062400000  # 2022-05-20 12:00 EDT
    snap = load_chain(write(tmp_path, json.dumps(doc)))
    assert snap.time_basis is TimeBasis.SOURCE
    assert snap.ts_event == dt.datetime(2022, 5, 20, 12, 0, tzinfo=ET)


def test_tda_json_schwab_style_symbol_accepted(tmp_path: Path) -> None:
    calls = {"2022-05-23:1": {"382.0": [tda_contract("SPY   220523C00382000", "CALL", 382.0)]}}
    snap = load_chain(write(tmp_path, tda_json(calls=calls, puts={})))
    assert snap.frame.get_column("root").to_list() == ["SPY"]


@pytest.mark.parametrize(
    ("symbol", "put_call", "strike_price", "pattern"),
    [
        ("SPY_052322C383", "CALL", 382.0, "strike"),
        ("SPY_052422C382", "CALL", 382.0, "expiry"),
        ("SPY_052322P382", "CALL", 382.0, "right"),
        ("SPY_052322C382", "PUT", 382.0, "putCall"),
        ("SPY_052322C382", "CALL", 383.0, "strikePrice"),
        ("garbage", "CALL", 382.0, "symbol like"),
    ],
)
def test_tda_json_contradicting_contract_refused(
    tmp_path: Path, symbol: str, put_call: str, strike_price: float, pattern: str
) -> None:
    contract = tda_contract(symbol, put_call, strike_price)
    calls = {"2022-05-23:1": {"382.0": [contract]}}
    _refused(
        write(tmp_path, tda_json(calls=calls, puts={})),
        rf"line 1, field \"callExpDateMap\['2022-05-23:1'\]\['382.0'\]\[0\].symbol\".*{pattern}",
    )


def test_tda_json_bad_values_refused(tmp_path: Path) -> None:
    calls = {"2022-05-23:1": {"382.0": [tda_contract("SPY_052322C382", "CALL", 382.0, bid="x")]}}
    _refused(write(tmp_path, tda_json(calls=calls, puts={})), r"line 1, .*\.bid\".*'x'")
    _refused(write(tmp_path, tda_json(calls={"tomorrow": {}}, puts={})), r"expiry key")
    _refused(write(tmp_path, tda_json(calls={}, puts={})), "no contracts", EmptyChainError)
