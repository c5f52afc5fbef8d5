"""The enhanced MSPI: base MSPI weights on the adaptive counterparts; levels can read it."""

from __future__ import annotations

import math

import polars as pl
import pytest

from eots.adaptive.mspi_enhanced import enhanced_weights, mspi_enhanced
from eots.levels.timeframes import strike_mspi

STRIKES = pl.DataFrame(
    {
        "strike": [95.0, 100.0, 105.0],
        "mspi": [0.5, -1.0, 0.25],
        "a_dag": [2.0, -4.0, 1.0],
        "e_sdag_composite": [10.0, 5.0, -20.0],
        "d_tdpi": [0.0, 3.0, -1.0],
        "vri_2_0": [-8.0, 2.0, 4.0],
    }
)
WEIGHTS = {
    "dag_custom": 0.3,
    "tdpi": 0.2,
    "vri": 0.2,
    "sdag_multiplicative": 0.1,
    "sdag_directional": 0.1,
    "sdag_weighted": 0.1,
}


def _by_hand() -> list[float]:
    n = {
        "a_dag": [0.5, -1.0, 0.25],
        "e_sdag_composite": [0.5, 0.25, -1.0],
        "d_tdpi": [0.0, 1.0, -1 / 3],
        "vri_2_0": [-1.0, 0.25, 0.5],
    }
    w = {"a_dag": 0.3, "d_tdpi": 0.2, "vri_2_0": 0.2, "e_sdag_composite": 0.3}
    raw = [sum(w[k] * n[k][i] for k in w) for i in range(3)]
    peak = max(abs(x) for x in raw)
    return [x / peak for x in raw]


def test_enhanced_mspi_matches_a_hand_computation() -> None:
    got = mspi_enhanced(STRIKES, WEIGHTS).to_list()
    assert got == pytest.approx(_by_hand(), abs=1e-12)


@pytest.mark.parametrize("drop", ["a_dag", "e_sdag_composite", "d_tdpi", "vri_2_0"])
def test_each_adaptive_component_moves_the_enhanced_mspi(drop: str) -> None:
    got = mspi_enhanced(STRIKES.drop(drop), WEIGHTS).to_list()
    assert got != pytest.approx(_by_hand(), abs=1e-6)


def test_sdag_weights_are_summed_onto_e_sdag_and_renormalised() -> None:
    w = enhanced_weights(WEIGHTS, ["a_dag", "e_sdag_composite"])
    assert w == {"a_dag": pytest.approx(0.5), "e_sdag_composite": pytest.approx(0.5)}
    assert enhanced_weights(WEIGHTS, ["strike"]) == {}
    assert all(math.isnan(x) for x in mspi_enhanced(STRIKES.select("strike"), WEIGHTS))


def test_levels_read_the_chosen_mspi() -> None:
    frame = STRIKES.with_columns(mspi_enhanced(STRIKES, WEIGHTS))
    base = strike_mspi(frame, "base").get_column("mspi").to_list()
    enhanced = strike_mspi(frame, "enhanced").get_column("mspi").to_list()
    both = strike_mspi(frame, "both").get_column("mspi").to_list()
    assert base == [0.5, -1.0, 0.25]
    assert enhanced == pytest.approx(_by_hand())
    assert both == pytest.approx([(a + b) / 2 for a, b in zip(base, _by_hand(), strict=True)])
