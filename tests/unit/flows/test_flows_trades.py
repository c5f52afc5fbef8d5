"""Trades CSV: parsing, refusal of bad rows, classification, aggregation and windows."""

from __future__ import annotations

import math

import pytest

from eots.core.errors import SchemaError
from eots.flows import FLOW_SCHEMA, TRADES_SCHEMA, FlowSource, parse_trades, trade_flows
from unit.flows.flows_chains import et, greeks, row, snapshot

HEADER = "ts,symbol,root,expiry,strike,right,price,size,bid,ask,side\n"
GOOD = HEADER + (
    "2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,10.0,2,9.9,10.0,\n"  # at ask: buy 2
    "2024-03-13T10:12:00-04:00,,SPXW,2024-03-15,5000,C,9.9,3,9.9,10.0,\n"  # at bid: sell 3
    "\n"
    "2024-03-13T14:21:00Z,SPXW240315C05000000,,,,,9.9,4,9.9,10.0,buy\n"  # side wins: buy 4
    "2024-03-13T10:24:00-04:00,SPXW240315P05000000,,,,,2.1,10,2.0,2.2,\n"  # mid: 5 / 5
    "2024-03-13T10:25:00-04:00,SPXW240315P05000000,,,,,2.1,6,,,\n"  # no quote, no side
    "2024-03-13T10:40:00-04:00,SPXW240315C05000000,,,,,10.0,100,9.9,10.0,\n"  # after as_of
)
AS_OF = et(10, 25)


def test_parse_trades_good_rows() -> None:
    t = parse_trades(GOOD.encode(), source="good.csv")
    assert t.schema == TRADES_SCHEMA
    assert t.height == 6
    assert t.get_column("source_line").to_list() == [2, 3, 5, 6, 7, 8]
    assert t.get_column("symbol")[1] == "SPXW240315C05000000"
    assert t.get_column("strike").to_list()[:2] == [5000.0, 5000.0]
    assert t.get_column("side").to_list()[2] == "buy"
    assert t.get_column("multiplier").to_list() == [100.0] * 6


@pytest.mark.parametrize(
    ("line", "field", "needle"),
    [
        ("2024-03-13 10:01:00,SPXW240315C05000000,,,,,10.0,2,,,", "ts", "offset"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,abc,2,,,", "price", "number"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,-1,2,,,", "price", "price > 0"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,1.0,2.5,,,", "size", "integer"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,1.0,0,,,", "size", "size > 0"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,1.0,2,1.2,1.1,", "ask", "bid <= ask"),
        ("2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,1.0,2,,,maybe", "side", "buy/sell"),
        ("2024-03-13T10:01:00-04:00,JUNK,,,,,1.0,2,,,", "symbol", "OCC"),
        ("2024-03-13T10:01:00-04:00,,SPXW,2024-03-15,5000,X,1.0,2,,,", "right", "C or P"),
        ("2024-03-13T10:01:00-04:00,,SPXW,,5000,C,1.0,2,,,", "symbol", "symbol or all"),
        (
            "2024-03-13T10:01:00-04:00,SPXW240315C05000000,SPXW,,5050,,1.0,2,,,",
            "strike",
            "disagree",
        ),
    ],
)
def test_parse_trades_bad_row_refused_naming_line_and_field(
    line: str, field: str, needle: str
) -> None:
    text = GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n" + line + "\n"
    with pytest.raises(SchemaError, match=needle) as e:
        parse_trades(text, source="bad.csv")
    assert (e.value.line, e.value.field, e.value.source) == (3, field, "bad.csv")


def test_parse_trades_unknown_or_missing_columns_refused() -> None:
    with pytest.raises(SchemaError, match="unknown column"):
        parse_trades("ts,symbol,price,sise\n")
    with pytest.raises(SchemaError, match="missing required"):
        parse_trades("ts,symbol,price\n")


def test_trade_flows_classify_aggregate_and_window() -> None:
    snap = snapshot([(5000.0, "C", 9.9, 10.0, 10.0, 0), (5000.0, "P", 2.0, 2.2, 2.1, 0)], AS_OF)
    out = trade_flows(parse_trades(GOOD), greeks(snap), AS_OF)
    assert out.schema == FLOW_SCHEMA
    c, p = row(out, 5000.0, "C"), row(out, 5000.0, "P")
    assert (c["volm_buy"], c["volm_sell"], c["volm_bs"]) == (
        6.0,
        3.0,
        3.0,
    )  # 100 after as_of ignored
    assert c["value_buy"] == pytest.approx(2 * 10.0 * 100 + 4 * 9.9 * 100)
    assert c["value_sell"] == pytest.approx(3 * 9.9 * 100)
    assert c["deltas_buy"] == pytest.approx(0.5 * 6 * 100)
    assert c["flow_source"] == FlowSource.TRADE_FEED
    assert c["volmbs_5m"] == 4.0  # only 10:21 lies in (10:20, 10:25]
    assert c["volmbs_15m"] == 1.0  # 10:12 sell 3 + 10:21 buy 4
    assert c["volmbs_30m"] == 3.0
    assert (p["volm_buy"], p["volm_sell"], p["volm_unclassified"], p["n_unknown"]) == (
        5.0,
        5.0,
        6.0,
        1,
    )
    assert p["volm"] == 16.0


def test_trade_flows_side_overrides_quote_rule() -> None:
    text = HEADER + "2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,9.9,7,9.9,10.0,S\n"
    sold = row(trade_flows(parse_trades(text), None, AS_OF), 5000.0, "C")
    assert sold["volm_sell"] == 7.0
    text = HEADER + "2024-03-13T10:01:00-04:00,SPXW240315C05000000,,,,,9.9,7,9.9,10.0,B\n"
    bought = row(trade_flows(parse_trades(text), None, AS_OF), 5000.0, "C")
    assert bought["volm_buy"] == 7.0
    assert math.isnan(bought["deltas_buy"])  # no greeks given


def test_trade_flows_no_look_ahead() -> None:
    trades = parse_trades(GOOD)
    early = trade_flows(trades, None, et(10, 5))
    c = row(early, 5000.0, "C")
    assert c["volm_bs"] == 2.0  # only the 10:01 trade
    assert early.height == 1
