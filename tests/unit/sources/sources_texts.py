"""Small hand-written chain files shared by the source-reader tests (no real data is copied).

One SPX chain, session 2023-04-05, downloaded after the close: 8 contracts on 3 expiries, the two
0DTE SPXW 2023-04-05 rows expired at the 16:00 ET close.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from eots.core.time import ET

CSV_HEADER = (
    "Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest,Strike,"
    "Puts,Last Sale,Net,Bid,Ask,Volume,IV,Delta,Gamma,Open Interest"
)
CSV_ROWS = (
    "Wed Apr 05 2023,SPXW230405C04000000,90.5,1.2,89.1,91.3,13,0,0,0,2,4000.00,"
    "SPXW230405P04000000,0.05,0,0,0.05,0,0,0,0,7",
    "Thu Apr 06 2023,SPXW230406C04000000,95.1,1.5,94,96.2,120,0.1523,0.8012,0.0021,150,4000.00,"
    "SPXW230406P04000000,3.2,-1.1,3.1,3.3,800,0.1822,-0.1988,0.0021,900",
    "Thu Apr 06 2023,SPXW230406C04100000,20.1,0.5,19.8,20.4,300,0.1401,0.5012,0.0052,450,4100.00,"
    "SPXW230406P04100000,28.2,-2.1,27.9,28.6,250,0.1432,-0.4988,0.0052,300",
    "Fri Apr 21 2023,SPX230421C04100000,60.3,1,59.5,61,5,0.1612,0.5501,0.0021,1200,4100.00,"
    "SPX230421P04100000,55,-2,54.1,55.8,7,0.1703,-0.4499,0.0021,1500",
)
TITLE = "Standard & Poors 500 Index,Last: 4090.3799,Change:  -10.2201"
DATE = "Date: 5 April 2023, 19:41 UTC−4,Bid: 4061.71,Ask: 4107.79,Size: 1*1,Volume: 0"
DOWNLOAD = dt.datetime(2023, 4, 5, 19, 41, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
CLOSE = dt.datetime(2023, 4, 5, 16, 0, tzinfo=ET)
SPOT = 4090.3799
N_CONTRACTS = 8
N_EXPIRED = 2


def cboe_csv(
    *,
    first: str = "",
    title: str = TITLE,
    date: str = DATE,
    header: str = CSV_HEADER,
    rows: tuple[str, ...] = CSV_ROWS,
) -> str:
    """Return a quotedata.csv text (first line, title, Date line, header, rows)."""
    return "\n".join([first, title, date, header, *rows]) + "\n"


def write(tmp_path: Path, text: str | bytes, name: str = "chain.dat") -> Path:
    """Write a fixture file (under a neutral name: formats are detected from content)."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def cboe_option(symbol: str, **fields: Any) -> dict[str, Any]:
    """Return one record of a CBOE delayed-quotes JSON ``options`` list."""
    record: dict[str, Any] = {
        "option": symbol,
        "bid": 3.1,
        "bid_size": 10.0,
        "ask": 3.3,
        "ask_size": 12.0,
        "iv": 0.1822,
        "open_interest": 900.0,
        "volume": 800.0,
        "delta": -0.1988,
        "gamma": 0.0021,
        "theta": -1.2,
        "vega": 0.8,
        "last_trade_price": 3.2,
        "last_trade_time": "2023-04-05T15:59:58",
    }
    record.update(fields)
    return record


CBOE_SYMBOLS = (
    "SPXW230405C04000000",
    "SPXW230405P04000000",
    "SPXW230406C04000000",
    "SPXW230406P04000000",
    "SPXW230406C04100000",
    "SPXW230406P04100000",
    "SPX230421C04100000",
    "SPX230421P04100000",
)


def cboe_json(options: list[dict[str, Any]] | None = None, **top: Any) -> str:
    """Return a current-schema CBOE delayed-quotes payload (timestamp 23:41:00 UTC = 19:41 EDT)."""
    doc: dict[str, Any] = {
        "timestamp": "2023-04-05 23:41:00",
        "symbol": "_SPX",
        "data": {
            "symbol": "^SPX",
            "current_price": SPOT,
            "close": SPOT,
            "last_trade_time": "2023-04-05T16:15:00",
            "options": options
            if options is not None
            else [cboe_option(s, open_interest=float(i + 1)) for i, s in enumerate(CBOE_SYMBOLS)],
        },
    }
    doc.update(top)
    return json.dumps(doc)


def tda_contract(symbol: str, put_call: str, strike: float, **fields: Any) -> dict[str, Any]:
    """Return one TD Ameritrade contract object."""
    record: dict[str, Any] = {
        "putCall": put_call,
        "symbol": symbol,
        "bid": 8.07,
        "ask": 8.47,
        "last": 8.28,
        "totalVolume": 17432,
        "openInterest": 177,
        "volatility": 22.196,
        "delta": 0.82,
        "gamma": 0.03,
        "theta": -0.337,
        "vega": 0.103,
        "multiplier": 100.0,
        "strikePrice": strike,
        "quoteTimeInLong": 1653077699007,  # 2022-05-20 16:14:59 EDT
    }
    record.update(fields)
    return record


def tda_json(
    calls: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
    puts: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
    **top: Any,
) -> str:
    """Return a TD Ameritrade chain payload (SPY, session 2022-05-20, two expiries)."""
    default_calls = {
        "2022-05-23:1": {"382.0": [tda_contract("SPY_052322C382", "CALL", 382.0)]},
        "2022-06-17:28": {"390.0": [tda_contract("SPY_061722C390", "CALL", 390.0)]},
    }
    default_puts = {
        "2022-05-23:1": {"382.0": [tda_contract("SPY_052322P382", "PUT", 382.0, delta=-0.18)]},
        "2022-06-17:28": {"390.0": [tda_contract("SPY_061722P390", "PUT", 390.0, delta=-0.5)]},
    }
    doc: dict[str, Any] = {
        "symbol": "SPY",
        "status": "SUCCESS",
        "underlying": {"last": 389.63, "close": 389.63, "quoteTime": 1653091200208},
        "underlyingPrice": 390.65,
        "callExpDateMap": default_calls if calls is None else calls,
        "putExpDateMap": default_puts if puts is None else puts,
    }
    doc.update(top)
    return json.dumps(doc)


GENERIC_HEADER = "root,expiry,strike,right,bid,ask,volume,open_interest,iv_src,spot,ts_event"
GENERIC_ROWS = (
    "SPXW,2023-04-06,4000,C,94,96.2,120,150,0.1523,4090.38,2023-04-05T16:00:00-04:00",
    "SPXW,2023-04-06,4000,P,3.1,3.3,800,900,0.1822,4090.38,2023-04-05T16:00:00-04:00",
    "SPX,2023-04-21,4100,C,59.5,61,5,1200,,4090.38,2023-04-05T16:00:00-04:00",
)


def generic_csv(header: str = GENERIC_HEADER, rows: tuple[str, ...] = GENERIC_ROWS) -> str:
    """Return a generic-format CSV text."""
    return "\n".join([header, *rows]) + "\n"
