"""Black-76 layer: equals BSM with q = r and s = f; rho at fixed forward."""

from __future__ import annotations

import numpy as np
import pytest

from eots.greeks import black76
from eots.greeks import black_scholes as bs

ARGS = (np.array([True, False, True]), 4150.0, np.array([4000.0, 4100.0, 4300.0]), 0.3, 0.18, 0.05)
NAMES = ["price", "delta", "gamma", "vega", "theta", "vanna", "charm", "vomma"]


@pytest.mark.parametrize("name", NAMES)
def test_black76_equals_bsm_with_carry_equal_rate(name: str) -> None:
    is_call, f, k, t, sigma, r = ARGS
    np.testing.assert_allclose(
        getattr(black76, name)(*ARGS), getattr(bs, name)(is_call, f, k, t, sigma, r, r), rtol=1e-14
    )
    np.testing.assert_allclose(getattr(black76.greeks(*ARGS), name), getattr(black76, name)(*ARGS))


def test_black76_rho_matches_finite_difference_at_fixed_forward() -> None:
    is_call, f, k, t, sigma, r = ARGS
    h = 1e-6
    fd = (
        black76.price(is_call, f, k, t, sigma, r + h)
        - black76.price(is_call, f, k, t, sigma, r - h)
    ) / (2 * h)
    np.testing.assert_allclose(black76.rho(*ARGS), fd * 0.01, rtol=1e-7)
    np.testing.assert_allclose(black76.greeks(*ARGS).rho, black76.rho(*ARGS))


def test_black76_delta_is_discounted_forward_delta() -> None:
    is_call, f, k, t, sigma, r = ARGS
    h = 1e-3
    fd = (
        black76.price(is_call, f + h, k, t, sigma, r)
        - black76.price(is_call, f - h, k, t, sigma, r)
    ) / (2 * h)
    np.testing.assert_allclose(black76.delta(*ARGS), fd, rtol=1e-7)
