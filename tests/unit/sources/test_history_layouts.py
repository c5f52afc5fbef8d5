"""The two real-history layouts and every fault rule, each on a small excerpt made in the test.

Barchart after-close SPX JSON (``eots.sources.barchart_json``) and the 0DTE recorder's CSV
(``eots.sources.zerodte_csv``); the ingest rules on top (``eots.evidence.ingest``). No file is
copied from the shared data: each test writes the layout it needs into ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, UTC, TimeBasis
from eots.evidence import ingest_barchart, ingest_zerodte, quote_table, stale_match
from eots.evidence.ingest import parity_spot
from eots.greeks.params import PricingParams
from eots.sources import ChainFormat, detect_format, load_chain
from eots.sources.barchart_json import is_monthly_date, parse_barchart_json
from eots.sources.raw import snapshot_from_raw
from eots.sources.zerodte_csv import zerodte_snapshots

F = 5000.0  # the forward every synthetic quote is consistent with


def _row(
    strike: float, side: str, expiry: str, *, shift: float = 0.0, iv: float = 0.2
) -> dict[str, Any]:
    """A Barchart row whose call/put mids satisfy parity at forward ``F`` (C - P = F - K)."""
    time_value = 5.0 * math.exp(-abs(strike - F) / 60.0) + 0.5 + shift
    intrinsic = max(F - strike, 0.0) if side == "Call" else max(strike - F, 0.0)
    mid = intrinsic + time_value
    return {
        "strikePrice": strike,
        "lastPrice": round(mid, 2),
        "volatility": iv,
        "delta": 0.5,
        "gamma": 0.001,
        "theta": -1.0,
        "vega": 1.0,
        "rho": 0.1,
        "openInterest": 100,
        "volume": 10,
        "optionType": side,
        "daysToExpiration": 1,
        "expirationDate": expiry,
        "bidPrice": round(mid - 0.25, 4),
        "askPrice": round(mid + 0.25, 4),
    }


def _by_distance(strikes: list[float]) -> list[float]:
    """The vendor's order: nearest the money first."""
    return sorted(strikes, key=lambda k: (abs(k - F), k))


def _expiry(
    expiry: str, strikes: list[float], *, limit: int | None = None, **kw: Any
) -> list[dict[str, Any]]:
    order = _by_distance(strikes)
    rows = [_row(k, "Call", expiry, **kw) for k in order] + [
        _row(k, "Put", expiry, **kw) for k in order
    ]
    return rows if limit is None else rows[:limit]


def _doc(
    date: str, timestamp: str, expiries: dict[str, list[dict[str, Any]]], spot: float = 5020.0
) -> bytes:
    return gzip.compress(
        json.dumps(
            {"date": date, "spot": spot, "timestamp": timestamp, "expiries": expiries}
        ).encode()
    )


STRIKES = [4900.0 + 10 * i for i in range(21)]  # 4900 .. 5100


# -- Barchart: quote time, detection, greeks ---------------------------------------------------


def test_barchart_after_close_capture_is_the_session_close() -> None:
    data = _doc(
        "2026-07-23", "2026-07-23T22:09:53.6", {"2026-07-24": _expiry("2026-07-24", STRIKES)}
    )
    raw = parse_barchart_json(data, source="x.json.gz")
    assert raw.quote_time.basis is TimeBasis.SESSION_CLOSE
    assert raw.quote_time.ts == dt.datetime(2026, 7, 23, 20, 0, tzinfo=UTC)
    assert raw.ts_recv == dt.datetime(2026, 7, 23, 22, 9, 53, 600000, tzinfo=UTC)
    assert raw.spot == 5020.0
    assert set(raw.frame.get_column("root").to_list()) == {"SPXW"}
    assert detect_format(gzip.decompress(data)) is ChainFormat.BARCHART_JSON


def test_barchart_zero_volatility_means_not_computed() -> None:
    rows = _expiry("2026-07-24", STRIKES, iv=0.0)
    raw = parse_barchart_json(
        _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": rows}), source="x"
    )
    assert raw.frame.get_column("iv_src").null_count() == raw.frame.height
    assert raw.frame.get_column("gamma_src").null_count() == raw.frame.height


def test_barchart_file_dated_on_another_session_is_refused() -> None:
    # Good Friday 2026-04-03: the capture maps to Thursday's close, not to the file's date.
    data = _doc("2026-04-03", "2026-04-03T21:40:32", {"2026-04-06": _expiry("2026-04-06", STRIKES)})
    with pytest.raises(SchemaError, match=r"dated 2026-04-03.*session 2026-04-02"):
        parse_barchart_json(data, source="2026-04-03.json.gz")


def test_load_chain_reads_a_gzipped_barchart_file(tmp_path: Path) -> None:
    path = tmp_path / "2026-07-23.json.gz"
    path.write_bytes(
        _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": _expiry("2026-07-24", STRIKES)})
    )
    snapshot = load_chain(path)
    assert snapshot.underlying == "SPX"
    assert snapshot.n_contracts == 2 * len(STRIKES)


# -- Barchart: truncated expirations -------------------------------------------------------------


def test_truncated_expiration_keeps_only_the_band_complete_on_both_sides() -> None:
    full = _expiry("2026-07-24", STRIKES)  # 42 rows
    cut = full[: len(STRIKES) + 5]  # all 21 calls, the 5 puts nearest the money
    data = _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": cut})
    raw = parse_barchart_json(data, source="x", row_limit=len(cut))
    puts = raw.frame.filter(pl.col("right") == "P").get_column("strike").sort().to_list()
    calls = raw.frame.filter(pl.col("right") == "C").get_column("strike").sort().to_list()
    assert puts == [4980.0, 4990.0, 5000.0, 5010.0, 5020.0]
    assert calls == puts  # calls outside the put band left out
    (item,) = raw.dropped
    assert item.count == len(STRIKES) - 5
    assert "truncated" in item.reason
    snapshot = snapshot_from_raw(raw)
    assert snapshot.quality.rows_read == len(cut)
    assert snapshot.quality.dropped[0] == item


def test_truncated_expiration_without_puts_is_dropped_whole_and_others_kept() -> None:
    calls_only = _expiry("2026-07-31", STRIKES)[: len(STRIKES)]
    complete = _expiry("2026-07-24", STRIKES)
    data = _doc(
        "2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": complete, "2026-07-31": calls_only}
    )
    raw = parse_barchart_json(data, source="x", row_limit=len(STRIKES))
    assert raw.frame.get_column("expiry").unique().to_list() == [dt.date(2026, 7, 24)]
    (item,) = raw.dropped
    assert item.count == len(STRIKES)
    assert "no put left" in item.reason


def test_an_expiration_at_the_limit_with_every_put_is_not_truncated() -> None:
    complete = _expiry("2026-07-24", STRIKES)
    data = _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": complete})
    raw = parse_barchart_json(data, source="x", row_limit=len(complete))
    assert raw.dropped == ()
    assert raw.frame.height == len(complete)


def test_every_expiration_truncated_away_is_an_empty_chain() -> None:
    calls_only = _expiry("2026-07-31", STRIKES)[: len(STRIKES)]
    data = _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-31": calls_only})
    with pytest.raises(EmptyChainError, match="truncated"):
        parse_barchart_json(data, source="x", row_limit=len(STRIKES))


# -- Barchart: AM/PM inference ----------------------------------------------------------------


def test_monthly_dates() -> None:
    assert is_monthly_date(dt.date(2026, 8, 21))
    assert not is_monthly_date(dt.date(2026, 8, 14))
    assert is_monthly_date(dt.date(2026, 6, 18))  # Juneteenth Friday: the Thursday
    assert not is_monthly_date(dt.date(2026, 6, 19))


def test_two_series_on_a_monthly_date_the_lower_priced_is_am() -> None:
    # The vendor lists the PM series (more time, higher mids) first, then the AM series.
    pm = _expiry("2026-08-21", STRIKES, shift=1.0)
    am = _expiry("2026-08-21", STRIKES, shift=0.0)
    data = _doc("2026-08-19", "2026-08-19T21:30:00", {"2026-08-21": pm + am})
    raw = parse_barchart_json(data, source="x")
    roots = raw.frame.sort("source_line").get_column("root").to_list()
    assert roots == ["SPXW"] * len(pm) + ["SPX"] * len(am)
    assert any("AM-settled" in f.reason and f.count == len(am) for f in raw.flagged)
    snapshot = snapshot_from_raw(raw)
    settle = snapshot.frame.group_by("root").agg(pl.col("expiry_ts").first())
    times = dict(zip(settle["root"].to_list(), settle["expiry_ts"].to_list(), strict=True))
    assert times["SPX"].astimezone(ET).hour == 9
    assert times["SPXW"].astimezone(ET).hour == 16
    # Listed the other way round, the rule follows the prices, not the order.
    raw2 = parse_barchart_json(
        _doc("2026-08-19", "2026-08-19T21:30:00", {"2026-08-21": am + pm}), source="x"
    )
    assert raw2.frame.sort("source_line").get_column("root").to_list()[0] == "SPX"


def test_a_single_series_on_a_monthly_date_is_taken_as_pm_and_flagged() -> None:
    data = _doc("2026-08-19", "2026-08-19T21:30:00", {"2026-08-21": _expiry("2026-08-21", STRIKES)})
    raw = parse_barchart_json(data, source="x")
    assert set(raw.frame.get_column("root").to_list()) == {"SPXW"}
    assert any("single listed series" in f.reason for f in raw.flagged)


# -- Ingest: stale duplicates and the parity spot ----------------------------------------------


def _write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def test_stale_holiday_copy_is_refused_and_the_next_session_kept(tmp_path: Path) -> None:
    src = tmp_path / "snapshots"
    thursday = _expiry("2026-04-06", STRIKES)
    _write(
        src,
        "2026-04-02.json.gz",
        _doc("2026-04-02", "2026-04-02T21:45:20", {"2026-04-06": thursday}),
    )
    stale = [dict(r, daysToExpiration=3) for r in thursday]  # same quotes, a day later
    _write(
        src, "2026-04-03.json.gz", _doc("2026-04-03", "2026-04-03T21:40:32", {"2026-04-06": stale})
    )
    moved = _expiry("2026-04-07", STRIKES, shift=0.3)
    _write(
        src, "2026-04-06.json.gz", _doc("2026-04-06", "2026-04-06T21:43:05", {"2026-04-07": moved})
    )
    report = ingest_barchart(src, tmp_path / "store")
    outcome = dict(
        zip(report.rows["item"].to_list(), report.rows["outcome"].to_list(), strict=True)
    )
    assert outcome == {
        "2026-04-02.json.gz": "stored",
        "2026-04-03.json.gz": "refused",
        "2026-04-06.json.gz": "stored",
    }
    reason = report.rows.filter(pl.col("outcome") == "refused")["reason"][0]
    assert "stale duplicate" in reason
    assert "2026-04-02.json.gz" in reason
    assert report.counts["refused: stale duplicate of the previous session"] == 1


def test_stale_match_counts_identical_quotes_on_common_contracts() -> None:
    a = quote_table(
        _doc("2026-04-02", "2026-04-02T21:45:20", {"2026-04-06": _expiry("2026-04-06", STRIKES)})
    )
    b = quote_table(
        _doc(
            "2026-04-06",
            "2026-04-06T21:45:20",
            {"2026-04-06": _expiry("2026-04-06", STRIKES, shift=0.3)},
        )
    )
    assert stale_match(a, a) == (a.height, a.height)
    same, common = stale_match(b, a)
    assert common == a.height
    assert same < common


def test_spot_is_taken_from_parity_and_both_are_recorded(tmp_path: Path) -> None:
    src = tmp_path / "snapshots"
    # The quoted spot is 20 points off the forward the quotes imply.
    _write(
        src,
        "2026-07-23.json.gz",
        _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": _expiry("2026-07-24", STRIKES)}),
    )
    report = ingest_barchart(src, tmp_path / "store")
    row = report.rows.row(0, named=True)
    assert row["quoted_spot"] == 5020.0
    # The parity forward F discounted over one day at the default carry (rate - dividend yield).
    carry = PricingParams().rate - PricingParams().dividend_yield
    assert row["parity_spot"] == pytest.approx(F * math.exp(-carry / 365.0), abs=0.01)
    from eots.storage import SnapshotStore

    stored = SnapshotStore(tmp_path / "store")
    (ref,) = stored.list("SPX")
    assert stored.load(ref).spot == pytest.approx(row["parity_spot"])


def test_parity_spot_leaves_a_chain_without_pairs_alone(tmp_path: Path) -> None:
    calls = [r for r in _expiry("2026-07-24", STRIKES) if r["optionType"] == "Call"]
    raw = parse_barchart_json(
        _doc("2026-07-23", "2026-07-23T22:09:53", {"2026-07-24": calls}), source="x"
    )
    snapshot, implied = parity_spot(snapshot_from_raw(raw))
    assert implied is None
    assert snapshot.spot == 5020.0


# -- 0DTE recorder CSV ----------------------------------------------------------------------------

HEADER = (
    "fetched_at_et,quote_ts,spot,expiry,type,strike,bid,ask,bid_size,ask_size,last_trade_price,"
    "iv,delta,gamma,theta,vega,rho,volume,open_interest"
)


def _zero_rows(fetched: str, quote: str, spot: float = 500.0, bump: float = 0.0) -> list[str]:
    rows = []
    for k in (495.0, 500.0, 505.0):
        for side in ("C", "P"):
            intrinsic = max(spot - k, 0) if side == "C" else max(k - spot, 0)
            mid = intrinsic + 1.0 + bump
            rows.append(
                f"{fetched},{quote},{spot},2026-08-12,{side},{k},{mid - 0.05:.2f},{mid + 0.05:.2f},"
                f"10,10,{mid:.2f},0.15,0.5,0.05,-0.5,0.1,0.0,100,1000"
            )
    return rows


def _csv(*blocks: list[str]) -> bytes:
    return gzip.compress(("\n".join([HEADER, *[r for b in blocks for r in b]]) + "\n").encode())


def test_zerodte_quote_time_is_cboe_book_time_in_eastern() -> None:
    data = _csv(
        _zero_rows("2026-08-12 09:45:35", "2026-08-12T09:30:04"),
        _zero_rows("2026-08-12 09:50:36", "2026-08-12T09:35:04"),
    )
    read = zerodte_snapshots([("a.csv.gz", data)])
    assert len(read.chains) == 2
    first = read.chains[0]
    assert first.quote_time.basis is TimeBasis.SOURCE
    assert first.quote_time.ts == dt.datetime(2026, 8, 12, 9, 30, 4, tzinfo=ET)
    assert first.ts_recv == dt.datetime(2026, 8, 12, 9, 45, 35, tzinfo=ET)
    assert first.frame.height == 6
    assert set(first.frame["root"].to_list()) == {"SPY"}
    assert detect_format(gzip.decompress(data)) is ChainFormat.ZERODTE_CSV


def test_overlapping_collectors_are_deduplicated_on_quote_time() -> None:
    laptop = _csv(
        _zero_rows("2026-08-12 09:45:35", "2026-08-12T09:30:04"),
        _zero_rows("2026-08-12 10:05:38", "2026-08-12T09:50:04"),
    )
    runner = _csv(
        _zero_rows("2026-08-12 10:06:00", "2026-08-12T09:50:04"),  # same book, fetched later
        _zero_rows("2026-08-12 10:11:53", "2026-08-12T09:56:04"),
    )
    read = zerodte_snapshots([("chains/a", laptop), ("chains_ci/a", runner)])
    times = [c.quote_time.ts.astimezone(ET).strftime("%H:%M") for c in read.chains]
    assert times == ["09:30", "09:50", "09:56"]
    assert (read.copies_identical, read.copies_differing) == (1, 0)
    assert read.chains[1].source == "chains/a"  # the earliest fetch kept
    assert read.rows_read == 4 * 6


def test_differing_copies_of_one_quote_time_keep_the_earliest_fetch() -> None:
    a = _csv(_zero_rows("2026-08-12 10:05:38", "2026-08-12T09:50:04"))
    b = _csv(_zero_rows("2026-08-12 10:01:00", "2026-08-12T09:50:04", bump=0.1))
    read = zerodte_snapshots([("a", a), ("b", b)])
    assert (read.copies_identical, read.copies_differing) == (0, 1)
    assert read.chains[0].source == "b"


def test_zerodte_two_spots_at_one_quote_time_are_refused() -> None:
    rows = _zero_rows("2026-08-12 09:45:35", "2026-08-12T09:30:04")
    rows[-1] = rows[-1].replace(",500.0,", ",501.0,", 1)
    with pytest.raises(SchemaError, match="2 different spots"):
        zerodte_snapshots([("a", _csv(rows))])


def test_zerodte_bad_type_and_time_name_the_line() -> None:
    rows = _zero_rows("2026-08-12 09:45:35", "2026-08-12T09:30:04")
    with pytest.raises(SchemaError, match=r"line 3.*type"):
        zerodte_snapshots([("a", _csv([rows[0], rows[1].replace(",P,", ",X,")]))])
    with pytest.raises(SchemaError, match=r"line 2.*quote_ts"):
        zerodte_snapshots([("a", _csv([rows[0].replace("2026-08-12T09:30:04", "soon")]))])


def test_zerodte_ingest_reads_both_folders_and_refuses_a_closing_stamp(tmp_path: Path) -> None:
    chains, ci = tmp_path / "chains", tmp_path / "chains_ci"
    _write(
        chains,
        "SPY_2026-08-12.csv.gz",
        _csv(
            _zero_rows("2026-08-12 09:45:35", "2026-08-12T09:30:04"),
            _zero_rows("2026-08-12 16:15:00", "2026-08-12T16:00:00"),
        ),
    )
    _write(
        ci, "SPY_2026-08-12.csv.gz", _csv(_zero_rows("2026-08-12 09:46:00", "2026-08-12T09:30:04"))
    )
    report = ingest_zerodte([chains, ci], tmp_path / "store")
    assert report.stored == 1
    assert report.refused == 1
    assert "no live contract" in report.rows.filter(pl.col("outcome") == "refused")["reason"][0]
    assert report.counts["copies of a quote time dropped (identical)"] == 1
    row = report.rows.filter(pl.col("outcome") == "stored").row(0, named=True)
    carry = PricingParams().rate - PricingParams().dividend_yield
    t = 6.5 / 24 / 365  # 09:30 to the 16:00 settlement
    assert row["quoted_spot"] == 500.0
    assert row["parity_spot"] == pytest.approx(500.0 * math.exp(-carry * t), abs=1e-4)
