"""Exposure columns and per-strike sums against hand-computed values."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.core.errors import ConfigError
from eots.exposures import (
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
