"""Issue 10: forwards without parity pairs come from the other expiries, else from a dated rate."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from builders import Row, et, tiny_chain
from eots.greeks.frame import fallback_log_forwards, priced_chain
from eots.greeks.params import FallbackRate, PricingParams
from eots.greeks.rates import LAST_MONTH, short_rate
from eots.greeks.spot import SpotVerdict, checked_pricing, forward_notes

AS_OF = et(2024, 3, 13, 14, 0)
NEAR, MID, FAR = dt.date(2024, 3, 15), dt.date(2024, 3, 22), dt.date(2024, 4, 19)


def _pair(expiry: dt.date, k: float, c: float, p: float) -> list[Row]:
    return [
        Row("SPXW", expiry, k, "C", bid=c - 0.5, ask=c + 0.5, open_interest=100),
        Row("SPXW", expiry, k, "P", bid=p - 0.5, ask=p + 0.5, open_interest=100),
    ]


def _one_sided(expiry: dt.date, k: float) -> list[Row]:
    return [
        Row("SPXW", expiry, k, "C", bid=0.0, ask=30.0, open_interest=100),
        Row("SPXW", expiry, k, "P", bid=0.0, ask=30.0, open_interest=100),
    ]


def _forwards(priced: pl.DataFrame) -> dict[dt.date, tuple[float, str, float]]:
    rows = priced.group_by("expiry").agg(
        pl.col("forward").first(),
        pl.col("forward_method").first().cast(pl.String),
        pl.col("t_years").first(),
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows.iter_rows()}


def test_log_forward_fill_closed_form() -> None:
    t = np.array([0.01, 0.02, 0.04, 0.10, 0.30])
    lf = np.array([np.nan, 0.002, np.nan, 0.010, np.nan])
    ok = ~np.isnan(lf)
    out, code = fallback_log_forwards(t, lf, ok, 0.05)
    assert code == 1
    slope = (0.010 - 0.002) / (0.10 - 0.02)
    first = 0.002 / 0.02
    assert out[0] == pytest.approx((0.05 + (first - 0.05) * 0.01 / 0.02) * 0.01)
    assert out[2] == pytest.approx(0.002 + (0.010 - 0.002) * (0.04 - 0.02) / (0.10 - 0.02))
    assert out[4] == pytest.approx(0.010 + slope * 0.20)
    assert out[[1, 3]].tolist() == [0.002, 0.010]
    # A span under a week gives no slope: the rate carry continues the curve.
    short = np.array([0.01, 0.012, 0.5])
    out, _ = fallback_log_forwards(
        short, np.array([0.001, 0.0012, np.nan]), np.array([True, True, False]), 0.05
    )
    assert out[2] == pytest.approx(0.0012 + 0.05 * (0.5 - 0.012))
    assert fallback_log_forwards(t, lf, np.zeros(5, dtype=bool), 0.05)[1] is None
    assert fallback_log_forwards(t, lf, np.ones(5, dtype=bool), 0.05)[1] == 0


def test_expiry_without_pairs_takes_the_term_structure() -> None:
    rows = (
        _pair(NEAR, 5000.0, 30.0, 20.0) + _one_sided(MID, 5000.0) + _pair(FAR, 5000.0, 90.0, 50.0)
    )
    snap = tiny_chain(rows, spot=5000.0, as_of=AS_OF)
    params = PricingParams()
    fwd = _forwards(priced_chain(snap, params))
    (f_near, m_near, t_near), (f_mid, m_mid, t_mid), (f_far, _, t_far) = (
        fwd[NEAR],
        fwd[MID],
        fwd[FAR],
    )
    assert (m_near, m_mid) == ("parity", "term_structure")
    lf = np.interp(t_mid, [t_near, t_far], [math.log(f_near / 5000.0), math.log(f_far / 5000.0)])
    assert f_mid == pytest.approx(5000.0 * math.exp(lf), rel=1e-12)
    notes = forward_notes(priced_chain(snap, params), params, snap.ts_event)
    assert notes == [
        "1 of 3 expiries have no two-sided call/put pair near the money: their forwards come "
        "from the other expiries' parity forwards (interpolated in time)"
    ]


@pytest.mark.parametrize("source", [FallbackRate.TABLE, FallbackRate.CONFIG])
def test_no_pairs_at_all_use_the_dated_or_configured_rate(source: FallbackRate) -> None:
    snap = tiny_chain(_one_sided(NEAR, 5000.0) + _one_sided(FAR, 5000.0), spot=5000.0, as_of=AS_OF)
    params = PricingParams(fallback_rate=source, rate=0.02, dividend_yield=0.01)
    priced = priced_chain(snap, params)
    r = short_rate(AS_OF.date()).rate if source is FallbackRate.TABLE else 0.02
    for forward, method, t in _forwards(priced).values():
        assert method == ("rate_table" if source is FallbackRate.TABLE else "config_rate")
        assert forward == pytest.approx(5000.0 * math.exp((r - 0.01) * t), rel=1e-12)
    (note,) = forward_notes(priced, params, snap.ts_event)
    assert f"pricing.fallback_rate = {source.value}" in note
    if source is FallbackRate.TABLE:
        assert "2024-03" in note
        assert "5.19%" in note


def test_rate_table_months_and_clamping() -> None:
    assert short_rate(dt.date(2022, 4, 30)).rate == pytest.approx(math.log1p(0.0033))
    assert short_rate(dt.date(2021, 6, 1)).rate < 0.002
    assert short_rate(dt.date(2023, 9, 1)).rate == pytest.approx(math.log1p(0.0533))
    late = short_rate(dt.date(2030, 1, 1))
    assert late.clamped
    assert late.month == LAST_MONTH
    assert "nearest month" in late.describe()
    assert short_rate(dt.date(2010, 1, 1)).month == dt.date(2018, 1, 1)


@pytest.mark.real_data
def test_real_no_quote_file_says_which_rate(real_data: Path) -> None:
    from eots.sources import load_chain

    as_of = dt.datetime(2022, 4, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    snap = load_chain(real_data / "spy_20220401_cboejson" / "SPY.json", as_of=as_of)
    checked = checked_pricing(snap, PricingParams())
    methods = set(checked.priced.get_column("forward_method").cast(pl.String).unique())
    assert methods == {"rate_table"}
    assert any("effective fed funds, 2022-04" in w for w in checked.warnings)


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("case", "verdict", "spot", "flip"),
    [
        ("spy_20230914_post", SpotVerdict.DIVIDEND, 450.81, None),
        ("spy_20250508_pre", SpotVerdict.STALE, 561.44, 563.65),
        ("spy_20250516_post", SpotVerdict.STALE, 593.91, 588.53),
    ],
)
def test_real_spot_verdicts(
    real_data: Path, case: str, verdict: SpotVerdict, spot: float, flip: float | None
) -> None:
    from eots.pipeline import analyze
    from eots.sources import load_chain

    snap = load_chain(next((real_data / case).iterdir()))
    checked = checked_pricing(snap, PricingParams())
    assert checked.check is not None
    assert checked.check.verdict is verdict
    a = analyze(snap)
    assert a.snapshot.spot == pytest.approx(spot, abs=0.01)
    if flip is not None:
        assert a.zero_gamma.nearest == pytest.approx(flip, abs=0.05)
