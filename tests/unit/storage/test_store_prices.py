"""Price bars: CSV import (good and bad rows), merge on ts, queries, bars derived from snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from builders import et
from eots.chain import ChainSnapshot
from eots.core.errors import SchemaError
from eots.core.time import UTC
from eots.storage.bars import PRICE_SCHEMA, bar_problems, interval_length
from eots.storage.bars_csv import read_bars_csv
from eots.storage.prices import PriceStore, bars_from_snapshots
from eots.storage.snapshots import SnapshotStore

YAHOO_DAILY = """\
Date,Open,High,Low,Close,Adj Close,Volume
2023-04-03,4102.20,4127.66,4101.99,4124.51,4124.51,3998270000
2023-04-04,4128.03,4133.13,4086.87,4100.60,4100.60,4227800000
2023-04-05,4094.50,4099.69,4072.56,4090.38,4090.38,3641950000
2023-04-06,null,null,null,null,null,null
2023-04-11,4090,4080,4070,4075,4075,0
2023-04-05,4094.50,4099.69,4072.56,4090.38,4090.38,3641950000
2023-04-05,4094.50,4099.69,4072.56,4091.38,4091.38,3641950000
2023-04-10,4085.20,4109.50,4072.55,4109.11,4109.11,3665690000
2023-04-12,4110,4120,4100,4115,4115,12.5
2023-04-13,-1,4120,4100,4115,4115,
"""


def _close_utc(day: int, hour: int = 16) -> dt.datetime:
    return et(2023, 4, day, hour, 0).astimezone(UTC)


def test_import_csv_keeps_good_rows_and_names_bad_lines(tmp_path: Path) -> None:
    csv = tmp_path / "spx.csv"
    csv.write_text(YAHOO_DAILY)
    prices = PriceStore(tmp_path / "prices")

    result = prices.import_csv(csv, "SPX", "1d")

    assert result.added == 4
    assert result.rows_read == 10
    assert [(r.line, r.reason.split(",")[0]) for r in result.refused] == [
        (5, "expected open"),
        (6, "expected high >= max(open"),
        (8, "time 2023-04-05 20:00:00+00:00 already on line 4 with other values"),
        (10, "expected a whole volume >= 0"),
        (11, "expected a finite open > 0"),
    ]
    bars = prices.bars("SPX", "1d")
    assert bars.schema == PRICE_SCHEMA
    assert bars.get_column("ts").to_list() == [_close_utc(d) for d in (3, 4, 5, 10)]
    assert bars.row(2, named=True) == {
        "ts": _close_utc(5),
        "open": 4094.50,
        "high": 4099.69,
        "low": 4072.56,
        "close": 4090.38,
        "volume": 3641950000,
        "interval": "1d",
    }


def test_import_csv_twice_dedupes_on_ts(tmp_path: Path) -> None:
    csv = tmp_path / "spx.csv"
    csv.write_text(YAHOO_DAILY)
    prices = PriceStore(tmp_path / "prices")
    prices.import_csv(csv, "SPX", "1d")

    again = prices.import_csv(csv, "SPX", "1d")

    assert (again.added, again.replaced, again.unchanged) == (0, 0, 4)
    assert prices.bars("SPX", "1d").height == 4


def test_append_replaces_a_bar_with_the_same_ts(tmp_path: Path) -> None:
    csv = tmp_path / "spx.csv"
    csv.write_text(YAHOO_DAILY)
    prices = PriceStore(tmp_path / "prices")
    prices.import_csv(csv, "SPX", "1d")
    fix = prices.bars("SPX", "1d").tail(1).with_columns(close=pl.lit(4100.0))
    new = fix.with_columns(ts=pl.col("ts") + dt.timedelta(days=1))

    result = prices.append("SPX", "1d", pl.concat([fix, new]))

    assert (result.added, result.replaced, result.unchanged) == (1, 1, 0)
    stored = prices.bars("SPX", "1d")
    assert stored.height == 5
    assert stored.get_column("close").to_list()[-2:] == [4100.0, 4100.0]


def test_bars_query_inclusive_range(tmp_path: Path) -> None:
    csv = tmp_path / "spx.csv"
    csv.write_text(YAHOO_DAILY)
    prices = PriceStore(tmp_path / "prices")
    prices.import_csv(csv, "SPX", "1d")

    got = prices.bars("SPX", "1d", et(2023, 4, 4, 16, 0), et(2023, 4, 5, 16, 0))

    assert got.get_column("ts").to_list() == [_close_utc(4), _close_utc(5)]
    before_close = prices.bars("SPX", "1d", end=et(2023, 4, 5, 15, 59))
    assert before_close.get_column("ts").to_list() == [_close_utc(3), _close_utc(4)]
    assert prices.bars("SPY", "1d").schema == PRICE_SCHEMA
    assert prices.bars("SPY", "1d").height == 0


def test_import_intraday_with_offsets_stamps_bar_close(tmp_path: Path) -> None:
    csv = tmp_path / "spy_5m.csv"
    csv.write_text(
        "Datetime,Open,High,Low,Close,Adj Close,Volume\n"
        "2023-04-05 09:30:00-04:00,408.1,408.5,407.9,408.2,408.2,1000\n"
        "2023-04-05 09:35:00-04:00,408.2,408.6,408.0,408.4,408.4,\n"
    )
    prices = PriceStore(tmp_path / "prices")

    result = prices.import_csv(csv, "SPY", "5m")

    assert result.refused == ()
    bars = prices.bars("SPY", "5m")
    assert bars.get_column("ts").to_list() == [
        et(2023, 4, 5, 9, 35).astimezone(UTC),
        et(2023, 4, 5, 9, 40).astimezone(UTC),
    ]
    assert bars.get_column("volume").to_list() == [1000, None]


def test_read_stooq_layout_with_date_and_time_columns(tmp_path: Path) -> None:
    csv = tmp_path / "spx.txt"
    csv.write_text(
        "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n"
        "^SPX,5,20230405,153000,4094.5,4099.7,4090.1,4095.0,0,0\n"
    )

    got = read_bars_csv(csv, "5m", stamps="end")

    assert got.bars.get_column("ts").to_list() == [et(2023, 4, 5, 15, 30).astimezone(UTC)]


def test_read_csv_without_required_columns_names_them(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("Date,Open,Close\n2023-04-05,1,2\n")

    with pytest.raises(SchemaError, match=r"missing \['high', 'low'\]") as e:
        read_bars_csv(csv, "1d")
    assert str(csv) in str(e.value)


def test_append_refuses_bad_bars_naming_the_row(tmp_path: Path) -> None:
    prices = PriceStore(tmp_path / "prices")
    bars = pl.DataFrame(
        {
            "ts": [_close_utc(3), _close_utc(4)],
            "open": [10.0, 10.0],
            "high": [11.0, 9.0],
            "low": [9.0, 8.0],
            "close": [10.5, 9.5],
            "volume": [None, None],
            "interval": ["1d", "1d"],
        },
        schema=PRICE_SCHEMA,
    )

    with pytest.raises(SchemaError, match="row 1: expected high >= max"):
        prices.append("SPX", "1d", bars)
    with pytest.raises(SchemaError, match="expected interval '5m'"):
        prices.append("SPX", "5m", bars.head(1))
    assert not prices.path("SPX", "1d").exists()


def test_bar_problems_lists_every_rule() -> None:
    bars = pl.DataFrame(
        {
            "open": [1.0, None, 2.0, 2.0],
            "high": [2.0, 1.0, 1.5, 3.0],
            "low": [0.5, 0.5, 1.0, 2.5],
            "close": [1.5, 0.5, 1.2, 2.8],
            "volume": [1, 1, 1, -1],
        }
    )
    got = bar_problems(bars)
    assert got.to_dicts() == [
        {"row": 1, "reason": "expected a finite open > 0"},
        {"row": 2, "reason": "expected high >= max(open, close)"},
        {"row": 3, "reason": "expected low <= min(open, close)"},
        {"row": 3, "reason": "expected volume >= 0"},
    ]


def test_interval_names() -> None:
    assert interval_length("1m") == dt.timedelta(minutes=1)
    assert interval_length("1h") == dt.timedelta(hours=1)
    for bad in ("5d", "0m", "1w", "m"):
        with pytest.raises(ValueError, match="interval"):
            interval_length(bad)


def test_corrupt_price_file_raises_naming_it(tmp_path: Path) -> None:
    prices = PriceStore(tmp_path / "prices")
    path = prices.path("SPX", "1d")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage")

    with pytest.raises(SchemaError, match=str(path)):
        prices.bars("SPX", "1d")


def test_bars_from_snapshots_intraday_and_daily(
    tmp_path: Path, make_snapshot: Callable[..., ChainSnapshot]
) -> None:
    store = SnapshotStore(tmp_path / "snaps")
    samples = [
        (et(2024, 3, 13, 9, 31), 100.0),
        (et(2024, 3, 13, 9, 33), 103.0),
        (et(2024, 3, 13, 9, 35), 99.0),  # closes the (09:30, 09:35] bar
        (et(2024, 3, 13, 9, 36), 101.0),
        (et(2024, 3, 14, 10, 0), 110.0),
    ]
    for ts, spot in samples:
        store.save(make_snapshot(ts, spot=spot))

    five = bars_from_snapshots(store, "SPX", "5m")

    assert five.schema == PRICE_SCHEMA
    assert five.select("open", "high", "low", "close").rows() == [
        (100.0, 103.0, 99.0, 99.0),
        (101.0, 101.0, 101.0, 101.0),
        (110.0, 110.0, 110.0, 110.0),
    ]
    assert five.get_column("ts").to_list() == [
        et(2024, 3, 13, 9, 35).astimezone(UTC),
        et(2024, 3, 13, 9, 40).astimezone(UTC),
        et(2024, 3, 14, 10, 0).astimezone(UTC),
    ]
    daily = bars_from_snapshots(store, "SPX", "1d")
    assert daily.select("open", "high", "low", "close").rows() == [
        (100.0, 103.0, 99.0, 101.0),
        (110.0, 110.0, 110.0, 110.0),
    ]
    assert daily.get_column("ts").to_list() == [
        et(2024, 3, 13, 16, 0).astimezone(UTC),
        et(2024, 3, 14, 16, 0).astimezone(UTC),
    ]
    prices = PriceStore(tmp_path / "prices")
    prices.append("SPX", "1d", daily)
    assert_frame_equal(prices.bars("SPX", "1d"), daily)
