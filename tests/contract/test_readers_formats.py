"""Reader contract: one hand-written chain, written in every supported format, reads the same.

``ReaderContract`` is the base every format's test class inherits (the exchange_calendars pattern):
a subclass only says how to write ``CONTRACTS`` in its format; the base asserts that the loaded
snapshot follows ``CHAIN_SCHEMA`` and holds exactly the expected live contracts, spot and times.
The expected values are the literals below, never output of the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import ClassVar

import polars as pl
import pytest

from eots.chain import CHAIN_SCHEMA
from eots.core.time import ET, UTC
from eots.sources import load_chain

# root, expiry, strike, right, bid, ask, volume, open_interest, iv
CONTRACTS = (
    ("SPXW", dt.date(2023, 4, 5), 4000.0, "C", 89.1, 91.3, 13, 2, 0.0),
    ("SPXW", dt.date(2023, 4, 5), 4000.0, "P", 0.0, 0.05, 0, 7, 0.0),
    ("SPXW", dt.date(2023, 4, 6), 4000.0, "C", 94.0, 96.2, 120, 150, 0.1523),
    ("SPXW", dt.date(2023, 4, 6), 4000.0, "P", 3.1, 3.3, 800, 900, 0.1822),
    ("SPX", dt.date(2023, 4, 21), 4100.0, "C", 59.5, 61.0, 5, 1200, 0.1612),
    ("SPX", dt.date(2023, 4, 21), 4100.0, "P", 54.1, 55.8, 7, 1500, 0.1703),
)
LIVE = [c for c in CONTRACTS if c[1] > dt.date(2023, 4, 5)]
SPOT = 4090.38
CLOSE = dt.datetime(2023, 4, 5, 16, 0, tzinfo=ET)
DOWNLOAD = dt.datetime(2023, 4, 5, 19, 41, tzinfo=ET)


def _occ(root: str, expiry: dt.date, strike: float, right: str) -> str:
    return f"{root}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"


class ReaderContract:
    """Base class: subclasses implement ``write`` and set ``format_id``."""

    format_id: ClassVar[str]
    ts_recv: ClassVar[dt.datetime] = DOWNLOAD

    def write(self, tmp_path: Path) -> Path:
        """Write ``CONTRACTS`` in this format and return the path."""
        raise NotImplementedError

    def test_reader_snapshot_follows_the_chain_schema(self, tmp_path: Path) -> None:
        snap = load_chain(self.write(tmp_path))
        assert snap.frame.schema == CHAIN_SCHEMA
        assert snap.source_format == self.format_id
        assert (snap.underlying, snap.spot) == ("SPX", SPOT)

    def test_reader_times_are_the_session_close(self, tmp_path: Path) -> None:
        snap = load_chain(self.write(tmp_path))
        assert snap.ts_event == CLOSE
        assert snap.ts_recv == self.ts_recv

    def test_reader_keeps_exactly_the_live_contracts(self, tmp_path: Path) -> None:
        snap = load_chain(self.write(tmp_path))
        assert snap.quality.rows_read == len(CONTRACTS)
        got = snap.frame.select(
            "root", "expiry", "strike", "right", "bid", "ask", "volume", "open_interest", "iv_src"
        ).with_columns(pl.col("right").cast(pl.String))
        want = pl.DataFrame(
            LIVE,
            schema=list(got.schema.items()),
            orient="row",
        )
        assert got.sort("expiry", "strike", "right").equals(want.sort("expiry", "strike", "right"))
        assert snap.frame.filter(pl.col("root") == "SPX").get_column("settlement").to_list() == [
            "AM",
            "AM",
        ]


class TestCboeCsv(ReaderContract):
    format_id = "cboe_quotedata_csv"

    def write(self, tmp_path: Path) -> Path:
        lines = [
            "",
            "Standard & Poors 500 Index,Last: 4090.38,Change: 1",
            '"Date: April 5, 2023 at 7:41 PM EDT",Bid: 0,Ask: 0,Size: 1*1,Volume: 0',
            "Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,"
            "Strike,Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest",
        ]
        for call, put in zip(CONTRACTS[::2], CONTRACTS[1::2], strict=True):
            _root, expiry, strike = call[:3]
            sides = [
                f"{_occ(*c[:4])},1,0,{c[4]},{c[5]},{c[6]},{c[8]},0.5,0.001,{c[7]}"
                for c in (call, put)
            ]
            lines.append(f"{expiry:%a %b %d %Y},{sides[0]},{strike:.2f},{sides[1]}")
        path = tmp_path / "a"
        path.write_text("\n".join(lines) + "\n")
        return path


class TestCboeJson(ReaderContract):
    format_id = "cboe_delayed_json"
    ts_recv = DOWNLOAD.astimezone(UTC)

    def write(self, tmp_path: Path) -> Path:
        options = [
            {
                "option": _occ(*c[:4]),
                "bid": c[4],
                "ask": c[5],
                "volume": float(c[6]),
                "open_interest": float(c[7]),
                "iv": c[8],
                "delta": 0.5,
                "gamma": 0.001,
            }
            for c in CONTRACTS
        ]
        doc = {
            "timestamp": "2023-04-05 23:41:00",
            "data": {"symbol": "^SPX", "current_price": SPOT, "options": options},
        }
        path = tmp_path / "b"
        path.write_text(json.dumps(doc))
        return path


class TestTdaJson(ReaderContract):
    format_id = "tda_chain_json"

    def write(self, tmp_path: Path) -> Path:
        maps: dict[str, dict[str, dict[str, list[dict[str, object]]]]] = {"C": {}, "P": {}}
        stamp = int(DOWNLOAD.timestamp() * 1000)
        for root, expiry, strike, right, bid, ask, volume, oi, iv in CONTRACTS:
            contract: dict[str, object] = {
                "putCall": "CALL" if right == "C" else "PUT",
                "symbol": f"{root}_{expiry:%m%d%y}{right}{strike:g}",
                "bid": bid,
                "ask": ask,
                "totalVolume": volume,
                "openInterest": oi,
                "volatility": iv * 100 if iv else -999.0,
                "strikePrice": strike,
                "quoteTimeInLong": stamp,
            }
            maps[right].setdefault(f"{expiry}:0", {}).setdefault(f"{strike:.1f}", []).append(
                contract
            )
        doc = {
            "symbol": "$SPX.X",
            "underlying": {"last": SPOT},
            "callExpDateMap": maps["C"],
            "putExpDateMap": maps["P"],
        }
        path = tmp_path / "c"
        path.write_text(json.dumps(doc))
        return path


def _generic_frame() -> pl.DataFrame:
    return pl.DataFrame(
        CONTRACTS,
        schema=[
            "root",
            "expiry",
            "strike",
            "right",
            "bid",
            "ask",
            "volume",
            "open_interest",
            "iv_src",
        ],
        orient="row",
    ).with_columns(
        pl.when(pl.col("iv_src") > 0).then(pl.col("iv_src")).alias("iv_src"),
        spot=pl.lit(SPOT),
        ts_event=pl.lit("2023-04-05T16:00:00-04:00"),
        ts_recv=pl.lit("2023-04-05T19:41:00-04:00"),
        underlying=pl.lit("SPX"),
    )


class TestGenericCsv(ReaderContract):
    format_id = "generic_csv"

    def write(self, tmp_path: Path) -> Path:
        path = tmp_path / "d"
        _generic_frame().write_csv(path)
        return path


class TestGenericParquet(ReaderContract):
    format_id = "generic_parquet"

    def write(self, tmp_path: Path) -> Path:
        path = tmp_path / "e"
        _generic_frame().write_parquet(path)
        return path


@pytest.mark.parametrize(
    "contract", [TestCboeCsv, TestCboeJson, TestTdaJson, TestGenericCsv, TestGenericParquet]
)
def test_readers_zero_iv_means_no_source_iv(tmp_path: Path, contract: type[ReaderContract]) -> None:
    snap = load_chain(contract().write(tmp_path), as_of=dt.datetime(2023, 4, 5, 12, tzinfo=ET))
    expiring = snap.frame.filter(pl.col("expiry") == dt.date(2023, 4, 5))
    assert expiring.height == 2
    assert expiring.get_column("iv_src").null_count() == 2
