"""Issue 10: a large CSV is loaded in batches of lines; the result and every refusal stay exact.

The files here hold a few thousand rows and are read in batches of a few KiB, so a row can sit in
the tenth or the hundredth batch: its line number must still be its line in the file.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import polars as pl
import pytest

from eots.chain import ChainSnapshot
from eots.chain.assemble import Undecided, _has_ties
from eots.core.errors import SchemaError
from eots.sources import load_chain, load_raw_chain, snapshot_from_raw, stream
from eots.sources.stream import load_streamed
from unit.sources.sources_texts import CSV_HEADER, DATE, GENERIC_HEADER, TITLE, write

BATCH = 4096
STAMP = "2023-04-05T16:00:00-04:00"
_EXPIRIES = (  # (CSV text, OCC yymmdd, root); the 2023-04-05 rows are expired after the close
    ("Wed Apr 05 2023", "230405", "SPXW"),
    ("Thu Apr 06 2023", "230406", "SPXW"),
    ("Fri Apr 21 2023", "230421", "SPX"),
)


@pytest.fixture(autouse=True)
def load_path(monkeypatch: pytest.MonkeyPatch) -> str:
    """Here ``load_chain`` always takes the batched path, in batches of ``BATCH`` bytes."""
    monkeypatch.setattr(stream, "MIN_STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_BYTES", BATCH)
    return "batched"


def cboe_row(expiry: int, strike: float, *, bid: str = "19.8", oi: str = "300") -> str:
    """One quotedata.csv row of ``_EXPIRIES[expiry]`` at ``strike`` (calls and puts)."""
    text, yymmdd, root = _EXPIRIES[expiry]
    milli = round(strike * 1000)
    return (
        f"{text},{root}{yymmdd}C{milli:08d},20.1,0.5,{bid},20.4,300,0.1401,0.5012,0.0052,450,"
        f"{strike:.3f},{root}{yymmdd}P{milli:08d},28.2,-2.1,27.9,28.6,250,0.1432,-0.4988,0.0052,{oi}"
    )


def big_cboe(n_per_expiry: int = 700) -> list[str]:
    """The lines of a quotedata.csv with ``3 * n_per_expiry`` rows (about 300 KiB)."""
    rows = [cboe_row(e, 3000 + 0.5 * k) for e in range(3) for k in range(n_per_expiry)]
    return ["", TITLE, DATE, CSV_HEADER, *rows]


def text_of(lines: list[str], end: str = "\n") -> str:
    """Join ``lines`` with ``end`` and end the file with one."""
    return end.join(lines) + end


def whole(path: Path) -> ChainSnapshot:
    """The whole-file reference: read, parse and validate the file in one piece."""
    return snapshot_from_raw(load_raw_chain(path))


def assert_same(a: ChainSnapshot, b: ChainSnapshot) -> None:
    """Snapshots equal in every field, the frame value by value."""
    assert a.frame.schema == b.frame.schema
    assert a.frame.equals(b.frame)
    for name in ("underlying", "spot", "ts_event", "ts_recv", "time_basis", "quality"):
        assert getattr(a, name) == getattr(b, name), name
    assert (a.source, a.source_format) == (b.source, b.source_format)


def streamed(path: Path) -> ChainSnapshot:
    """Load ``path`` on the batched path in batches of ``BATCH`` bytes."""
    snap = load_streamed(path, as_of=None, underlying=None, batch_bytes=BATCH)
    assert snap is not None
    return snap


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("pad", ["", ",,"])
def test_batched_cboe_equals_whole_file(tmp_path: Path, end: str, pad: str) -> None:
    lines = [line + pad for line in big_cboe()]
    lines[500] = ""  # a blank line inside a batch is skipped and still counted
    path = write(tmp_path, "\ufeff" + text_of(lines, end))
    snap = streamed(path)
    assert_same(snap, whole(path))
    assert snap.quality.rows_read == 2 * (len(lines) - 5)
    assert snap.quality.dropped[0].count == 2 * 699  # the expired 0DTE rows but the blank one
    assert snap.frame.get_column("source_line").max() == len(lines)


def test_batched_generic_csv_equals_whole_file(tmp_path: Path) -> None:
    rows = [
        f"SPY,2023-04-{d:02d},{300 + k * 0.5},{r},1.1,1.3,10,{k},0.2,410.5,{STAMP}"
        for d in (5, 6, 21)
        for k in range(800)
        for r in "CP"
    ]
    path = write(tmp_path, text_of([GENERIC_HEADER, *rows]))
    snap = streamed(path)
    assert_same(snap, whole(path))
    assert snap.n_contracts == 2 * 2 * 800


def test_bad_value_in_a_late_batch_is_refused_at_its_line(tmp_path: Path) -> None:
    lines = big_cboe()
    line = len(lines) - 3  # 1-based number of the third-last row, in the last batches
    lines[line - 1] = cboe_row(2, 9999.5, bid="abc")
    path = write(tmp_path, text_of(lines))
    assert path.stat().st_size > 50 * BATCH
    # The batched path finds it itself, at its true line ...
    with pytest.raises(SchemaError) as batched:
        streamed(path)
    assert (batched.value.line, batched.value.field) == (line, "Bid (calls)")
    # ... and load_chain's message is the whole-file one.
    with pytest.raises(SchemaError) as loaded:
        load_chain(path)
    assert (loaded.value.line, loaded.value.field) == (line, "Bid (calls)")
    assert f"line {line}, field 'Bid (calls)'" in str(loaded.value)


def test_validation_fault_in_a_late_batch_names_its_line(tmp_path: Path) -> None:
    lines = big_cboe()
    line = 1900
    lines[line - 1] = cboe_row(1, 9999.5, oi="-5")
    path = write(tmp_path, text_of(lines))
    with pytest.raises(SchemaError) as batched:
        streamed(path)
    assert (batched.value.line, batched.value.field) == (line, "open_interest")
    with pytest.raises(SchemaError, match=rf"line {line}, field 'open_interest'.*>= 0"):
        load_chain(path)


def test_duplicate_contract_across_batches_goes_to_the_whole_file_path(tmp_path: Path) -> None:
    lines = big_cboe()
    lines.append(lines[10])  # an exact duplicate 2000 lines later: dropped, counted
    path = write(tmp_path, text_of(lines))
    with pytest.raises(Undecided):
        streamed(path)
    snap = load_chain(path)
    assert_same(snap, whole(path))
    assert snap.quality.dropped[0].reason == "exact duplicate row"


def test_truncated_large_file_refused_like_the_whole_file(tmp_path: Path) -> None:
    text = text_of(big_cboe()).rstrip("\n")
    path = write(tmp_path, text[: text.rfind(",")])
    with pytest.raises((Undecided, SchemaError)):  # the cut row may also be a batch's only row
        streamed(path)
    with pytest.raises(SchemaError, match=r"line 2104: the last line has no line end"):
        load_chain(path)


def test_as_of_and_underlying_pass_through(tmp_path: Path) -> None:
    path = write(tmp_path, text_of(big_cboe()))
    as_of = dt.datetime(2023, 4, 5, 12, tzinfo=dt.UTC)
    snap = load_streamed(path, as_of=as_of, underlying="SPX", batch_bytes=BATCH)
    assert snap is not None
    ref = snapshot_from_raw(load_raw_chain(path, as_of=as_of, underlying="SPX"))
    assert_same(snap, ref)
    assert not snap.quality.dropped  # nothing expired at 12:00 UTC


@pytest.mark.parametrize(
    "data",
    [
        b'[{"data": {"options": []}}]',
        gzip.compress(b"root,expiry,strike,right,open_interest,spot\n"),
        text_of(big_cboe(5)).encode("utf-16"),
        b" \n\n ",
    ],
    ids=["json", "gzip", "utf16", "blank"],
)
def test_other_files_are_left_to_the_whole_file_path(tmp_path: Path, data: bytes) -> None:
    assert load_streamed(write(tmp_path, data), as_of=None, underlying=None) is None


def test_batched_parquet_equals_whole_file(tmp_path: Path) -> None:
    rows = {
        "root": ["SPY"] * 3000,
        "expiry": [dt.date(2023, 4, 5 + (k % 3)) for k in range(3000)],
        "strike": [300 + 0.5 * (k // 6) for k in range(3000)],
        "right": ["C", "P"] * 1500,
        "open_interest": [float(k % 17) for k in range(3000)],
        "bid": [1.1] * 3000,
        "ask": [1.3] * 3000,
        "spot": [410.5] * 3000,
        "ts_event": [STAMP] * 3000,
    }
    path = tmp_path / "chain.parquet"
    pl.DataFrame(rows).write_parquet(path, row_group_size=700)
    snap = streamed(path)
    assert_same(snap, whole(path))
    assert snap.quality.rows_read == 3000


def test_corrupt_parquet_is_refused_by_the_whole_file_path(tmp_path: Path) -> None:
    path = write(tmp_path, b"PAR1 not really")
    with pytest.raises(Undecided):
        streamed(path)
    with pytest.raises(SchemaError, match="unreadable Parquet"):
        load_chain(path)


def test_two_roots_at_one_expiry_and_strike_are_two_contracts(tmp_path: Path) -> None:
    # SPX (AM) and SPXW (PM) list the third Friday at the same strikes: the sort key's root
    rows = [
        f"{root},2023-04-21,{4000 + 5 * k},{r},1.1,1.3,10,{k},0.2,4090.38,{STAMP}"
        for k in range(400)
        for root in ("SPXW", "SPX")
        for r in "PC"
    ]
    path = write(tmp_path, text_of([GENERIC_HEADER, *rows]))
    snap = streamed(path)
    assert_same(snap, whole(path))
    assert snap.frame.get_column("root").head(4).to_list() == ["SPX", "SPXW", "SPX", "SPXW"]


@pytest.mark.parametrize(
    ("keys", "step", "tied"),
    [
        ([1, 2, 3, 3, 4], 3, True),  # the tie straddles two pieces
        ([1, 2, 3, 3, 4], 2, True),
        ([1, 3, 3, 4], 5, True),  # inside one piece
        ([5, 1, 4, 2, 3], 2, False),
    ],
)
def test_ties_are_found_across_pieces(keys: list[int], step: int, tied: bool) -> None:
    key = pl.Series(keys, dtype=pl.UInt64)
    assert _has_ties(key, key.arg_sort(), step) is tied
