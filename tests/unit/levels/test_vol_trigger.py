"""The volatility trigger on hand-built contracts: equal to zero gamma under a flat smile, moved
by a skew, refined to the root of its own profile."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from eots.levels import ZeroGammaParams, gamma_profile, zero_gamma
from eots.levels.vol_trigger import crossings, skew_profile

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
