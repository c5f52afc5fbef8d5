"""Parity-implied forwards per expiry."""

from __future__ import annotations

import numpy as np

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
