"""Issue 10: a large CBOE JSON payload is read record by record; the result and refusals stay exact.

``JsonStream`` walks the text in chunks of a few bytes here, so records, keys, numbers, escapes and
multi-byte characters are cut by chunk ends everywhere; the batched load must give the snapshot of
the whole-file path, and a file it cannot vouch for must be left to that path (same refusal).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from eots.chain import ChainSnapshot
from eots.chain.assemble import Undecided
from eots.core.errors import SchemaError
from eots.sources import load_chain, load_raw_chain, snapshot_from_raw, stream
from eots.sources._json import STREAMED, JsonStream, JsonUnsure
from eots.sources.stream import load_streamed
from unit.sources.sources_texts import cboe_json, cboe_option, write

_EXPIRIES = ("230406", "230421", "230519")


def options(n: int, **fields: Any) -> list[dict[str, Any]]:
    """``n`` distinct SPX contracts (calls and puts of three expiries, strikes 0.5 apart)."""
    out = []
    for k in range(n):
        ymd = _EXPIRIES[k % 3]
        right = "CP"[(k // 3) % 2]
        milli = 3_000_000 + 500 * (k // 6)
        root = "SPXW" if ymd == "230406" else "SPX"
        fields_k = {"open_interest": float(k % 97), "bid": 1.0 + k % 7, "ask": 1.5 + k % 7}
        out.append(cboe_option(f"{root}{ymd}{right}{milli:08d}", **(fields_k | fields)))
    return out


def whole(path: Path, **kw: Any) -> ChainSnapshot:
    return snapshot_from_raw(load_raw_chain(path, **kw))


def streamed(path: Path, batch: int, **kw: Any) -> ChainSnapshot:
    snap = load_streamed(path, as_of=kw.get("as_of"), underlying=None, batch_bytes=batch)
    assert snap is not None
    return snap


def assert_same(a: ChainSnapshot, b: ChainSnapshot) -> None:
    assert a.frame.schema == b.frame.schema
    assert a.frame.equals(b.frame)
    assert a.quality == b.quality
    assert (a.spot, a.ts_event, a.ts_recv, a.underlying) == (
        b.spot,
        b.ts_event,
        b.ts_recv,
        b.underlying,
    )
    assert (a.time_basis, a.source_format, a.source) == (b.time_basis, b.source_format, b.source)


# ---- the walker -----------------------------------------------------------------------------

_TRICKY = (
    '\ufeff {\r\n\t"k\\u00e9y" : "caf\u00e9 \\ud83d\\ude00 \\"q\\" \u20ac" ,\n'
    '"data":{ "options" : [ 1.25e3 ,-0.5,12345678901234567890, {"a": [1, {"b": null}],'
    '"s": "\\u0041\u00e9\\n"} , true,false ,null,"x",[] ,{}\r\n] , "n": 4.15 },'
    '"tail": 0.0000001 , "big": 1E+300}\n\t '
)


def _walk(text: str, chunk: int, batch: int) -> tuple[dict[str, Any], list[object], list[int]]:
    data = text.encode("utf-8")
    at = [0]

    def read(n: int) -> bytes:
        block = data[at[0] : at[0] + n]
        at[0] += len(block)
        return block

    items: list[object] = []
    firsts: list[int] = []

    def on_array(path: tuple[str, ...], batch_items: list[object], first: int) -> None:
        assert path == ("data", "options")
        firsts.append(first)
        assert first == len(items)
        items.extend(batch_items)

    doc = JsonStream(read, chunk=chunk, batch=batch).document(
        descend=lambda p: p == ("data",),
        stream=lambda p: p == ("data", "options"),
        on_array=on_array,
    )
    return doc, items, firsts


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64, 4096])
def test_walker_gives_what_json_loads_gives_at_every_chunk_size(chunk: int) -> None:
    # numbers, escapes (a surrogate pair), raw multi-byte characters, a BOM, CR LF, tabs and
    # spaces around every token, all cut by chunk ends somewhere
    reference = json.loads(_TRICKY.lstrip("\ufeff"))
    for batch in (1, 10, 1000):
        doc, items, firsts = _walk(_TRICKY, chunk, batch)
        assert items == reference["data"]["options"]
        assert doc["data"]["options"] is STREAMED
        doc["data"]["options"] = reference["data"]["options"]
        assert doc == reference
        assert json.dumps(doc) == json.dumps(reference)  # exact floats (1E+300, 1e-07)
        assert firsts[0] == 0
        assert (len(firsts) > 1) == (batch < 50)


def test_number_cut_by_a_chunk_end_is_read_whole() -> None:
    # "4.15" read in chunks ending after "4.1": the decoder must not stop at 4.1
    text = '{"data": {"options": [4.15, 10]}}'
    cut = text.index("4.15") + 3
    _doc, items, _ = _walk(text, cut, 1)
    assert items == [4.15, 10]


@pytest.mark.parametrize(
    "text",
    [
        '{"data": {"options": [1, 2]}',  # truncated
        '{"data": {"options": [1, 2]}} x',  # text after the document
        '{"data": {"options": [1, 2,]}}',  # trailing comma
        '{"data": {"options": [1 2]}}',  # no comma
        '{"data": {"options": [1], "options": [2]}}',  # a key twice (json.loads keeps the last)
        '{"a": 1, "a": 2, "data": {"options": []}}',
        '{"data": {"options": ["\x01"]}}',  # a raw control character
        "",
        "   ",
        "[1]",
    ],
)
def test_walker_leaves_what_it_cannot_vouch_for(text: str) -> None:
    for chunk in (1, 4, 1 << 16):
        with pytest.raises(JsonUnsure):
            _walk(text, chunk, 1)


def test_walker_refuses_bad_utf8_and_over_long_values() -> None:
    blocks = iter([b'{"a": "\xff"}', b""])
    with pytest.raises(JsonUnsure, match="UTF-8"):
        JsonStream(lambda n: next(blocks), chunk=4, batch=1).document(
            lambda p: False, lambda p: False, lambda p, i, f: None
        )
    long = '{"data": {"options": ["' + "x" * 200_000 + '"]}}'
    with pytest.raises(JsonUnsure, match="longer"):
        _walk(long, 16, 1)
    _doc, items, _ = _walk(long, 1 << 16, 1)  # within a few chunks: read
    assert items == ["x" * 200_000]


# ---- CBOE JSON, batched against whole ---------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 150, 1000, 1 << 20])
def test_batched_cboe_json_equals_whole_file(tmp_path: Path, batch: int) -> None:
    path = write(tmp_path, cboe_json(options(600)))
    assert_same(streamed(path, batch), whole(path))


def test_batched_cboe_json_with_spot_after_options_and_layout_variants(tmp_path: Path) -> None:
    # the real files' key order (options before the spot), pretty-printed with CR LF, non-ASCII
    # escapes and raw characters in fields the reader does not use
    doc = {
        "timestamp": "2023-04-05 23:41:00",
        "data": {"options": options(300, tick="\u2191 \u00e9"), "current_price": 4090.3799},
        "symbol": "_SPX",
    }
    for text in (
        json.dumps(doc, indent=2).replace("\n", "\r\n"),
        json.dumps(doc, separators=(",", ":"), ensure_ascii=False),
        "\ufeff" + json.dumps(doc, indent="\t"),
    ):
        path = write(tmp_path, text)
        for batch in (1, 97, 4096):
            assert_same(streamed(path, batch), whole(path))


def test_batched_cboe_json_old_schema(tmp_path: Path) -> None:
    records = options(200)
    for record in records:
        del record["bid"], record["ask"]
    doc = {"current_price": 4090.3799, "symbol": "SPX", "options": records}
    path = write(tmp_path, json.dumps(doc))
    at = dt.datetime(2023, 4, 5, 20, tzinfo=dt.UTC)
    snap = streamed(path, 200, as_of=at)
    assert_same(snap, whole(path, as_of=at))
    assert snap.source_format == "cboe_delayed_json_old"


def test_every_cboe_json_reader_test_file_takes_the_batched_path(tmp_path: Path) -> None:
    # the files of test_sources_json.py that load are read by this path in its batched run
    path = write(tmp_path, cboe_json())
    assert_same(streamed(path, 150), whole(path))


def _refusal(path: Path) -> str:
    with pytest.raises(SchemaError) as whole_error:
        whole(path)
    return str(whole_error.value)


def _left_and_refused(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batched path gives up, and ``load_chain`` refuses with the whole-file message."""
    with pytest.raises((Undecided, SchemaError)):
        load_streamed(path, as_of=None, underlying=None, batch_bytes=150)
    message = _refusal(path)
    monkeypatch.setattr(stream, "MIN_STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "BATCH_BYTES", 150)
    with pytest.raises(SchemaError) as error:
        load_chain(path)
    assert str(error.value) == message


def test_truncated_cboe_json_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = cboe_json(options(400))
    for cut in (len(text) - 1, len(text) // 2, text.index('"bid"', 5000) + 8):
        path = write(tmp_path, text[:cut])
        _left_and_refused(path, monkeypatch)
        assert "invalid or truncated JSON" in _refusal(path)


def test_bad_field_late_in_the_file_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = options(3000)
    records[2876]["bid"] = "0.35"
    path = write(tmp_path, cboe_json(records))
    _left_and_refused(path, monkeypatch)
    assert "line 2877, field 'data.options[2876].bid'" in _refusal(path)
    records[2876]["bid"] = 1.0
    records[2950]["option"] = "SPXW2304O6P04000000"
    path = write(tmp_path, cboe_json(records))
    _left_and_refused(path, monkeypatch)
    assert "line 2951, field 'data.options[2950].option'" in _refusal(path)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update({"note": "callExpDateMap"}) or json.dumps(d),  # detect: TD Ameritrade
        lambda d: json.dumps(d) + " {}",  # text after the document
        lambda d: json.dumps(d).replace('"options"', '"\\u006fptions"'),  # detect: no "options"
        lambda d: json.dumps(d)[:-1] + ', "symbol": "_NDX"}',  # a key twice
        lambda d: d["data"].update({"current_price": "4090"}) or json.dumps(d),
        lambda d: d["data"].update({"options": []}) or json.dumps(d),
        lambda d: d["data"]["options"].append(7) or json.dumps(d),
        # a top-level list beside data.options (which alone counts), or instead of it (refused)
        lambda d: d.update({"options": options(60)[50:]}) or json.dumps(d),
        lambda d: d.update({"options": d["data"].pop("options")}) or json.dumps(d),
    ],
)
def test_payloads_the_batched_path_leaves_to_the_whole_file_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    doc = json.loads(cboe_json(options(50)))
    path = write(tmp_path, change(doc))
    with pytest.raises((Undecided, SchemaError)):
        load_streamed(path, as_of=None, underlying=None, batch_bytes=150)
    monkeypatch.setattr(stream, "MIN_STREAM_BYTES", 0)
    try:
        expected: object = whole(path)
    except SchemaError as e:
        expected = str(e)
    try:
        got: object = load_chain(path)
    except SchemaError as e:
        got = str(e)
    if isinstance(expected, ChainSnapshot):
        assert isinstance(got, ChainSnapshot)
        assert_same(got, expected)
    else:
        assert got == expected


# ---- the real chains --------------------------------------------------------------------------

_REAL = os.environ.get("EOTS_REAL_DATA")
_REAL_JSON = sorted(Path(_REAL).glob("*cboejson/*.json")) if _REAL else []
_AS_OF = dt.datetime(2022, 4, 1, 20, tzinfo=dt.UTC)  # for the old schema's file (no time)


@pytest.mark.skipif(not _REAL_JSON, reason="EOTS_REAL_DATA is not set (shared/data/chains)")
@pytest.mark.parametrize("path", _REAL_JSON, ids=[p.parent.name for p in _REAL_JSON])
def test_real_cboe_json_batched_equals_whole(path: Path) -> None:
    as_of = _AS_OF if b'"timestamp"' not in path.read_bytes()[:200] else None
    reference = whole(path, as_of=as_of)
    for batch in (150, 4096, 1 << 20):  # records (about 450 bytes) cut by chunk ends
        assert_same(streamed(path, batch, as_of=as_of), reference)


def test_detection_marks_are_found_when_a_read_cuts_them() -> None:
    data = b'{"x": 1, "callExpDateMap": {}, "options": []}'
    for cut in range(1, len(data)):
        marked = stream._Marked(io.BytesIO(data))

        def read_all(marked: stream._Marked = marked, cut: int = cut) -> None:
            while marked.read(cut):
                pass

        with pytest.raises(Undecided, match="another JSON format"):
            read_all()
        assert b'"callExpDateMap"' in marked.seen
        assert not marked.cboe()
    plain = stream._Marked(io.BytesIO(data.replace(b"callExpDateMap", b"c")))
    for _ in range(len(data)):
        plain.read(3)
    assert plain.cboe()


def test_integers_beyond_the_float_range_are_refused_not_a_traceback(tmp_path: Path) -> None:
    # json gives Python ints of any size: float() of 10**400 overflows, and an integer of more
    # than 4300 digits does not even decode (both were tracebacks)
    records = options(40)
    text = cboe_json(records).replace('"bid": 1.0', '"bid": 1' + "0" * 400, 1)
    first = next(i for i, r in enumerate(records) if r["bid"] == 1.0)
    with pytest.raises(
        SchemaError, match=rf"line {first + 1}, field 'data.options\[{first}\].bid'"
    ):
        load_chain(write(tmp_path, text))
    text = cboe_json(records).replace('"bid": 1.0', '"bid": 1' + "0" * 5000, 1)
    with pytest.raises(SchemaError, match="invalid JSON: Exceeds the limit"):
        load_chain(write(tmp_path, text))
