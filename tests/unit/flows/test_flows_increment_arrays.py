"""The engine's flow path (``inferred_increment`` -> arrays) equals the frame path, exactly.

Random snapshot pairs of one layout (not in key order; missing volumes and prices, volumes that go
down, zero sizes, crossed and zero-bid quotes, NaN greeks), and pairs whose layouts differ: the
increment of ``inferred_increment`` with a kept ``KeyOrder`` equals ``inferred_flow`` sorting
afresh; its arrays equal its frame's columns; an increment aligned from the arrays equals one
aligned by reading the frame back; the stamped piece without a query equals the one with it; and
the window totals over such increments equal ``session_flows``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import session_of
from eots.flows import INCREMENT_SCHEMA, inferred_flow, session_flows
from eots.flows.inference import KeyOrder, inferred_increment
from eots.flows.schema import SIDE_COLUMNS
from eots.flows.window import AlignedIncrement, ContractIndex, FlowWindow, align_increment
from eots.market.flow_history import stamped_increment
from unit.flows.flows_chains import et, greeks, snapshot

STRIKES = (5000.0, 5025.0, 5050.0, 5075.0)


def _quotes(rng: np.random.Generator, volumes: np.ndarray, nulls: float) -> list[tuple]:  # type: ignore[type-arg]
    out = []
    for i, (strike, right) in enumerate(itertools.product(STRIKES, ("C", "P"))):
        bid = float(rng.choice([0.0, 1.0, 2.0, 5.0]))
        ask = max(bid + float(rng.choice([-0.1, 0.0, 0.05, 0.5])), 0.0)  # crossed, locked
        last = float(rng.choice([0.0, bid, ask, (bid + ask) / 2, ask + 1.0]))
        volume: int | None = int(volumes[i])
        quote = [bid, ask, last]
        for j in range(3):
            if rng.random() < nulls:
                quote[j] = None  # type: ignore[call-overload]
        if rng.random() < nulls:
            volume = None
        out.append((strike, right, *quote, volume))
    return out


def _snaps(seed: int, n: int, nulls: float) -> list[ChainSnapshot]:
    rng = np.random.default_rng(seed)
    volumes = rng.integers(0, 20, 8)
    order = rng.permutation(8)  # one layout, not in key order
    snaps = []
    for k in range(n):
        volumes = np.maximum(volumes + rng.choice([0, 0, 0, 1, 5, -2], 8) * (k > 0), 0)
        snap = snapshot(_quotes(rng, volumes, nulls), et(10, k))
        snaps.append(dataclasses.replace(snap, frame=snap.frame[order]))
    return snaps


def _same_aligned(a: AlignedIncrement, b: AlignedIncrement) -> None:
    for f in dataclasses.fields(AlignedIncrement):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        elif isinstance(x, pl.Series):
            assert_series_equal(x, y)
        else:
            assert x == y, f.name


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), nulls=st.sampled_from([0.0, 0.15, 0.4]))
def test_increment_arrays_equal_the_frame_path(seed: int, nulls: float) -> None:
    snaps = _snaps(seed, 4, nulls)
    order = KeyOrder()
    index_arrays = ContractIndex(session_of(snaps[0].ts_event))
    index_frames = ContractIndex(session_of(snaps[0].ts_event))
    window = FlowWindow(index_arrays)
    aligned, pairs = [], []
    for prev, curr in itertools.pairwise(snaps):
        frame, arrays = inferred_increment(prev, curr, greeks(curr), order=order)
        assert_frame_equal(frame, inferred_flow(prev, curr, greeks(curr)), check_exact=True)
        assert frame.schema == INCREMENT_SCHEMA
        pairs.append((curr.ts_event, frame))
        by_frame = align_increment(index_frames, curr.ts_event, frame)
        assert arrays is not None  # validated chains hold no NaN price
        for c in SIDE_COLUMNS:
            np.testing.assert_array_equal(arrays.sides[c], frame.get_column(c).to_numpy())
        by_arrays = align_increment(index_arrays, curr.ts_event, frame, arrays=arrays)
        _same_aligned(by_arrays, by_frame)
        aligned.append(by_arrays)
        assert_frame_equal(
            stamped_increment(curr.ts_event, frame, key_sorted=True, typed=True),
            stamped_increment(curr.ts_event, frame, key_sorted=True),
            check_exact=True,
        )
    as_of = snaps[-1].ts_event
    assert_frame_equal(window.totals(aligned, as_of), session_flows(pairs, as_of), check_exact=True)
    # a sliding window (the oldest increment left) equals a from-scratch one as well
    assert_frame_equal(
        window.totals(aligned[1:], as_of), session_flows(pairs[1:], as_of), check_exact=True
    )


def test_changed_layout_takes_the_join() -> None:
    a, b = _snaps(7, 2, 0.0)
    order = KeyOrder()
    c = dataclasses.replace(b, frame=b.frame.head(6), ts_event=b.ts_event + dt.timedelta(minutes=1))
    for prev, curr in ((a, b), (b, c), (a, b)):
        frame, _ = inferred_increment(prev, curr, greeks(curr), order=order)
        assert_frame_equal(frame, inferred_flow(prev, curr, greeks(curr)), check_exact=True)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 100_000), row=st.integers(0, 7), column=st.sampled_from(["last", "bid"]))
def test_a_nan_price_takes_the_expressions_in_both_paths(seed: int, row: int, column: str) -> None:
    """A NaN price (not a null: polars orders NaN its own way) leaves the arrays for expressions.

    The kept-order pairing must then give what the frame path gives, row for row.
    """
    a, b = _snaps(seed, 2, 0.0)
    values = b.frame.get_column(column).cast(pl.Float64).to_numpy().copy()
    values[row] = np.nan
    b = dataclasses.replace(b, frame=b.frame.with_columns(pl.Series(column, values)))
    frame, arrays = inferred_increment(a, b, greeks(b), order=KeyOrder())
    assert arrays is None
    unordered, none = inferred_increment(a, b, greeks(b))
    assert none is None
    assert_frame_equal(frame, unordered, check_exact=True)
    assert_frame_equal(frame, inferred_flow(a, b, greeks(b)), check_exact=True)
    assert frame.schema == INCREMENT_SCHEMA
