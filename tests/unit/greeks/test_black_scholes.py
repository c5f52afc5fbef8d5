"""BSM kernels against the scalar oracle, py_vollib, textbook values and finite differences."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from eots.greeks import black_scholes as bs
from oracles import black_scholes_scalar as oracle

GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho", "vanna", "charm", "vomma")


def _grid() -> tuple[NDArray[np.float64], ...]:
    rows = list(
        itertools.product(
            (True, False),
            (100.0,),
            (60.0, 90.0, 100.0, 110.0, 150.0),
            (1.0 / 365.0 / 24.0, 2.0 / 365.0, 0.25, 1.0, 5.0),
            (0.05, 0.2, 0.8),
            (-0.01, 0.0, 0.05),
            (0.0, 0.03),
        )
    )
    cols = list(zip(*rows, strict=True))
    is_call = np.array(cols[0], dtype=bool)
    return (is_call, *(np.array(c, dtype=np.float64) for c in cols[1:]))


GRID = _grid()


@pytest.mark.parametrize("name", GREEK_NAMES)
def test_kernel_grid_matches_scalar_oracle(name: str) -> None:
    is_call, s, k, t, sigma, r, q = GRID
    got = getattr(bs, name)(is_call, s, k, t, sigma, r, q)
    fn = getattr(oracle, name)
    want = np.array([fn(*row) for row in zip(is_call.tolist(), s, k, t, sigma, r, q, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", GREEK_NAMES)
def test_greeks_bundle_matches_single_functions(name: str) -> None:
    g = bs.greeks(*GRID)
    np.testing.assert_allclose(getattr(g, name), getattr(bs, name)(*GRID), rtol=1e-12, atol=1e-15)


def test_price_hull_example_matches_textbook() -> None:
    # Hull, Options, Futures and Other Derivatives, example 15.6: c = 4.76, p = 0.81.
    c = bs.price(True, 42.0, 40.0, 0.5, 0.2, 0.1, 0.0)
    p = bs.price(False, 42.0, 40.0, 0.5, 0.2, 0.1, 0.0)
    assert float(c) == pytest.approx(4.7594, abs=5e-5)
    assert float(p) == pytest.approx(0.8086, abs=5e-5)


def test_price_py_vollib_vectorized_doc_example_matches() -> None:
    assert float(bs.price(True, 100.0, 90.0, 0.5, 0.2, 0.01, 0.0)) == pytest.approx(
        12.111581435, abs=1e-9
    )


def test_price_haug_dividend_example_matches_textbook() -> None:
    # Haug (2007) §1.1.6 generalized BSM: S=100, K=95, t=0.5, r=10%, b=5% (q=5%), sigma=20% put.
    assert float(bs.price(False, 100.0, 95.0, 0.5, 0.2, 0.1, 0.05)) == pytest.approx(
        2.4648, abs=5e-5
    )


def _vollib() -> tuple[Callable[..., float], dict[str, Callable[..., float]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from py_vollib.black_scholes_merton import black_scholes_merton
        from py_vollib.black_scholes_merton.greeks import analytical

    names = ("delta", "gamma", "vega", "theta", "rho")
    return black_scholes_merton, {n: getattr(analytical, n) for n in names}


@pytest.mark.parametrize("name", ["price", "delta", "gamma", "vega", "theta", "rho"])
def test_kernel_grid_matches_py_vollib(name: str) -> None:
    # py_vollib's BSM argument order is (flag, S, K, t, r, sigma, q); its vega and rho are per
    # 1% (0.01) and its theta is per calendar day (/365): the same units as ours.
    price_fn, greek_fns = _vollib()
    fn = price_fn if name == "price" else greek_fns[name]
    is_call, s, k, t, sigma, r, q = GRID
    rows = zip(is_call.tolist(), s, k, t, sigma, r, q, strict=True)
    want = np.array([fn("c" if c else "p", *a, tt, rr, sg, qq) for c, *a, tt, sg, rr, qq in rows])
    got = getattr(bs, name)(is_call, s, k, t, sigma, r, q)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)


def _central(f: Callable[[float], NDArray[np.float64]], x: float, h: float) -> NDArray[np.float64]:
    return (f(x + h) - f(x - h)) / (2.0 * h)


FD_CASES = list(
    itertools.product(
        (True, False), (80.0, 100.0, 125.0), (0.1, 1.5), (0.15, 0.45), (0.03,), (0.02,)
    )
)


@pytest.mark.parametrize(("is_call", "k", "t", "sigma", "r", "q"), FD_CASES)
def test_greeks_finite_differences_match(
    is_call: bool, k: float, t: float, sigma: float, r: float, q: float
) -> None:
    s = 100.0
    g = bs.greeks(is_call, s, k, t, sigma, r, q)

    def px(**kw: float) -> NDArray[np.float64]:
        args = {"s": s, "t": t, "sigma": sigma, "r": r} | kw
        return bs.price(is_call, args["s"], k, args["t"], args["sigma"], args["r"], q)

    def greek(fn: Callable[..., NDArray[np.float64]], **kw: float) -> NDArray[np.float64]:
        args = {"t": t, "sigma": sigma} | kw
        return fn(is_call, s, k, args["t"], args["sigma"], r, q)

    checks = {
        "delta": _central(lambda x: px(s=x), s, 1e-3),
        "gamma": (px(s=s + 0.05) - 2.0 * px() + px(s=s - 0.05)) / 0.05**2,
        "vega": _central(lambda x: px(sigma=x), sigma, 1e-5) * 0.01,
        "theta": -_central(lambda x: px(t=x), t, 1e-6) / 365.0,
        "rho": _central(lambda x: px(r=x), r, 1e-6) * 0.01,
        "vanna": _central(lambda x: greek(bs.delta, sigma=x), sigma, 1e-5) * 0.01,
        "charm": -_central(lambda x: greek(bs.delta, t=x), t, 1e-6) / 365.0,
        "vomma": _central(lambda x: greek(bs.vega, sigma=x), sigma, 1e-5) * 0.01,
    }
    for name, fd in checks.items():
        np.testing.assert_allclose(getattr(g, name), fd, rtol=2e-5, atol=1e-9, err_msg=name)


def test_price_put_call_parity_holds() -> None:
    _is_call, s, k, t, sigma, r, q = GRID
    c = bs.price(True, s, k, t, sigma, r, q)
    p = bs.price(False, s, k, t, sigma, r, q)
    np.testing.assert_allclose(c - p, s * np.exp(-q * t) - k * np.exp(-r * t), atol=1e-10)


@pytest.mark.parametrize(
    ("s", "k", "t", "sigma"),
    [
        (100.0, 100.0, 0.0, 0.2),
        (100.0, 100.0, -0.1, 0.2),
        (100.0, 100.0, 0.5, 0.0),
        (100.0, 100.0, 0.5, -0.2),
        (np.nan, 100.0, 0.5, 0.2),
        (100.0, np.nan, 0.5, 0.2),
        (100.0, 100.0, np.nan, 0.2),
        (100.0, 100.0, 0.5, np.nan),
        (0.0, 100.0, 0.5, 0.2),
        (100.0, -5.0, 0.5, 0.2),
    ],
)
def test_greeks_invalid_inputs_give_nan(s: float, k: float, t: float, sigma: float) -> None:
    g = bs.greeks(np.array([True, False]), s, k, t, sigma, 0.05, 0.01)
    for name in GREEK_NAMES:
        assert np.isnan(getattr(g, name)).all(), name
        assert np.isnan(
            getattr(bs, name)(np.array([True, False]), s, k, t, sigma, 0.05, 0.01)
        ).all()


def test_greeks_mixed_valid_invalid_rows_keep_valid_values() -> None:
    t = np.array([0.5, 0.0, 0.5])
    g = bs.greeks(np.array([True, True, False]), 100.0, 100.0, t, 0.2, 0.05, 0.0)
    assert np.isfinite(g.price[[0, 2]]).all()
    assert np.isnan(g.price[1])
    assert g.gamma.shape == (3,)


def test_greeks_equal_shape_float_arrays_keep_shape() -> None:
    n = 7
    ones = np.ones(n)
    g = bs.greeks(
        np.zeros(n, dtype=bool), 100 * ones, 90 * ones, ones, 0.2 * ones, 0 * ones, 0 * ones
    )
    assert all(getattr(g, name).shape == (n,) for name in GREEK_NAMES)
    assert all(getattr(g, name).dtype == np.float64 for name in GREEK_NAMES)
