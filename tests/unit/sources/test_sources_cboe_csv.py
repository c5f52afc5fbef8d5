"""CBOE quotedata.csv: every header variant seen in the wild, and every refusal names its place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from eots.chain import CHAIN_SCHEMA
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, TimeBasis
from eots.sources import load_chain, load_raw_chain, read_cboe_csv
from unit.sources.sources_texts import (
    CLOSE,
    CSV_HEADER,
    CSV_ROWS,
    DOWNLOAD,
    N_CONTRACTS,
    N_EXPIRED,
    SPOT,
    cboe_csv,
    write,
)


def test_cboe_csv_standard_file_loads_validated_snapshot(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_csv()))
    assert snap.frame.schema == CHAIN_SCHEMA
    assert snap.underlying == "SPX"
    assert snap.spot == SPOT
    assert snap.source_format == "cboe_quotedata_csv"
    assert snap.ts_event == CLOSE
    assert snap.ts_recv == DOWNLOAD
    assert snap.time_basis is TimeBasis.SESSION_CLOSE
    assert snap.quality.rows_read == N_CONTRACTS
    assert snap.n_contracts == N_CONTRACTS - N_EXPIRED
    assert snap.expiries == (dt.date(2023, 4, 6), dt.date(2023, 4, 21))
    am = snap.frame.filter(pl.col("root") == "SPX")
    assert am.get_column("settlement").unique().to_list() == ["AM"]


def test_cboe_csv_fields_come_from_the_right_columns(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_csv()))
    put = snap.frame.filter(
        (pl.col("root") == "SPXW") & (pl.col("strike") == 4000.0) & (pl.col("right") == "P")
    ).row(0, named=True)
    assert put["symbol"] == "SPXW230406P04000000"
    assert (put["bid"], put["ask"], put["last"]) == (3.1, 3.3, 3.2)
    assert (put["volume"], put["open_interest"]) == (800, 900)
    assert (put["iv_src"], put["delta_src"], put["gamma_src"]) == (0.1822, -0.1988, 0.0021)
    assert put["source_line"] == 6


def test_cboe_csv_zero_iv_means_greeks_not_given(tmp_path: Path) -> None:
    raw = load_raw_chain(write(tmp_path, cboe_csv()))
    expired = raw.frame.filter(pl.col("expiry") == dt.date(2023, 4, 5))
    assert expired.get_column("iv_src").null_count() == 2
    assert expired.get_column("delta_src").null_count() == 2
    assert expired.get_column("gamma_src").null_count() == 2


@pytest.mark.parametrize(
    ("first", "title"),
    [
        pytest.param("", None, id="blank-first-line"),
        pytest.param(None, None, id="no-first-line"),
        pytest.param("---Example Data---", None, id="example-data-first-line"),
        pytest.param(
            "",
            '"Standard & Poors 500 Index, Inc.","Last: 4,090.3799",Change:  -10.2201',
            id="quoted-title-and-grouped-last",
        ),
        pytest.param("", "S&P 500 INDEX,Last: 4090.3799,Change: 8.56", id="new-cboe-name"),
        pytest.param("", "Some Unknown Name,Last: 4090.3799,Change: 1", id="unknown-title"),
    ],
)
def test_cboe_csv_preamble_variants_load(
    tmp_path: Path, first: str | None, title: str | None
) -> None:
    text = cboe_csv(first=first or "", title=title) if title else cboe_csv(first=first or "")
    if first is None:
        text = text[1:]
    snap = load_chain(write(tmp_path, text))
    assert (snap.spot, snap.underlying, snap.n_contracts) == (SPOT, "SPX", N_CONTRACTS - N_EXPIRED)


def test_cboe_csv_trailing_commas_on_every_line(tmp_path: Path) -> None:
    lines = cboe_csv().splitlines()
    padded = [lines[0] + ",,,", lines[1] + ",,,,,,", lines[2] + ",,,,", lines[3]]
    padded += [row + ",," for row in lines[4:]]
    snap = load_chain(write(tmp_path, "\n".join(padded) + "\n"))
    assert snap.quality.rows_read == N_CONTRACTS


def test_cboe_csv_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    text = cboe_csv(rows=(*CSV_ROWS[:2], "", *CSV_ROWS[2:])) + "\n\n"
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    raw = load_raw_chain(write(tmp_path, data))
    assert raw.frame.height == N_CONTRACTS
    assert sorted(set(raw.frame.get_column("source_line").to_list())) == [5, 6, 8, 9]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Date: 5 April 2023, 19:41 UTC−4", DOWNLOAD),
        ('"Date: April 5, 2023 at 7:41 PM EDT"', DOWNLOAD),
        ('"Date: April 5, 2023 at 7:41 p.m. EDT"', DOWNLOAD),
        ('"Date: April 5 2023, 7:41 PM EDT"', DOWNLOAD),
        ("Date: 5 April 2023, at 7:41 PM EDT", DOWNLOAD),
        ('Date: 5 April 2023, 7:41 PM EDT"', DOWNLOAD),
        ("Date: 5 April 2023 7:41 PM EDT", DOWNLOAD),
        ("Date: 5 de abril de 2023, 19:41 GMT-4", DOWNLOAD),
        ("Date: 5 апреля 2023 г. в 19:41 GMT-4", DOWNLOAD),
        ('"Date: April 5, 2023 at 6:41 PM CDT"', DOWNLOAD),
    ],
)
def test_cboe_csv_date_line_variants(tmp_path: Path, date: str, expected: dt.datetime) -> None:
    text = cboe_csv(date=f'{date},Bid: 4061.71,Ask: 4107.79,Size: 1*1,"Volume: 77,883,662"')
    snap = load_chain(write(tmp_path, text))
    assert snap.ts_recv == expected
    assert snap.ts_event == CLOSE


def test_cboe_csv_intraday_download_is_the_quote_time(tmp_path: Path) -> None:
    text = cboe_csv(date='"Date: April 5, 2023 at 1:40 PM EDT",Bid: 1,Ask: 2,Size: 1*1,Volume: 0')
    snap = load_chain(write(tmp_path, text))
    assert snap.time_basis is TimeBasis.INTRADAY_DOWNLOAD
    assert snap.ts_event == dt.datetime(2023, 4, 5, 13, 40, tzinfo=ET)
    assert snap.n_contracts == N_CONTRACTS  # the 0DTE rows are live until 16:00


def test_cboe_csv_weekend_download_maps_to_friday_close(tmp_path: Path) -> None:
    text = cboe_csv(date='"Date: April 8, 2023 at 10:00 AM EDT",Bid: 1')  # Saturday; 04-07 holiday
    snap = load_chain(write(tmp_path, text))
    assert snap.ts_event == dt.datetime(2023, 4, 6, 16, 0, tzinfo=ET)


def test_cboe_csv_as_of_overrides_the_date_line(tmp_path: Path) -> None:
    as_of = dt.datetime(2023, 4, 5, 12, 0, tzinfo=ET)
    snap = load_chain(write(tmp_path, cboe_csv()), as_of=as_of)
    assert snap.time_basis is TimeBasis.OVERRIDE
    assert snap.ts_event == as_of
    assert snap.ts_recv == DOWNLOAD


def test_cboe_csv_unreadable_date_needs_as_of(tmp_path: Path) -> None:
    path = write(tmp_path, cboe_csv(date="Date: 4 June 4, 3:15 PM EDT,Bid: 1"))
    with pytest.raises(SchemaError, match=r"line 3, field 'Date'.*--as-of") as e:
        load_chain(path)
    assert str(path) in str(e.value)
    as_of = dt.datetime(2023, 4, 5, 16, 0, tzinfo=ET)
    snap = load_chain(path, as_of=as_of)
    assert snap.ts_recv == as_of


def test_cboe_csv_without_greeks_16_columns(tmp_path: Path) -> None:
    header = (
        "Expiration Date,Calls,Last Sale,Net,Bid,Ask,Volume,Open Interest,Strike,"
        "Puts,Last Sale,Net,Bid,Ask,Volume,Open Interest"
    )
    rows = (
        "Thu Apr 06 2023,SPXW230406C04000000,95.1,1.5,94,96.2,120,150,4000,"
        "SPXW230406P04000000,3.2,-1.1,3.1,3.3,800,900",
    )
    snap = load_chain(write(tmp_path, cboe_csv(header=header, rows=rows)))
    assert snap.source_format == "cboe_quotedata_csv_nogreeks"
    assert snap.frame.get_column("iv_src").null_count() == 2
    assert snap.frame.get_column("open_interest").to_list() == [150, 900]


def test_cboe_csv_old_vol_and_open_int_headers(tmp_path: Path) -> None:
    header = CSV_HEADER.replace("Volume", "Vol").replace("Open Interest", "Open Int")
    snap = read_cboe_csv(write(tmp_path, cboe_csv(header=header)))
    assert snap.frame.get_column("volume").sum() > 0


# ---- refusals: each names the file, the line and the field ------------------------------------


def _refused(path: Path, pattern: str, error: type[SchemaError] = SchemaError) -> SchemaError:
    with pytest.raises(error, match=pattern) as e:
        load_chain(path)
    assert str(path) in str(e.value)
    return e.value


def _with_row(index: int, row: str) -> str:
    rows = list(CSV_ROWS)
    rows[index] = row
    return cboe_csv(rows=tuple(rows))


def test_cboe_csv_empty_file_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, ""), "empty", EmptyChainError)


def test_cboe_csv_header_without_rows_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, cboe_csv(rows=())), "header but no option rows", EmptyChainError)


def test_cboe_csv_unknown_header_column_refused(tmp_path: Path) -> None:
    header = CSV_HEADER.replace("Gamma,Open Interest,Strike", "Gamma,Charm,Open Interest,Strike")
    e = _refused(write(tmp_path, cboe_csv(header=header)), r"line 4, field 'Charm'")
    assert e.line == 4


def test_cboe_csv_non_numeric_bid_names_line_and_field(tmp_path: Path) -> None:
    row = CSV_ROWS[2].replace(",19.8,", ",abc,")
    e = _refused(write(tmp_path, _with_row(2, row)), r"line 7, field 'Bid \(calls\)'.*'abc'")
    assert (e.line, e.field) == (7, "Bid (calls)")


def test_cboe_csv_negative_open_interest_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].removesuffix(",900") + ",-900"
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'open_interest'.*>= 0")


def test_cboe_csv_fractional_open_interest_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].removesuffix(",900") + ",900.5"
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'Open Interest \(puts\)'")


def test_cboe_csv_symbol_strike_mismatch_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[2].replace(",4100.00,", ",4105.00,")
    _refused(write(tmp_path, _with_row(2, row)), r"line 7, field 'Strike'.*contradicts")


def test_cboe_csv_symbol_expiry_mismatch_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[3].replace("Fri Apr 21 2023", "Fri Apr 14 2023")
    _refused(write(tmp_path, _with_row(3, row)), r"line 8, field 'Expiration Date'")


def test_cboe_csv_put_symbol_in_calls_column_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].replace("SPXW230406C04000000", "SPXW230406P04000000", 1)
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'Calls'.*right")


def test_cboe_csv_garbage_symbol_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].replace("SPXW230406C04000000", "hello", 1)
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'Calls'.*OCC")


def test_cboe_csv_nan_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].replace(",0.1523,", ",NaN,")
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'iv_src'.*finite")


def test_cboe_csv_empty_field_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].replace(",94,", ",,")
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'Bid \(calls\)'.*empty")


def test_cboe_csv_truncated_last_line_refused(tmp_path: Path) -> None:
    text = cboe_csv().rstrip("\n")
    cut = text[: text.rfind(",", 0, len(text) - 40)]  # the file ends after a complete field
    _refused(write(tmp_path, cut), r"line 8: the last line has no line end.*truncated")
    _refused(write(tmp_path, cut + "\n"), r"line 8, field 'Net \(puts\)'.*empty")
    # Cut inside a number: without the line-end check it would read as a smaller number.
    _refused(write(tmp_path, text[:-1]), r"line 8: the last line has no line end")


def test_cboe_csv_extra_field_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, _with_row(1, CSV_ROWS[1] + ",42")), r"line 6: expected at most 22")


def test_cboe_csv_extra_field_on_first_row_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, _with_row(0, CSV_ROWS[0] + ",42")), r"line 5: .*past the last column")


def test_cboe_csv_bad_expiration_date_refused(tmp_path: Path) -> None:
    row = CSV_ROWS[1].replace("Thu Apr 06 2023", "2023/04/06")
    _refused(write(tmp_path, _with_row(1, row)), r"line 6, field 'Expiration Date'")


def test_cboe_csv_conflicting_duplicate_contract_refused(tmp_path: Path) -> None:
    twin = CSV_ROWS[1].replace(",94,", ",93,")
    text = cboe_csv(rows=(*CSV_ROWS, twin))
    _refused(write(tmp_path, text), r"listed twice.*lines 6 and 9")


def test_cboe_csv_exact_duplicate_line_dropped_and_counted(tmp_path: Path) -> None:
    snap = load_chain(write(tmp_path, cboe_csv(rows=(*CSV_ROWS, CSV_ROWS[1]))))
    assert snap.n_contracts == N_CONTRACTS - N_EXPIRED
    assert [d.count for d in snap.quality.dropped if "duplicate" in d.reason] == [2]


def test_cboe_csv_roots_of_two_underlyings_refused(tmp_path: Path) -> None:
    spy = "Thu Apr 06 2023,SPY230406C00410000,1,0,1,1.1,1,0.2,0.5,0.05,10,410.00," + (
        "SPY230406P00410000,1,0,1,1.1,1,0.2,-0.5,0.05,10"
    )
    e = _refused(
        write(tmp_path, cboe_csv(title="Some Chain,Last: 4090", rows=(*CSV_ROWS, spy))),
        r"line 9, field 'root'.*one underlying",
    )
    assert e.line == 9


def test_cboe_csv_title_contradicting_roots_refused(tmp_path: Path) -> None:
    title = "SPDR S&P 500 ETF Trust,Last: 413.08,Change: -1.01"
    _refused(write(tmp_path, cboe_csv(title=title)), r"line 2, field 'title'.*SPY")


def test_cboe_csv_caller_underlying_checked(tmp_path: Path) -> None:
    path = write(tmp_path, cboe_csv())
    assert load_chain(path, underlying="spx").underlying == "SPX"
    with pytest.raises(SchemaError, match="SPY"):
        load_chain(path, underlying="SPY")


def test_cboe_csv_missing_last_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, cboe_csv(title="S&P 500 INDEX,Change: 1")), r"field 'Last'")


def test_cboe_csv_non_numeric_last_refused(tmp_path: Path) -> None:
    _refused(write(tmp_path, cboe_csv(title="S&P 500 INDEX,Last: n/a")), r"line 2, field 'Last'")


def test_cboe_csv_missing_put_side_refused(tmp_path: Path) -> None:
    header = CSV_HEADER.split(",Puts,")[0]
    _refused(write(tmp_path, cboe_csv(header=header)), r"line 4, field 'Puts'")


def test_cboe_csv_invalid_utf8_row_refused(tmp_path: Path) -> None:
    data = cboe_csv().encode().replace(b"SPXW230406C04100000", b"SPXW\xff30406C04100000")
    _refused(write(tmp_path, data), r"line 7")
