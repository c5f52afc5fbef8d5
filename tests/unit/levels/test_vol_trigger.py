"""The volatility trigger on hand-built contracts: equal to zero gamma under a flat smile, moved
by a skew, refined to the root of its own profile."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from eots.levels import ZeroGammaParams, gamma_profile, zero_gamma
from eots.levels.vol_trigger import SkewProfile, crossings, skew_profile

EXPIRY = dt.date(2024, 4, 19)


def _contracts(ivs: dict[float, float]) -> pl.DataFrame:
    """Calls (dealer long) at 105/110 and puts (dealer short) at 90/95, one expiry, S = F = 100."""
    rows = []
    for k, right, oi in (
        (90.0, "P", 3000),
        (95.0, "P", 1000),
        (105.0, "C", 1000),
        (110.0, "C", 3000),
    ):
        rows.append((k, right, oi, ivs[k]))
    # Zero-OI quotes at the other strikes only shape the smile.
    rows.extend((k, "C", 0, ivs[k]) for k in (85.0, 100.0, 115.0))
    f = pl.DataFrame(rows, schema=["strike", "right", "open_interest", "iv"], orient="row")
    return f.with_columns(
        exposure_ok=pl.lit(True),
        multiplier=pl.lit(100.0),
        dealer_sign=pl.when(pl.col("right") == "C").then(1.0).otherwise(-1.0),
        t_years=pl.lit(30 / 365),
        forward=pl.lit(100.0),
        carry_q=pl.lit(0.0),
        expiry=pl.lit(EXPIRY),
        open_interest=pl.col("open_interest").cast(pl.Int64),
    )


STRIKES = (85.0, 90.0, 95.0, 100.0, 105.0, 110.0, 115.0)


def test_vol_trigger_equals_zero_gamma_under_a_flat_smile() -> None:
    c = _contracts(dict.fromkeys(STRIKES, 0.2))
    zg = zero_gamma(gamma_profile(c, 100.0, ZeroGammaParams(band_pct=0.15)))
    sp = skew_profile(c, 100.0, zg.band)
    grid = np.linspace(*zg.band, 9)
    np.testing.assert_allclose(
        sp.net_gex(grid),
        gamma_profile(c, 100.0, ZeroGammaParams(band_pct=0.15, grid_points=9)).net_gex,
        rtol=1e-12,
    )
    vt = crossings(sp.net_gex, zg.band, 25)
    assert len(vt) == len(zg.crossings) == 1
    assert vt[0] == pytest.approx(zg.crossings[0], rel=1e-7)


def test_vol_trigger_moves_with_a_put_skew_and_is_a_root() -> None:
    skewed = {k: 0.2 + 0.01 * (100.0 - k) for k in STRIKES}  # higher IV at lower strikes
    c = _contracts(skewed)
    zg = zero_gamma(gamma_profile(c, 100.0, ZeroGammaParams(band_pct=0.15)))
    sp = skew_profile(c, 100.0, zg.band)
    vt = crossings(sp.net_gex, zg.band, 25)
    assert len(vt) == 1
    assert abs(float(sp.net_gex(np.array([vt[0]]))[0])) < 1e-6 * float(
        np.abs(sp.net_gex(np.linspace(*zg.band, 25))).max()
    )
    assert zg.nearest is not None
    assert vt[0] != pytest.approx(zg.nearest, abs=1e-3)
    assert abs(vt[0] - zg.nearest) < 5.0


def _two_expiries() -> pl.DataFrame:
    """Calls and puts at shared strikes, two expiries, two roots on one, carry and multipliers."""
    rng = np.random.default_rng(3)
    rows = []
    for expiry, t, fwd, q in (
        (EXPIRY, 30 / 365, 100.4, 0.01),
        (dt.date(2024, 5, 17), 58 / 365, 100.9, 0.02),
    ):
        for k in (88.0, 92.0, 96.0, 100.0, 104.0, 108.0, 112.0):
            for root, mult in (("A", 100.0), ("B", 10.0)):
                for right, sign in (("C", 1.0), ("P", -1.0)):
                    iv = 0.2 + 0.004 * (100.0 - k) + rng.uniform(-0.01, 0.01)
                    oi = int(rng.integers(0, 3000))
                    rows.append((root, expiry, k, right, sign, oi, iv, t, fwd, q, mult))
    return pl.DataFrame(
        rows,
        schema=[
            "root",
            "expiry",
            "strike",
            "right",
            "dealer_sign",
            "open_interest",
            "iv",
            "t_years",
            "forward",
            "carry_q",
            "multiplier",
        ],
        orient="row",
    ).with_columns(exposure_ok=pl.lit(True), open_interest=pl.col("open_interest").cast(pl.Int64))


def _reference(c: pl.DataFrame, spot: float, x: float) -> float:
    """The module formula, contract by contract (sticky moneyness along each expiry's smile)."""
    smiles = {
        e: g.group_by("strike").agg(pl.col("iv").mean()).sort("strike")
        for (e,), g in c.group_by("expiry")
    }
    total = 0.0
    for r in c.filter(pl.col("open_interest") > 0).iter_rows(named=True):
        smile = smiles[r["expiry"]]
        ks = np.log(smile.get_column("strike").to_numpy())
        q = min(max(np.log(r["strike"] * spot / x), ks[0]), ks[-1])
        sigma = float(np.interp(q, ks, smile.get_column("iv").to_numpy()))
        v = sigma * np.sqrt(r["t_years"])
        d1 = (np.log(x / r["strike"]) + np.log(r["forward"] / spot)) / v + 0.5 * v
        n_d1 = np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi)
        size = r["dealer_sign"] * r["open_interest"] * r["multiplier"]
        total += size * 0.01 * np.exp(-r["carry_q"] * r["t_years"]) * n_d1 * x / v
    return total


def test_skew_profile_equals_the_formula_contract_by_contract() -> None:
    c = _two_expiries()
    band = (85.0, 115.0)
    sp = skew_profile(c, 100.0, band, negligible_d1=50.0)
    xs = np.array([88.5, 97.0, 100.0, 103.3, 111.0])
    expected = [_reference(c, 100.0, float(x)) for x in xs]
    np.testing.assert_allclose(sp.net_gex(xs), expected, rtol=1e-10)
    # one d1 column per (strike, forward, expiry, time) key: calls, puts and both roots share it
    assert sp.log_k.size < sp.a.size
    assert sp.group.max() + 1 == sp.log_k.size


def test_skew_profile_smile_means_are_polars_means_bit_for_bit() -> None:
    c = _two_expiries()
    sp = skew_profile(c, 100.0, (85.0, 115.0))
    means = (
        c.sort("expiry", "strike")
        .group_by("expiry", "strike", maintain_order=True)
        .agg(pl.col("iv").mean())
        .get_column("iv")
        .to_numpy()
    )
    assert np.array_equal(sp.ys, means)


def _net_gex_with_temporaries(sp: SkewProfile, x: np.ndarray) -> np.ndarray:
    """The skew-shifted profile written with temporaries (the form the in-place one replaced)."""
    log_x = np.log(x)[:, None]
    query = np.clip(sp.log_k[None, :] - (log_x - np.log(sp.spot)), sp.lo, sp.hi)
    vol = np.interp(query + sp.off, sp.xs, sp.ys) * sp.sqrt_t
    d1 = (log_x - sp.log_k + sp.lfs) / vol + 0.5 * vol
    e = np.exp(-0.5 * (d1 * d1)) / vol
    out: np.ndarray = np.einsum("ij,j->i", e[:, sp.group], sp.a) * x
    return out


def test_skew_profile_in_place_is_the_formula_bit_for_bit() -> None:
    c = _two_expiries()
    sp = skew_profile(c, 100.0, (85.0, 115.0))
    for xs in (np.linspace(85.0, 115.0, 25), np.array([99.5]), np.array([90.0, 110.0])):
        assert np.array_equal(sp.net_gex(xs), _net_gex_with_temporaries(sp, xs))


def test_skew_profile_row_order_does_not_matter_bit_for_bit() -> None:
    c = _two_expiries()
    band = (85.0, 115.0)
    xs = np.linspace(85.0, 115.0, 25)
    ordered = skew_profile(c.sort("expiry", "strike", "root", "right"), 100.0, band)
    shuffled = skew_profile(c.sample(fraction=1.0, shuffle=True, seed=1), 100.0, band)
    assert np.array_equal(ordered.ys, shuffled.ys)
    assert np.array_equal(ordered.xs, shuffled.xs)
    np.testing.assert_allclose(shuffled.net_gex(xs), ordered.net_gex(xs), rtol=1e-13)


def _same_profile(a: SkewProfile, b: SkewProfile) -> None:
    for name in SkewProfile.__slots__:
        value = getattr(a, name)
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, getattr(b, name)), name
        else:
            assert value == getattr(b, name), name


def test_skew_profile_null_exposure_ok_or_open_interest_is_no() -> None:
    c = _two_expiries().with_row_index("i")
    band = (85.0, 115.0)
    odd = pl.col("i") % 5 == 1
    some = pl.col("i") % 7 == 3
    nulls = c.with_columns(
        exposure_ok=pl.when(odd).then(None).otherwise(pl.col("exposure_ok")),
        open_interest=pl.when(some).then(None).otherwise(pl.col("open_interest")),
    )
    plain = c.with_columns(
        exposure_ok=pl.when(odd).then(pl.lit(value=False)).otherwise(pl.col("exposure_ok")),
        open_interest=pl.when(some).then(0).otherwise(pl.col("open_interest")),
    )
    _same_profile(
        skew_profile(nulls.drop("i"), 100.0, band), skew_profile(plain.drop("i"), 100.0, band)
    )
    # a non-finite or null IV is not live, as a contract without exposures
    bad_iv = c.with_columns(
        iv=pl.when(odd).then(float("inf")).when(some).then(None).otherwise(pl.col("iv"))
    )
    off = c.with_columns(
        exposure_ok=pl.when(odd | some).then(pl.lit(value=False)).otherwise(pl.lit(value=True))
    )
    _same_profile(
        skew_profile(bad_iv.drop("i"), 100.0, band), skew_profile(off.drop("i"), 100.0, band)
    )


def test_skew_profile_on_grid_reuses_grid_rows_bit_for_bit() -> None:
    sp = skew_profile(_two_expiries(), 100.0, (85.0, 115.0))
    grid = np.linspace(85.0, 115.0, 25)
    values, net_gex = sp.on_grid(grid)
    assert np.array_equal(values, sp.net_gex(grid))
    for v in (*grid, 99.5):  # a grid point reuses its row, another point is evaluated
        assert np.array_equal(net_gex(np.array([v])), sp.net_gex(np.array([v])))
    assert np.array_equal(net_gex(grid[3:5]), sp.net_gex(grid[3:5]))
