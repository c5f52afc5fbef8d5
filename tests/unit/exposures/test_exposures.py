"""Exposure columns and per-strike sums against hand-computed values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import ConfigError
from eots.exposures import (
    STRIKE_SCHEMA,
    ExpiryScope,
    ExposureParams,
    SignConvention,
    contract_exposures,
    strike_exposures,
)

SPOT = 100.0


def _priced(rows: list[tuple[float, str, float, float, int, int]]) -> pl.DataFrame:
    """Rows of (strike, right, delta, gamma, open_interest, volume) with unit other greeks."""
    n = len(rows)
    return pl.DataFrame(
        {
            "strike": [r[0] for r in rows],
            "right": [r[1] for r in rows],
            "delta": [r[2] for r in rows],
            "gamma": [r[3] for r in rows],
            "open_interest": [r[4] for r in rows],
            "volume": [r[5] for r in rows],
            "vega": [0.2] * n,
            "theta": [-0.05] * n,
            "vanna": [0.001] * n,
            "charm": [-0.002] * n,
            "vomma": [0.01] * n,
            "iv": [0.2] * n,
            "multiplier": [100.0] * n,
            "expiry": [dt.date(2026, 1, 16)] * n,
        }
    )


def test_contract_exposures_hand_values_classic_sign() -> None:
    f = contract_exposures(
        _priced([(100.0, "C", 0.5, 0.04, 10, 3), (100.0, "P", -0.5, 0.04, 20, 0)]),
        SPOT,
        ExposureParams(),
    )
    call, put = f.row(0, named=True), f.row(1, named=True)
    assert call["gxoi"] == pytest.approx(0.04 * 10 * 100)  # 40 shares per $1
    assert call["dxoi"] == pytest.approx(500.0)
    assert call["gex_usd_per_pct"] == pytest.approx(40 * 100**2 * 0.01)  # +4000
    assert put["gex_usd_per_pct"] == pytest.approx(-80 * 100**2 * 0.01)  # -8000
    assert put["dex_usd"] == pytest.approx(-1 * (-0.5 * 20 * 100) * 100)  # +100000
    assert call["gxvolm"] == pytest.approx(0.04 * 3 * 100)
    assert call["vannaxoi"] == pytest.approx(0.001 * 1000)
    assert call["charm_usd_per_day"] == pytest.approx(-0.002 * 1000 * 100)
    assert put["txoi"] == pytest.approx(-0.05 * 2000)


def test_contract_exposures_short_both_signs_calls_negative() -> None:
    f = contract_exposures(
        _priced([(100.0, "C", 0.5, 0.04, 10, 0)]),
        SPOT,
        ExposureParams(sign_convention=SignConvention.SHORT_BOTH),
    )
    assert f.item(0, "gex_usd_per_pct") == pytest.approx(-4000.0)


def test_strike_exposures_sums_and_netting() -> None:
    f = contract_exposures(
        _priced(
            [
                (95.0, "P", -0.3, 0.03, 50, 0),
                (100.0, "C", 0.5, 0.04, 10, 0),
                (100.0, "P", -0.5, 0.04, 20, 0),
                (105.0, "C", 0.3, 0.03, 40, 0),
            ]
        ),
        SPOT,
        ExposureParams(),
    ).with_columns(exposure_ok=pl.lit(value=True))
    by = strike_exposures(f, pl.lit(value=True))
    assert by.get_column("strike").to_list() == [95.0, 100.0, 105.0]
    row = by.row(1, named=True)
    assert row["call_gex"] == pytest.approx(4000.0)
    assert row["put_gex"] == pytest.approx(-8000.0)
    assert row["net_gex"] == pytest.approx(-4000.0)
    assert row["abs_gex"] == pytest.approx(12000.0)
    assert row["call_oi"] == 10
    assert row["put_oi"] == 20
    assert by.get_column("net_gex").sum() == pytest.approx(f.get_column("gex_usd_per_pct").sum())


def test_strike_exposures_row_order_does_not_matter() -> None:
    rows = [
        (95.0, "P", -0.3, 0.03, 50, 1),
        (100.0, "C", 0.5, 0.04, 10, 2),
        (105.0, "C", 0.3, 0.03, 40, 3),
        (100.0, "P", -0.5, 0.04, 20, 4),
    ]
    a = contract_exposures(_priced(rows), SPOT, ExposureParams()).with_columns(
        exposure_ok=pl.lit(value=True)
    )
    b = a.reverse()
    assert_frame_equal(
        strike_exposures(a, pl.lit(value=True)), strike_exposures(b, pl.lit(value=True))
    )


def test_strike_exposures_excludes_contracts_without_iv() -> None:
    f = contract_exposures(_priced([(100.0, "C", 0.5, 0.04, 10, 0)]), SPOT, ExposureParams())
    f = f.with_columns(exposure_ok=pl.lit(value=False))
    assert strike_exposures(f, pl.lit(value=True)).height == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("all", [0, 1, 7, 30]), ("0dte", [0]), ("ex0dte", [1, 7, 30]), ("<=7", [0, 1, 7])],
)
def test_expiry_scope_mask_selects_days(spec: str, expected: list[int]) -> None:
    session = dt.date(2026, 1, 5)
    days = [0, 1, 7, 30]
    f = pl.DataFrame({"expiry": [session + dt.timedelta(days=d) for d in days], "d": days})
    got = f.filter(ExpiryScope.parse(spec).mask(session)).get_column("d").to_list()
    assert got == expected


@pytest.mark.parametrize("spec", ["", "weekly", "<=", "<=-1", "1dte"])
def test_expiry_scope_parse_bad_spec_raises(spec: str) -> None:
    with pytest.raises(ConfigError, match="expected an expiry scope"):
        ExpiryScope.parse(spec)


def _whole_frame_strike_sums(contracts: pl.DataFrame, scope_mask: pl.Expr) -> pl.DataFrame:
    """The per-strike sums as written before: the whole frame filtered, then grouped."""
    call = pl.col("right") == "C"
    gex = pl.col("gex_usd_per_pct")
    return (
        contracts.filter(scope_mask & pl.col("exposure_ok"))
        .group_by("strike")
        .agg(
            call_gex=gex.filter(call).sum(),
            put_gex=gex.filter(~call).sum(),
            gex_volm=pl.col("gex_volm_usd_per_pct").fill_null(0.0).sum(),
            dex=pl.col("dex_usd").sum(),
            vanna=pl.col("vanna_usd_per_vol_pt").sum(),
            charm=pl.col("charm_usd_per_day").sum(),
            call_oi=pl.col("open_interest").filter(call).sum(),
            put_oi=pl.col("open_interest").filter(~call).sum(),
            call_volume=pl.col("volume").filter(call).sum(),
            put_volume=pl.col("volume").filter(~call).sum(),
            n_contracts=pl.len(),
        )
        .with_columns(
            net_gex=pl.col("call_gex") + pl.col("put_gex"),
            abs_gex=pl.col("call_gex").abs() + pl.col("put_gex").abs(),
        )
        .sort("strike")
        .select(list(STRIKE_SCHEMA))
        .cast(STRIKE_SCHEMA)
    )


def test_strike_exposures_read_only_their_columns_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    n = 600
    priced = pl.DataFrame(
        {
            "strike": rng.choice(np.arange(80.0, 121.0, 2.5), n),
            "right": rng.choice(["C", "P"], n),
            "delta": rng.uniform(-1.0, 1.0, n),
            "gamma": rng.uniform(0.0, 0.1, n) * 10.0 ** rng.integers(-3, 2, n),
            "open_interest": rng.integers(0, 50_000, n),
            "volume": rng.integers(0, 9_000, n),
            "vega": rng.uniform(0.0, 0.5, n),
            "theta": rng.uniform(-0.5, 0.0, n),
            "vanna": rng.standard_normal(n) * 1e-3,
            "charm": rng.standard_normal(n) * 1e-3,
            "vomma": rng.uniform(0.0, 0.1, n),
            "iv": np.where(rng.uniform(size=n) < 0.05, np.nan, 0.2),
            "multiplier": [100.0] * n,
            "expiry": [dt.date(2026, 1, 16 + 7 * int(w)) for w in rng.integers(0, 2, n)],
        }
    )
    f = contract_exposures(priced, SPOT, ExposureParams())
    for mask in (pl.lit(value=True), pl.col("expiry") == dt.date(2026, 1, 16)):
        got = strike_exposures(f, mask)
        assert_frame_equal(got, _whole_frame_strike_sums(f, mask), check_exact=True)


@pytest.mark.parametrize("convention", list(SignConvention))
def test_numpy_and_polars_paths_give_the_same_frame(convention: SignConvention) -> None:
    """The fast NumPy path repeats the polars definition: the two must agree bit for bit."""
    from eots.exposures.contract import _polars_exposures

    rng = np.random.default_rng(7)
    rows = [
        (
            float(k),
            "C" if i % 2 else "P",
            float(rng.uniform(-1, 1)),
            float(rng.uniform(0, 0.05)),
            int(rng.integers(0, 5000)),
            int(rng.integers(0, 900)),
        )
        for i, k in enumerate(range(80, 121))
    ]
    priced = _priced(rows).with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(float("nan"))
        .otherwise(pl.col("gamma"))
        .alias("gamma")
    )
    params = ExposureParams(sign_convention=convention)
    fast = contract_exposures(priced, 4701.25, params)
    assert_frame_equal(fast, _polars_exposures(priced, 4701.25, params), check_exact=True)
    # with a null open interest only the polars path applies: nulls stay nulls
    nulled = priced.with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(None)
        .otherwise(pl.col("open_interest"))
        .alias("open_interest")
    )
    assert contract_exposures(nulled, 4701.25, params).get_column("gxoi")[5] is None
