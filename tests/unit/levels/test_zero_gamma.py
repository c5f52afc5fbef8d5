"""Zero gamma on constructed chains: one crossing, several, none; against a scalar oracle."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eots.levels import ZeroGammaParams, gamma_profile, zero_gamma

SPOT = 100.0
R = 0.04
Q = 0.01


def _contracts(rows: list[tuple[float, float, int, float, float]]) -> pl.DataFrame:
    """Rows of (strike, dealer_sign, open_interest, iv, t_years)."""
    t = [r[4] for r in rows]
    return pl.DataFrame(
        {
            "strike": [r[0] for r in rows],
            "dealer_sign": [r[1] for r in rows],
            "open_interest": [r[2] for r in rows],
            "iv": [r[3] for r in rows],
            "t_years": t,
            "forward": [SPOT * math.exp((R - Q) * x) for x in t],
            "carry_q": [Q] * len(rows),
            "multiplier": [100.0] * len(rows),
            "exposure_ok": [True] * len(rows),
        }
    )


def _oracle_gex(rows: list[tuple[float, float, int, float, float]], x: float) -> float:
    """Signed dollar gamma per 1 % at spot x, computed contract by contract with math."""
    total = 0.0
    for k, sign, oi, sigma, t in rows:
        d1 = (math.log(x / k) + (R - Q + 0.5 * sigma * sigma) * t) / (sigma * math.sqrt(t))
        gamma = math.exp(-Q * t) * math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
        gamma /= x * sigma * math.sqrt(t)
        total += sign * oi * 100.0 * gamma * x * x * 0.01
    return total


def _oracle_roots(
    rows: list[tuple[float, float, int, float, float]], lo: float, hi: float
) -> list[float]:
    xs = np.linspace(lo, hi, 4001)
    ys = [_oracle_gex(rows, float(x)) for x in xs]
    roots = []
    for i in range(len(xs) - 1):
        if ys[i] * ys[i + 1] < 0:
            a, b = float(xs[i]), float(xs[i + 1])
            for _ in range(60):
                m = 0.5 * (a + b)
                if _oracle_gex(rows, a) * _oracle_gex(rows, m) <= 0:
                    b = m
                else:
                    a = m
            roots.append(0.5 * (a + b))
    return roots


ONE = [(90.0, -1.0, 1000, 0.25, 0.1), (110.0, 1.0, 1000, 0.18, 0.1)]
TWO = [(90.0, -1.0, 1000, 0.2, 0.05), (100.0, 1.0, 3000, 0.2, 0.05), (110.0, -1.0, 1000, 0.2, 0.05)]
NONE = [(95.0, 1.0, 500, 0.2, 0.1), (105.0, 1.0, 800, 0.2, 0.1)]


def test_profile_matches_scalar_oracle() -> None:
    prof = gamma_profile(_contracts(TWO), SPOT, ZeroGammaParams(grid_points=21))
    for x, y in zip(prof.levels, prof.net_gex, strict=True):
        assert y == pytest.approx(_oracle_gex(TWO, float(x)), rel=1e-9, abs=1e-6)


def test_zero_gamma_single_crossing_matches_oracle() -> None:
    zg = zero_gamma(gamma_profile(_contracts(ONE), SPOT, ZeroGammaParams()))
    expected = _oracle_roots(ONE, 85.0, 115.0)
    assert len(expected) == 1
    assert zg.crossings == pytest.approx(expected, abs=1e-4)
    assert zg.nearest == pytest.approx(expected[0], abs=1e-4)


def test_zero_gamma_two_crossings_all_reported_nearest_chosen() -> None:
    zg = zero_gamma(gamma_profile(_contracts(TWO), SPOT, ZeroGammaParams()))
    expected = _oracle_roots(TWO, 85.0, 115.0)
    assert len(expected) == 2
    assert zg.crossings == pytest.approx(expected, abs=1e-4)
    assert zg.nearest == pytest.approx(min(expected, key=lambda c: abs(c - SPOT)), abs=1e-4)
    assert zg.net_gex_at_spot > 0


def test_zero_gamma_no_crossing_says_so() -> None:
    zg = zero_gamma(gamma_profile(_contracts(NONE), SPOT, ZeroGammaParams(band_pct=0.1)))
    assert not zg.found
    assert zg.nearest is None
    assert zg.describe(SPOT).startswith("no crossing within +-10%")


def test_zero_gamma_ignores_zero_oi_and_missing_iv() -> None:
    rows = [*ONE, (100.0, 1.0, 0, 0.2, 0.1)]
    f = _contracts(rows).vstack(
        _contracts([(99.0, 1.0, 10**6, 0.2, 0.1)]).with_columns(exposure_ok=pl.lit(value=False))
    )
    zg = zero_gamma(gamma_profile(f, SPOT, ZeroGammaParams()))
    assert zg.crossings == pytest.approx(_oracle_roots(ONE, 85.0, 115.0), abs=1e-4)


@given(
    put_oi=st.integers(100, 10_000),
    call_oi=st.integers(100, 10_000),
    put_k=st.floats(88.0, 99.0),
    call_k=st.floats(101.0, 112.0),
)
def test_zero_gamma_crossings_stay_in_band_and_are_roots(
    put_oi: int, call_oi: int, put_k: float, call_k: float
) -> None:
    rows = [(put_k, -1.0, put_oi, 0.2, 0.08), (call_k, 1.0, call_oi, 0.2, 0.08)]
    params = ZeroGammaParams()
    prof = gamma_profile(_contracts(rows), SPOT, params)
    zg = zero_gamma(prof)
    scale = max(abs(_oracle_gex(rows, float(x))) for x in prof.levels)
    for c in zg.crossings:
        assert zg.band[0] <= c <= zg.band[1]
        assert abs(_oracle_gex(rows, c)) <= 1e-6 * scale


def test_profile_terms_filter_only_their_columns_bit_for_bit() -> None:
    from eots.levels.zero_gamma import MIN_PROFILE_IV, profile_terms

    rng = np.random.default_rng(5)
    n = 500
    c = pl.DataFrame(
        {
            "exposure_ok": rng.uniform(size=n) > 0.05,
            "open_interest": rng.integers(0, 3, n) * rng.integers(0, 20_000, n),
            "multiplier": [100.0] * n,
            "dealer_sign": rng.choice([1.0, -1.0], n),
            "strike": rng.choice(np.arange(80.0, 121.0, 1.0), n),
            "iv": np.where(rng.uniform(size=n) < 0.05, 1e-4, rng.uniform(0.08, 0.6, n)),
            "t_years": rng.uniform(1 / 365, 1.0, n),
            "forward": rng.uniform(99.0, 102.0, n),
            "carry_q": rng.uniform(0.0, 0.03, n),
            "unread": rng.standard_normal(n),
        }
    )
    band = (85.0, 115.0)
    got = profile_terms(c, 100.0, band, 9.0)
    # the whole frame filtered first, as before: the same rows and the same floats
    kept = c.filter(
        pl.col("exposure_ok") & (pl.col("open_interest") > 0) & (pl.col("iv") >= MIN_PROFILE_IV)
    )
    want = profile_terms(kept.with_columns(exposure_ok=pl.lit(value=True)), 100.0, band, 9.0)
    assert got.a.size > 100
    for name in ("a", "c", "inv_vol"):
        assert np.array_equal(getattr(got, name), getattr(want, name))


def test_profile_in_blocks_is_one_call_bit_for_bit() -> None:
    from eots.levels.zero_gamma import _BLOCK, ProfileTerms, _blocks

    rng = np.random.default_rng(9)
    n = 3000
    terms = ProfileTerms(
        a=rng.standard_normal(n) * 1e7,
        c=np.log(rng.uniform(80.0, 120.0, n)),
        inv_vol=1.0 / rng.uniform(0.01, 0.4, n),
    )
    for points in (2, _BLOCK, _BLOCK + 1, 2 * _BLOCK + 1, 61, 201):
        x = np.linspace(85.0, 115.0, points)
        one = terms._net_gex(x)  # one einsum over every level
        assert np.array_equal(terms.net_gex(x), one), points
    assert all(hi - lo >= 2 for lo, hi in _blocks(13, 6))
    assert _blocks(13, 6) == [(0, 6), (6, 13)]
    assert _blocks(12, 6) == [(0, 6), (6, 12)]
    assert _blocks(1, 6) == [(0, 1)]
