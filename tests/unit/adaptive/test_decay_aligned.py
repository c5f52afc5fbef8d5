"""``recency_multiplier``: the aligned NumPy path equals the general group-by path.

Within 1e-12 relative: the NumPy path adds each contract's terms in time order, the group-by in
its own order, so the last bit may differ (each path is deterministic); the rows differ in order.
Also: ``Working.keyed`` reads a keyed frame of the frame's own contracts without a join, and joins
any other.
"""

from __future__ import annotations

import datetime as dt
import types

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.adaptive import decay
from eots.adaptive.inputs import Working
from eots.adaptive.params import ADagParams
from eots.adaptive.pieces import aligned, latest_pieces, unique_keys
from eots.chain.schema import RIGHTS, UTC_US

T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)
KEY = ["root", "expiry", "strike", "right"]


def _keys(n: int) -> pl.DataFrame:
    k = np.arange(n)
    return pl.DataFrame(
        {
            "root": ["SPXW"] * n,
            "expiry": [dt.date(2024, 3, 15)] * n,
            "strike": (5000 + 5 * (k // 2)).astype(float),
            "right": pl.Series(["C" if i % 2 else "P" for i in k], dtype=RIGHTS),
        }
    )


def _increments(seed: int, n: int, stamps: int, shuffle_one: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    pieces = []
    for s in range(stamps):
        v = np.round(rng.exponential(20.0, n)) * (rng.random(n) < 0.5)
        v[rng.random(n) < 0.1] = np.nan
        piece = _keys(n).with_columns(
            ts=pl.lit(T0 + dt.timedelta(minutes=s)).cast(UTC_US), volm=pl.Series(v)
        )
        if shuffle_one and s == 1:
            piece = piece.sample(fraction=1.0, shuffle=True, seed=seed)
        pieces.append(piece.select("ts", *KEY, "volm"))
    return pl.concat(pieces)


def _ctx(increments: pl.DataFrame) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        flow_increments=increments, flow_coverage=types.SimpleNamespace(note="")
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    stamps=st.integers(2, 13),
    shuffle_one=st.booleans(),
    late=st.integers(0, 2),
)
def test_aligned_path_equals_the_group_by(
    seed: int, n: int, stamps: int, shuffle_one: bool, late: int
) -> None:
    increments = _increments(seed, n, stamps, shuffle_one)
    as_of = T0 + dt.timedelta(minutes=stamps - 1 - late)  # later stamps are ignored
    params = ADagParams()
    got, report = decay.recency_multiplier(_ctx(increments), as_of, params)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(decay, "aligned", lambda *_: False)
        want, _ = decay.recency_multiplier(_ctx(increments), as_of, params)  # type: ignore[arg-type]
    anyorder = increments.sample(fraction=1.0, shuffle=True, seed=seed)  # unsorted: general path
    mixed, _ = decay.recency_multiplier(_ctx(anyorder), as_of, params)  # type: ignore[arg-type]
    if stamps - late < params.decay_min_increments:
        assert got is None
        assert want is None
        assert mixed is None
        assert report.neutral
        return
    assert got is not None
    assert want is not None
    assert mixed is not None
    for other in (got, mixed):
        assert_frame_equal(
            other.sort(KEY), want.sort(KEY), check_exact=False, rel_tol=1e-12, abs_tol=0
        )
    assert not report.neutral


def test_latest_pieces_inclusive_and_strict() -> None:
    increments = _increments(3, 4, 5, shuffle_one=False)
    at = T0 + dt.timedelta(minutes=3)
    inclusive = latest_pieces(increments, at, 2, inclusive=True)
    strict = latest_pieces(increments, at, 2, inclusive=False)
    assert inclusive is not None
    assert strict is not None
    assert [p.get_column("ts")[0] for p in inclusive] == [
        T0 + dt.timedelta(minutes=2),
        T0 + dt.timedelta(minutes=3),
    ]
    assert [p.get_column("ts")[0] for p in strict] == [
        T0 + dt.timedelta(minutes=1),
        T0 + dt.timedelta(minutes=2),
    ]
    assert latest_pieces(increments.reverse(), at, 2, inclusive=True) is None


def test_aligned_needs_unique_keys_in_one_order() -> None:
    keys = _keys(6)
    assert aligned([keys, keys])
    assert not aligned([keys, keys.reverse()])  # another order
    twice = pl.concat([keys, keys.head(1)])
    assert not aligned([twice, twice])  # a contract twice (sorted check inconclusive)
    assert aligned([keys.reverse(), keys.reverse()])  # unsorted but unique


def test_keyed_reads_the_frames_own_contracts_and_joins_others() -> None:
    frame = _keys(6).reverse()
    work = Working(frame=frame, arrays=None, reused={}, dte=np.zeros(6, dtype=np.intp))  # type: ignore[arg-type]
    values = pl.Series("x", [1.0, None, 3.0, 4.0, 5.0, 6.0])
    same = frame.with_columns(values)
    got = work.keyed(same, KEY, "x")
    assert got.v[~got.null].tolist() == [1.0, 3.0, 4.0, 5.0, 6.0]
    assert got.null.tolist() == [False, True, False, False, False, False]
    other = same.reverse().head(4)  # another order, two contracts missing
    joined = work.keyed(other, KEY, "x")
    assert joined.null.tolist() == [True, True, False, False, False, False]
    assert joined.v[2:].tolist() == [3.0, 4.0, 5.0, 6.0]


def test_unique_keys_by_hash_and_on_a_collision_by_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _keys(8)
    assert unique_keys(keys)
    assert not unique_keys(pl.concat([keys, keys.tail(1)]))
    colliding = pl.Series(np.zeros(8, dtype=np.uint64))  # every hash equal: rows decide
    monkeypatch.setattr(pl.DataFrame, "hash_rows", lambda *_a, **_k: colliding)
    assert unique_keys(keys)
    assert not unique_keys(pl.concat([keys.head(7), keys.head(1)]))


def test_keyed_values_read_as_their_frame() -> None:
    """Values kept as arrays match the contracts as the frame they stand for does."""
    from eots.adaptive.inputs import KeyedValues
    from eots.metrics.arrays import masked

    frame = _keys(6).reverse()
    work = Working(frame=frame, arrays=None, reused={}, dte=np.zeros(6, dtype=np.intp))  # type: ignore[arg-type]
    null = np.array([False, True, False, False, True, False])
    for keys in (frame, frame.reverse(), frame.head(4), pl.concat([frame, frame.head(1)])):
        n = keys.height
        values = masked(
            np.arange(n, dtype=np.float64) + 0.5, null[:n] if n <= 6 else np.r_[null, False]
        )
        kept = KeyedValues(keys.with_columns(extra=pl.lit(1)), values)
        table = kept.frame(KEY, "x")
        assert table.columns == [*KEY, "x"]
        assert table.get_column("x").is_null().to_numpy().tolist() == values.null.tolist()
        got, want = work.keyed_values(kept, KEY, "x"), work.keyed(table, KEY, "x")
        assert got.null.tolist() == want.null.tolist()
        assert np.array_equal(got.v, want.v, equal_nan=True)
        traded = kept.frame(KEY, "x", every_row=False)
        assert traded.height == int((~values.null).sum())
        assert traded.get_column("x").null_count() == 0
    grouped = frame.with_columns(x=pl.Series([1.0, 2.0, None, 4.0, 5.0, 6.0]))
    assert KeyedValues.of(grouped, "x").frame(KEY, "x", every_row=False) is grouped


def _latest_in_one_array(
    history: pl.DataFrame, as_of: dt.datetime, lookback: int, *, inclusive: bool
) -> list[pl.DataFrame]:
    """``latest_pieces`` on the column copied into one array (the definition)."""
    stamps = history.get_column("ts").to_numpy()
    cut = np.datetime64(as_of.astimezone(dt.UTC).replace(tzinfo=None), "us")
    end = int(np.searchsorted(stamps, cut, side="right" if inclusive else "left"))
    pieces: list[pl.DataFrame] = []
    while end > 0 and len(pieces) < lookback:
        start = int(np.searchsorted(stamps, stamps[end - 1], side="left"))
        pieces.append(history.slice(start, end - start))
        end = start
    return pieces[::-1]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 6), min_size=1, max_size=8),
    counts=st.lists(st.integers(1, 5), min_size=1, max_size=10),
    at=st.integers(-1, 12),
    lookback=st.integers(1, 5),
    inclusive=st.booleans(),
)
def test_latest_pieces_over_chunks_equal_one_array(
    sizes: list[int], counts: list[int], at: int, lookback: int, inclusive: bool
) -> None:
    """Chunks of any sizes (a stamp across chunk ends, empty chunks) give the same slices."""
    stamps = np.repeat(np.arange(len(counts)), counts)
    ts = [T0 + dt.timedelta(minutes=int(m)) for m in stamps]
    whole = pl.DataFrame({"ts": pl.Series(ts, dtype=UTC_US), "i": np.arange(len(ts))})
    parts, offset = [], 0
    for size in [*sizes, len(ts)]:  # the rest in a last chunk
        parts.append(whole.slice(offset, size))
        offset += size
    history = pl.concat(parts, rechunk=False)
    as_of = T0 + dt.timedelta(minutes=at)
    got = latest_pieces(history, as_of, lookback, inclusive=inclusive)
    assert got is not None
    want = _latest_in_one_array(whole, as_of, lookback, inclusive=inclusive)
    assert [p.get_column("i").to_list() for p in got] == [p.get_column("i").to_list() for p in want]


def test_latest_pieces_keep_a_nanosecond_column_s_own_unit() -> None:
    """Stamps 500 ns and 1 us after ``as_of``, in two chunks: neither is at or before it."""
    t0 = dt.datetime(2024, 3, 11, 14, 0, tzinfo=dt.UTC)

    def piece(stamp: str, v: int) -> pl.DataFrame:
        ts = pl.Series(np.array([stamp], dtype="datetime64[ns]")).dt.replace_time_zone("UTC")
        return pl.DataFrame({"ts": ts, "v": [v]})

    history = pl.concat(
        [piece("2024-03-11T14:00:00.000000500", 1), piece("2024-03-11T14:00:00.000001000", 2)],
        rechunk=False,
    )
    assert history.n_chunks() == 2
    assert latest_pieces(history, t0, 10, inclusive=True) == []
    later = latest_pieces(history, t0 + dt.timedelta(microseconds=1), 10, inclusive=True)
    assert later is not None
    assert [p.get_column("v").to_list() for p in later] == [[1], [2]]
