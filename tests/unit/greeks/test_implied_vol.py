"""Implied-volatility solver: round trips, status codes and an independent library."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from eots.greeks import black_scholes as bs
from eots.greeks.implied_vol import IvStatus, implied_vol, reason


def _round_trip_grid() -> tuple[np.ndarray, ...]:
    rows = list(
        itertools.product(
            (True, False),
            (0.5, 0.8, 0.95, 1.0, 1.05, 1.3, 2.0),
            (2.0 / 24.0 / 365.0, 1.0 / 365.0, 0.1, 1.0, 5.0),
            (1e-4, 0.01, 0.15, 0.6, 2.0, 10.0),
            (0.0, 0.05),
            (0.0, 0.02),
        )
    )
    cols = [np.array(c) for c in zip(*rows, strict=True)]
    return cols[0].astype(bool), 4100.0 * cols[1], *cols[2:]


def test_implied_vol_round_trip_recovers_sigma_where_vega_not_negligible() -> None:
    is_call, k, t, sigma, r, q = _round_trip_grid()
    s = 4100.0
    price = bs.price(is_call, s, k, t, sigma, r, q)
    vega = bs.vega(is_call, s, k, t, sigma, r, q)
    res = implied_vol(price, is_call, s, k, t, r, q)
    # Where a vol point moves the price by more than 1e-9 of it, the vol is identifiable.
    informative = vega > 1e-9 * np.maximum(price, 1e-300) + 1e-12
    assert informative.sum() > 200
    assert (res.status[informative] == IvStatus.OK).all()
    np.testing.assert_allclose(res.iv[informative], sigma[informative], rtol=1e-6, atol=1e-8)
    solved = res.status == IvStatus.OK
    np.testing.assert_allclose(
        bs.price(is_call[solved], s, k[solved], t[solved], res.iv[solved], r[solved], q[solved]),
        price[solved],
        rtol=1e-9,
        atol=1e-9,
    )


def test_implied_vol_deep_itm_zero_dte_solves_via_parity() -> None:
    # 4 hours to the close, 2% in the money: price is almost all intrinsic value.
    t = 4.0 / 24.0 / 365.0
    price = bs.price(True, 4100.0, 4018.0, t, 0.25, 0.05, 0.01)
    res = implied_vol(price, True, 4100.0, 4018.0, t, 0.05, 0.01)
    assert int(res.status) == IvStatus.OK
    assert float(res.iv) == pytest.approx(0.25, rel=1e-6)


@pytest.mark.parametrize(
    ("price", "is_call", "k", "t", "expected"),
    [
        (np.nan, True, 100.0, 0.5, IvStatus.NO_PRICE),
        (0.0, True, 100.0, 0.5, IvStatus.NO_PRICE),
        (-1.0, False, 100.0, 0.5, IvStatus.NO_PRICE),
        (5.0, True, 100.0, 0.0, IvStatus.NON_POSITIVE_TIME),
        (5.0, True, 100.0, -0.01, IvStatus.NON_POSITIVE_TIME),
        (5.0, True, -100.0, 0.5, IvStatus.INVALID_INPUT),
        (9.0, True, 90.0, 0.5, IvStatus.BELOW_INTRINSIC),  # intrinsic ~ 10.5 (forward 100.5)
        (9.0, False, 110.0, 0.5, IvStatus.BELOW_INTRINSIC),  # intrinsic ~ 9.45
        (101.0, True, 90.0, 0.5, IvStatus.ABOVE_MAXIMUM),  # call bound: s e^{-qt} = 100
        (120.0, False, 110.0, 0.5, IvStatus.ABOVE_MAXIMUM),  # put bound: k e^{-rt} < 110
    ],
)
def test_implied_vol_unsolvable_inputs_give_nan_and_status(
    price: float, is_call: bool, k: float, t: float, expected: IvStatus
) -> None:
    res = implied_vol(np.array([price]), np.array([is_call]), 100.0, k, t, 0.01, 0.0)
    assert res.status.tolist() == [expected]
    assert np.isnan(res.iv).all()


def test_implied_vol_max_iter_zero_reports_no_convergence() -> None:
    res = implied_vol(10.0, True, 100.0, 100.0, 1.0, 0.0, 0.0, max_iter=0)
    assert int(res.status) == IvStatus.NO_CONVERGENCE
    assert np.isnan(res.iv)


def test_implied_vol_output_shape_and_dtypes_follow_input() -> None:
    price = np.full((3, 4), 5.0)
    res = implied_vol(price, np.ones((3, 4), dtype=bool), 100.0, 100.0, 0.5, 0.01, 0.0)
    assert res.iv.shape == (3, 4)
    assert res.status.dtype == np.int8
    assert (res.status == IvStatus.OK).all()


def test_implied_vol_matches_py_vollib() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from py_vollib.black_scholes_merton.implied_volatility import implied_volatility

    cases = [
        (True, 100.0, 90.0, 0.5, 0.01, 0.0, 12.111581435),
        (False, 100.0, 110.0, 0.25, 0.03, 0.02, 11.0),
        (True, 4100.0, 4200.0, 3.0 / 365.0, 0.05, 0.015, 8.5),
        (False, 4100.0, 3500.0, 0.75, 0.05, 0.015, 95.0),
    ]
    for is_call, s, k, t, r, q, price in cases:
        want = implied_volatility(price, s, k, t, r, q, "c" if is_call else "p")
        got = implied_vol(price, is_call, s, k, t, r, q)
        assert float(got.iv) == pytest.approx(want, rel=1e-7)


def test_reason_every_status_has_text() -> None:
    assert all(reason(code) for code in IvStatus)
    assert reason(int(IvStatus.NO_CONVERGENCE)) == reason(IvStatus.NO_CONVERGENCE)
