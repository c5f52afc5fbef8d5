"""Issue 10: what the report claims. Coverage and truncation, negligible walls, the strikes that
matter, SAI only where it varies, metric units, a truthful levels legend."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from eots.chain import chain_coverage
from eots.cli.render import render
from eots.cli.report import METRIC_UNITS, MIN_WALL_SHARE, report, strikes_that_matter
from eots.pipeline import Analysis, analyze
from eots.sources import load_chain

pytestmark = pytest.mark.real_data

_CACHE: dict[str, Analysis] = {}


def _analysis(real_data: Path, case: str) -> Analysis:
    if case not in _CACHE:
        _CACHE[case] = analyze(load_chain(next((real_data / case).iterdir())))
    return _CACHE[case]


def _text(data: dict[str, object]) -> str:
    buffer = io.StringIO()
    render(data, Console(file=buffer, width=200))
    return buffer.getvalue()


def test_partial_chain_says_it_is_truncated_and_the_wall_is_negligible(real_data: Path) -> None:
    a = _analysis(real_data, "spy_20220520_tda")
    data = report(a)
    cov = data["coverage"]
    assert cov["truncated"] is True
    assert cov["covered_pct"] < 5.0
    call = data["walls"]["call_wall"][0]
    assert call["strike"] == 414.0
    assert call["negligible"] is True
    assert call["share_of_largest"] < MIN_WALL_SHARE
    assert data["walls"]["put_wall"][0]["negligible"] is False
    assert "profile is unknown" in data["zero_gamma"]["text"]
    text = _text(data)
    assert "TRUNCATED" in text
    assert "negligible" in text


def test_full_chain_is_not_truncated(real_data: Path) -> None:
    data = report(_analysis(real_data, "spx_20230405_post"))
    assert data["coverage"]["truncated"] is False
    assert not data["walls"]["call_wall"][0]["negligible"]
    assert "unknown" not in data["zero_gamma"]["text"]


def test_coverage_closed_form() -> None:
    c = pl.DataFrame(
        {
            "expiry": [dt.date(2024, 3, 15)] * 3 + [dt.date(2024, 3, 22)] * 2,
            "strike": [90.0, 100.0, 120.0, 80.0, 130.0],
            "open_interest": [1, 1, 1, 1, 0],
        }
    )
    cov = chain_coverage(c, 100.0, 15.0)
    # expiry 1 covers min(10, 20) = 10 %, expiry 2 (OI only at 80) covers 0 %: median 5 %.
    assert cov.covered_pct == pytest.approx(5.0)
    assert (cov.strike_low, cov.strike_high, cov.n_expiries) == (80.0, 120.0, 2)
    assert cov.truncated


@pytest.mark.parametrize("case", ["spx_20230505_wknd", "spx_20221212_post", "spy_20230519_wknd"])
def test_strikes_that_matter_stay_near_the_money_and_hold_gamma(real_data: Path, case: str) -> None:
    a = _analysis(real_data, case)
    band = a.params.zero_gamma.band_pct
    rows = strikes_that_matter(a, 10)
    assert rows.height > 0
    assert ((rows.get_column("strike") / a.snapshot.spot - 1).abs() <= band).all()
    assert (rows.get_column("gamma_share") > 0).all()
    score = rows.get_column("score").to_list()
    assert score == sorted(score, reverse=True)
    # The base system's ranking is still there, unchanged.
    base = report(a)["metrics"]["top_by_abs_mspi"]
    mspi = [abs(r["mspi"]) for r in base]
    assert mspi == sorted(mspi, reverse=True)


def test_sai_hidden_when_constant_and_units_given(real_data: Path) -> None:
    data = report(_analysis(real_data, "spx_20230405_post"))
    m = data["metrics"]
    shown = {r["sai"] for r in m["strikes_that_matter"]["rows"]}
    if len(shown) == 1:
        assert m["sai_constant"] == pytest.approx(shown.pop())
        assert "structurally opposite" in m["sai_note"]
        table = _text(data).split("Strikes that matter")[1]
        header = next(line for line in table.splitlines() if "MSPI" in line and "share" in line)
        assert "SAI" not in header
    for key in ("dag_custom", "tdpi", "vri", "a_dag", "d_tdpi", "vri_2_0"):
        assert "delta-shares" in METRIC_UNITS[key]
    assert m["units"] == METRIC_UNITS


def test_levels_legend_is_true(real_data: Path) -> None:
    text = _text(report(_analysis(real_data, "spx_20230405_post")))
    assert "m multi" in text
    assert "two stars is low" in text
