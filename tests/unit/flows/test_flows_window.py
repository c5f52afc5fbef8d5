"""Incremental session flows (``eots.flows.window``) equal a from-scratch ``session_flows``.

Random increments over a random contract universe: contracts appearing mid-session (and leaving),
NaN and infinite numbers, unknown splits, rows in any order, window edges (stamps exactly at
``as_of - w``) and sliding windows (the oldest increment leaving), across a session roll. Equality
is exact (``check_exact``): the window adds each contract's terms in the same order as
``session_flows``' ``bincount``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.chain.schema import RIGHTS
from eots.core.errors import ReplayError
from eots.core.time import session_of
from eots.flows import FLOW_SCHEMA, INCREMENT_SCHEMA, FlowReason, FlowSource, session_flows
from eots.flows.schema import SIDE_COLUMNS
from eots.flows.window import ContractIndex, FlowWindow, align_increment

OPEN = dt.datetime(2024, 3, 13, 13, 30, tzinfo=dt.UTC)  # 09:30 ET
NEXT_OPEN = dt.datetime(2024, 3, 14, 13, 30, tzinfo=dt.UTC)
REASONS = [FlowReason.NO_PRICE.value, FlowReason.NO_QUOTE.value, FlowReason.VOLUME_DECREASED.value]


def _universe(n: int) -> pl.DataFrame:
    k = np.arange(n)
    return pl.DataFrame(
        {
            "root": ["SPXW" if (i // 2) % 3 else "SPX" for i in k],
            "expiry": [dt.date(2024, 3, 15 + int((i // 2) % 2)) for i in k],
            "strike": (5000 + 5 * (k // 2)).astype(float),
            "right": pl.Series(["C" if i % 2 else "P" for i in k], dtype=RIGHTS),
        }
    )


def _increment(
    rng: np.random.Generator, universe: pl.DataFrame, alive: np.ndarray, nan_share: float
) -> pl.DataFrame:
    """One increment over the ``alive`` contracts, rows shuffled, most of them quiet."""
    rows = rng.permutation(np.flatnonzero(alive))
    n = len(rows)
    frame = universe[rows].with_columns(symbol=pl.Series([f"S{r}" for r in rows]))
    trades = rng.random(n) < 0.4
    unknown = rng.random(n) < 0.15
    data: dict[str, np.ndarray | list[str | None]] = {}
    for c in SIDE_COLUMNS:
        v = np.where(trades, rng.normal(0, 50, n).round(2), 0.0)
        v[rng.random(n) < nan_share] = np.nan
        v[rng.random(n) < nan_share / 10] = np.inf
        v[unknown] = np.nan
        data[c] = v
    data["flow_source"] = [
        FlowSource.NONE.value if u else FlowSource.INFERRED_SNAPSHOTS.value for u in unknown
    ]
    data["flow_reason"] = [str(rng.choice(REASONS)) if u else None for u in unknown]
    return frame.with_columns(**{k: pl.Series(k, v) for k, v in data.items()}).cast(
        dict(INCREMENT_SCHEMA)  # type: ignore[arg-type]
    )


def _session(
    seed: int, n_inc: int, contracts: int, nan_share: float, open_: dt.datetime
) -> list[tuple[dt.datetime, pl.DataFrame]]:
    rng = np.random.default_rng(seed)
    universe = _universe(contracts)
    alive = rng.random(contracts) < 0.6
    alive[0] = True
    out, ts = [], open_
    for _ in range(n_inc):
        ts += dt.timedelta(minutes=int(rng.choice([1, 2, 5])))
        born = rng.random(contracts) < 0.1  # contracts listed mid-session
        gone = rng.random(contracts) < 0.05  # and some missing from a snapshot
        alive = (alive | born) & ~gone
        alive[0] = True
        out.append((ts, _increment(rng, universe, alive, nan_share)))
    return out


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_inc=st.integers(1, 14),
    contracts=st.integers(1, 40),
    window=st.integers(1, 6),
    nan_share=st.sampled_from([0.0, 0.2, 1.0]),
)
def test_sliding_window_totals_equal_session_flows(
    seed: int, n_inc: int, contracts: int, window: int, nan_share: float
) -> None:
    increments = _session(seed, n_inc, contracts, nan_share, OPEN)
    index = ContractIndex(session_of(OPEN))
    aligned = [align_increment(index, ts, f) for ts, f in increments]
    flows = FlowWindow(index)
    for end in range(1, n_inc + 1):
        lo = max(end - window, 0)
        as_of = increments[end - 1][0]
        got = flows.totals(aligned[lo:end], as_of)
        assert_frame_equal(got, session_flows(increments[lo:end], as_of), check_exact=True)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_inc=st.integers(2, 12),
    contracts=st.integers(1, 25),
    late=st.sampled_from([0, 1, 5 * 60 * 1_000_000, 15 * 60 * 1_000_000]),
)
def test_rolling_window_edges_equal_session_flows(
    seed: int, n_inc: int, contracts: int, late: int
) -> None:
    """``as_of`` after the last stamp, including exactly ``w`` minutes after one (excluded)."""
    increments = _session(seed, n_inc, contracts, 0.2, OPEN)
    index = ContractIndex(session_of(OPEN))
    aligned = [align_increment(index, ts, f) for ts, f in increments]
    last = increments[-1][0]
    edges = [last + dt.timedelta(microseconds=late)]
    edges += [ts + dt.timedelta(minutes=w) for ts, _ in increments for w in (5, 15)]
    for as_of in (e for e in edges if e >= last):
        got = FlowWindow(index).totals(aligned, as_of)
        assert_frame_equal(got, session_flows(increments, as_of), check_exact=True)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), contracts=st.integers(1, 20))
def test_session_roll_starts_a_new_index(seed: int, contracts: int) -> None:
    day1 = _session(seed, 5, contracts, 0.2, OPEN)
    day2 = _session(seed + 1, 5, contracts, 0.2, NEXT_OPEN)
    index1 = ContractIndex(session_of(OPEN))
    aligned1 = [align_increment(index1, ts, f) for ts, f in day1]
    with pytest.raises(ReplayError, match="session 2024-03-14"):
        align_increment(index1, *day2[0])
    index2 = ContractIndex(session_of(NEXT_OPEN))
    aligned2 = [align_increment(index2, ts, f) for ts, f in day2]
    with pytest.raises(ReplayError, match="session"):
        FlowWindow(index2).totals([*aligned1[-1:], *aligned2], day2[-1][0])
    got = FlowWindow(index2).totals(aligned2, day2[-1][0])
    assert_frame_equal(got, session_flows(day2, day2[-1][0]), check_exact=True)


def test_window_that_grows_adds_only_new_increments_and_stays_equal() -> None:
    increments = _session(7, 10, 30, 0.2, OPEN)
    index = ContractIndex(session_of(OPEN))
    aligned = [align_increment(index, ts, f) for ts, f in increments]
    flows = FlowWindow(index)
    for end in range(1, 11):
        as_of = increments[end - 1][0]
        assert_frame_equal(
            flows.totals(aligned[:end], as_of),
            session_flows(increments[:end], as_of),
            check_exact=True,
        )
    # asked again for a shorter window: summed afresh, still equal
    assert_frame_equal(
        flows.totals(aligned[3:6], increments[5][0]),
        session_flows(increments[3:6], increments[5][0]),
        check_exact=True,
    )


def test_known_sums_nan_when_nothing_known_and_counts() -> None:
    universe = _universe(2)
    nan = float("nan")
    t1, t2 = OPEN + dt.timedelta(minutes=1), OPEN + dt.timedelta(minutes=6)

    def inc(volm: list[float], source: list[str], reason: list[str | None]) -> pl.DataFrame:
        data = {c: [0.0, 0.0] for c in SIDE_COLUMNS}
        data["volm_bs"] = volm
        return universe.with_columns(
            symbol=pl.Series(["a", "b"]),
            **{c: pl.Series(c, v) for c, v in data.items()},
            flow_source=pl.Series(source),
            flow_reason=pl.Series(reason, dtype=pl.String),
        ).cast(dict(INCREMENT_SCHEMA))  # type: ignore[arg-type]

    known, none = FlowSource.INFERRED_SNAPSHOTS.value, FlowSource.NONE.value
    a = inc([3.0, nan], [known, none], [None, FlowReason.NO_QUOTE.value])
    b = inc([-1.0, nan], [known, none], [None, FlowReason.NO_PRICE.value])
    index = ContractIndex(session_of(OPEN))
    out = FlowWindow(index).totals(
        [align_increment(index, t1, a), align_increment(index, t2, b)], t2
    )
    assert out.schema == FLOW_SCHEMA
    rows = {r["symbol"]: r for r in out.iter_rows(named=True)}
    first, second = rows["a"], rows["b"]
    assert (first["volm_bs"], first["volmbs_5m"], first["n_unknown"]) == (2.0, -1.0, 0)
    assert np.isnan(second["volm_bs"])
    assert np.isnan(second["volmbs_5m"])
    assert second["volm"] == 0.0  # known zeros are known, not NaN
    assert (second["n_unknown"], second["flow_source"]) == (2, FlowSource.NONE)
    assert second["flow_reason"] == FlowReason.NO_PRICE  # the latest unknown reason


def test_duplicate_contract_in_an_increment_refused() -> None:
    increments = _session(3, 1, 5, 0.0, OPEN)
    ts, frame = increments[0]
    index = ContractIndex(session_of(OPEN))
    with pytest.raises(ValueError, match="one row per contract"):
        align_increment(index, ts, pl.concat([frame, frame.head(1)]))


def test_look_ahead_and_duplicate_stamps_refused() -> None:
    increments = _session(4, 3, 5, 0.0, OPEN)
    index = ContractIndex(session_of(OPEN))
    aligned = [align_increment(index, ts, f) for ts, f in increments]
    flows = FlowWindow(index)
    with pytest.raises(ReplayError, match="look-ahead"):
        flows.totals(aligned, increments[-1][0] - dt.timedelta(microseconds=1))
    with pytest.raises(ReplayError, match="one increment per snapshot"):
        flows.totals([*aligned, aligned[0]], increments[-1][0])
    assert flows.totals([], increments[-1][0]).schema == FLOW_SCHEMA


def test_null_side_values_align_as_nan() -> None:
    # a null number (a frame built without ``nan_for_null``) is unknown, as NaN is
    rng = np.random.default_rng(3)
    frame = _increment(rng, _universe(8), np.ones(8, dtype=np.bool_), nan_share=0.3)
    nulled = frame.with_columns(
        pl.when(pl.col(c).is_nan()).then(None).otherwise(pl.col(c)).alias(c) for c in SIDE_COLUMNS
    )
    assert nulled.select(pl.col(c).null_count() for c in SIDE_COLUMNS).sum_horizontal().item() > 0
    ts = OPEN + dt.timedelta(minutes=1)
    a = align_increment(ContractIndex(session_of(ts)), ts, frame)
    b = align_increment(ContractIndex(session_of(ts)), ts, nulled)
    assert np.array_equal(a.active, b.active)
    assert np.array_equal(a.known, b.known)
    assert np.array_equal(a.values, b.values)
    assert not b.known.all()
