"""Issue 10: property tests of the batched CSV path (``eots.sources.stream``).

Whatever the bytes, the batched path either leaves the file to the whole-file path or returns the
snapshot the whole-file path returns: it never accepts a file the whole-file path refuses, never
returns other numbers, and ``load_chain`` gives the same snapshot or the same message either way.
Files here hold 60 rows read in batches of a few hundred bytes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eots.chain import ChainSnapshot
from eots.chain.assemble import Undecided
from eots.core.errors import EotsError, SchemaError
from eots.sources import load_chain, load_raw_chain, snapshot_from_raw, stream
from eots.sources.stream import _pieces, load_streamed
from eots.sources.text import normalise_text, text_encoding
from unit.sources.sources_texts import CSV_HEADER, DATE, GENERIC_HEADER, TITLE

_EXPIRIES = (("Wed Apr 05 2023", "230405", "SPXW"), ("Thu Apr 06 2023", "230406", "SPXW"))
_STAMP = "2023-04-05T16:00:00-04:00"


def _cboe(n: int = 30) -> bytes:
    rows = []
    for text, yymmdd, root in _EXPIRIES:
        for k in range(n):
            milli = 4000_000 + 5000 * k
            rows.append(
                f"{text},{root}{yymmdd}C{milli:08d},20.1,0.5,19.8,20.4,300,0.1401,0.5012,0.0052,"
                f"450,{milli / 1000:.2f},{root}{yymmdd}P{milli:08d},28.2,-2.1,27.9,28.6,250,0.1432,"
                f"-0.4988,0.0052,{k}"
            )
    return ("\n".join(["", TITLE, DATE, CSV_HEADER, *rows]) + "\n").encode()


def _generic(n: int = 30) -> bytes:
    rows = [
        f"SPX,2023-04-{d:02d},{4000 + 5 * k},{r},1.1,1.3,10,{k},0.2,4090.38,{_STAMP}"
        for d in (5, 6)
        for k in range(n // 2)
        for r in "CP"
    ]
    return ("\n".join([GENERIC_HEADER, *rows]) + "\n").encode()


FILES = {"cboe_csv": _cboe(), "generic_csv": _generic()}
_BYTES = st.sampled_from(list(b"0123456789" * 3 + b',.-+ \n\r"xeE'))  # digit: for a digit


def _whole(path: Path) -> ChainSnapshot | str:
    try:
        return snapshot_from_raw(load_raw_chain(path))
    except EotsError as e:
        return f"{type(e).__name__}: {e}"


def _loaded(path: Path) -> ChainSnapshot | str:
    try:
        return load_chain(path)
    except EotsError as e:
        return f"{type(e).__name__}: {e}"


def _same(a: ChainSnapshot | str, b: ChainSnapshot | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (
        a.frame.equals(b.frame)
        and a.quality == b.quality
        and (a.spot, a.ts_event, a.ts_recv, a.underlying)
        == (b.spot, b.ts_event, b.ts_recv, b.underlying)
    )


@given(
    data=st.binary(max_size=300) | st.text("ab\r\n,", max_size=300).map(str.encode),
    size=st.integers(1, 64),
)
def test_pieces_are_the_normalised_text_cut_at_line_ends(data: bytes, size: int) -> None:
    assume(data[:4] != b"PAR1" and text_encoding(data) is None)  # those are never batched
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.seek(0)
        pieces = list(_pieces(handle, size))
    assert b"".join(pieces) == normalise_text(data, source="x")
    assert all(p.endswith(b"\n") for p in pieces[:-1])


@settings(max_examples=30)
@given(
    name=st.sampled_from(list(FILES)),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), _BYTES), min_size=1, max_size=3),
    batch=st.integers(40, 700),
)
def test_batched_path_agrees_with_the_whole_file(
    name: str, edits: list[tuple[float, int]], batch: int
) -> None:
    data = bytearray(FILES[name])
    digits = [i for i, b in enumerate(data) if chr(b).isdigit()]
    for where, byte in edits:
        if chr(byte).isdigit():  # a digit replaces a digit: often still a valid file
            data[digits[int(where * len(digits))]] = byte
        else:
            data[int(where * len(data))] = byte
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        path = Path(tmp) / "chain.dat"
        path.write_bytes(bytes(data))
        reference = _whole(path)
        try:
            batched = load_streamed(path, as_of=None, underlying=None, batch_bytes=batch)
        except (Undecided, SchemaError):
            batched = None
        if batched is not None:  # accepted: the whole-file path accepts it too, same numbers
            assert not isinstance(reference, str), reference
            assert _same(batched, reference)
        mp.setattr(stream, "MIN_STREAM_BYTES", 0)
        mp.setattr(stream, "BATCH_BYTES", batch)
        assert _same(_loaded(path), reference)
