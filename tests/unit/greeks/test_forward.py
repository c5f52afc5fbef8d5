"""Parity-implied forwards per expiry."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from eots.greeks import black_scholes as bs
from eots.greeks.forward import ForwardMethod, implied_forwards


def _chain(fwd: float, disc: float, t: float, strikes: np.ndarray) -> tuple[np.ndarray, ...]:
    s = fwd * disc  # with q = 0 the forward is s / disc
    r = -np.log(disc) / t
    call = bs.price(True, s, strikes, t, 0.2, r, 0.0)
    put = bs.price(False, s, strikes, t, 0.2, r, 0.0)
    return call, put


def test_implied_forwards_constructed_chain_recovers_forward() -> None:
    strikes = np.arange(3500.0, 4700.0, 25.0)
    rows = []
    for j, (fwd, disc, t) in enumerate([(4123.4, 0.999, 0.02), (4180.0, 0.96, 0.8)]):
        call, put = _chain(fwd, disc, t, strikes)
        rows.append((np.full(strikes.size, j), strikes, call, put, np.full(strikes.size, disc)))
    eid, k, c, p, d = (np.concatenate(col) for col in zip(*rows, strict=True))
    # A stale far quote must not move the median.
    c[5] += 30.0
    res = implied_forwards(eid, k, c, p, d, 4100.0, max_strikes=5)
    np.testing.assert_allclose(res.forward, [4123.4, 4180.0], rtol=1e-10)
    assert res.n_strikes_used.tolist() == [5, 5]
    assert res.method.tolist() == [ForwardMethod.PARITY, ForwardMethod.PARITY]
    np.testing.assert_allclose(res.dispersion, 0.0, atol=1e-8)


def test_implied_forwards_one_sided_expiry_gives_nan_and_fallback() -> None:
    eid = np.array([0, 0, 1, 1, 2])
    k = np.array([95.0, 105.0, 95.0, 105.0, 100.0])
    call = np.array([7.0, 1.5, np.nan, 2.0, 3.0])
    put = np.array([1.0, 5.5, 1.0, np.nan, np.nan])
    res = implied_forwards(eid, k, call, put, np.ones(5), 100.0, n_expiries=4)
    assert res.forward[0] == 101.0
    assert np.isnan(res.forward[1:]).all()
    assert res.method.tolist() == [0, 1, 1, 1]
    assert res.n_strikes_used.tolist() == [2, 0, 0, 0]


def test_implied_forwards_outlier_rejected_by_median() -> None:
    k = np.array([90.0, 95.0, 100.0, 105.0, 110.0])
    fwd = np.array([100.0, 100.0, 100.0, 100.0, 130.0])
    call = np.maximum(fwd - k, 0.0) + 2.0
    put = call - (fwd - k)
    res = implied_forwards(np.zeros(5, dtype=np.int64), k, call, put, np.ones(5), 100.0)
    assert res.forward.tolist() == [100.0]


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),  # expiry
            st.integers(min_value=0, max_value=30),  # strike step
            st.one_of(st.none(), st.integers(min_value=0, max_value=40)),  # call mid, dimes
            st.integers(min_value=0, max_value=40),  # put mid, dimes
        ),
        max_size=60,
        unique_by=lambda r: (r[0], r[1]),
    ),
    st.sampled_from([100.0, 100.25, 99.5]),
    st.integers(min_value=0, max_value=6),
)
def test_strike_ladder_shortcut_equals_the_full_sort(
    rows: list[tuple[int, int, int | None, int]], spot: float, max_strikes: int
) -> None:
    import eots.greeks.forward as forward

    rows = sorted(rows)  # strike ladders: expiry ascending, strikes ascending within
    eid = np.array([r[0] for r in rows], dtype=np.int64)
    k = np.array([90.0 + 2.5 * r[1] for r in rows])
    c = np.array([np.nan if r[2] is None else r[2] / 10 for r in rows])  # ties in |C - P|
    p = np.array([r[3] / 10 for r in rows])
    d = np.full(len(rows), 0.995)
    assert forward._strike_ladders(eid, k)
    fast = implied_forwards(eid, k, c, p, d, spot, max_strikes=max_strikes, n_expiries=4)
    with patch.object(forward, "_strike_ladders", return_value=False):
        full = implied_forwards(eid, k, c, p, d, spot, max_strikes=max_strikes, n_expiries=4)
    for name in ("forward", "n_strikes_used", "dispersion", "method"):
        assert np.array_equal(getattr(fast, name), getattr(full, name), equal_nan=True), name


def test_strike_ladders_need_ascending_expiries_and_strikes() -> None:
    from eots.greeks.forward import _strike_ladders

    assert _strike_ladders(np.array([0, 0, 1]), np.array([95.0, 100.0, 90.0]))
    assert not _strike_ladders(np.array([0, 0, 1]), np.array([100.0, 95.0, 90.0]))
    assert not _strike_ladders(np.array([0, 0]), np.array([100.0, 100.0]))
    assert not _strike_ladders(np.array([1, 0]), np.array([90.0, 95.0]))
