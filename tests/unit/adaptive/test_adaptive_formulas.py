"""Known answers for A-DAG, E-SDAG, D-TDPI and VRI 2.0 from their factor columns.

Each product is computed by hand on two contracts; the parametrised cases set one factor to a
neutral value (1, or 0 for the beta term) and require the result to change, so deleting any factor
from the formula fails a test.
"""

from __future__ import annotations

import pytest

from eots.adaptive.a_dag import a_dag_value
from eots.adaptive.d_tdpi import d_tdpi_value
from eots.adaptive.e_sdag import e_sdag_columns, e_sdag_composite
from eots.adaptive.params import ESdagParams, Vri2Params
from eots.adaptive.vri_2_0 import vri_2_0_factors, vri_2_0_value
from eots.metrics import BaseMetricParams
from unit.adaptive.working_case import column, columns, working


def w(name: str) -> str:
    """Name a working exposure in the row tables below."""
    return f"_a_{name}"


def _split(
    rows: dict[str, list[float]],
) -> tuple[dict[str, list[float | None]], dict[str, list[float | None]]]:
    exposures = {k[3:]: list(v) for k, v in rows.items() if k.startswith("_a_")}
    factors = {k: list(v) for k, v in rows.items() if not k.startswith("_a_")}
    return exposures, factors  # type: ignore[return-value]


D_TDPI_ROWS = {
    w("charmxoi"): [4.0, -2.0],
    w("txoi"): [-3.0, 5.0],
    "d_tdpi_beta": [0.5, 2.0],
    "d_tdpi_charm_ratio": [2.0, 0.25],
    "d_tdpi_norm_theta_flow": [0.8, -0.5],
    "d_tdpi_time_weight": [1.3, 1.3],
    "d_tdpi_proximity": [0.9, 0.4],
    "d_tdpi_cluster_factor": [1.2, 1.0],
    "d_tdpi_charm_acceleration": [1.1, 0.7],
}


def _d_tdpi_hand(rows: dict[str, list[float]]) -> list[float]:
    out = []
    for i in range(2):
        r = {k: v[i] for k, v in rows.items()}
        sign = 1.0 if r[w("txoi")] > 0 else -1.0
        out.append(
            r[w("charmxoi")]
            * sign
            * (1.0 + r["d_tdpi_beta"] * r["d_tdpi_charm_ratio"])
            * r["d_tdpi_norm_theta_flow"]
            * r["d_tdpi_time_weight"]
            * r["d_tdpi_proximity"]
            * r["d_tdpi_cluster_factor"]
            * r["d_tdpi_charm_acceleration"]
        )
    return out


def _d_tdpi(rows: dict[str, list[float]]) -> list[float]:
    exposures, factors = _split(rows)
    return d_tdpi_value(working(exposures), columns(factors)).v.tolist()  # type: ignore[no-any-return]


def test_d_tdpi_known_answer() -> None:
    assert _d_tdpi(D_TDPI_ROWS) == pytest.approx(_d_tdpi_hand(D_TDPI_ROWS), rel=1e-12)
    # row 0 by hand: 4 * -1 * (1 + 0.5*2) * 0.8 * 1.3 * 0.9 * 1.2 * 1.1
    assert _d_tdpi(D_TDPI_ROWS)[0] == pytest.approx(-4 * 2 * 0.8 * 1.3 * 0.9 * 1.2 * 1.1)


@pytest.mark.parametrize(
    ("factor", "neutral"),
    [
        ("d_tdpi_beta", 0.0),
        ("d_tdpi_norm_theta_flow", 1.0),
        ("d_tdpi_time_weight", 1.0),
        ("d_tdpi_proximity", 1.0),
        ("d_tdpi_cluster_factor", 1.0),
        ("d_tdpi_charm_acceleration", 1.0),
    ],
)
def test_d_tdpi_every_factor_moves_the_value(factor: str, neutral: float) -> None:
    rows = {**D_TDPI_ROWS, factor: [neutral, neutral]}
    assert _d_tdpi(rows) == pytest.approx(_d_tdpi_hand(rows))
    assert _d_tdpi(rows)[0] != pytest.approx(_d_tdpi(D_TDPI_ROWS)[0])


VRI_ROWS = {
    w("vannaxoi"): [6.0, -4.0],
    w("vxoi"): [2.0, -1.0],
    "vri_2_0_gamma_coeff": [0.5, 1.5],
    "vri_2_0_vanna_ratio": [2.0, 0.2],
    "vri_2_0_norm_vega_flow": [0.7, -0.3],
    "vri_2_0_vol_context_weight": [1.2, 1.2],
    "vri_2_0_vomma_factor": [1.4, 1.05],
    "vri_2_0_term_factor": [1.1, 1.1],
    "vri_2_0_surface_factor": [0.9, 0.9],
}


def _vri(rows: dict[str, list[float]]) -> list[float]:
    exposures, factors = _split(rows)
    return vri_2_0_value(working(exposures), columns(factors)).v.tolist()  # type: ignore[no-any-return]


def test_vri_2_0_known_answer() -> None:
    # row 0: 6 * sgn(2) * (1 + 0.5*2) * 0.7 * 1.2 * 1.4 * 1.1 * 0.9
    assert _vri(VRI_ROWS)[0] == pytest.approx(6 * 2.0 * 0.7 * 1.2 * 1.4 * 1.1 * 0.9)
    assert _vri(VRI_ROWS)[1] == pytest.approx(-4 * -1 * 1.3 * -0.3 * 1.2 * 1.05 * 1.1 * 0.9)


@pytest.mark.parametrize(
    "factor",
    [
        "vri_2_0_norm_vega_flow",
        "vri_2_0_vol_context_weight",
        "vri_2_0_vomma_factor",
        "vri_2_0_term_factor",
        "vri_2_0_surface_factor",
        "vri_2_0_vanna_ratio",
    ],
)
def test_vri_2_0_every_factor_moves_the_value(factor: str) -> None:
    rows = {**VRI_ROWS, factor: [1.0, 1.0]}
    assert _vri(rows)[0] != pytest.approx(_vri(VRI_ROWS)[0])


def test_vri_2_0_vomma_factor_is_one_plus_enhancement_times_normalised_vomma() -> None:
    work = working(
        {"vommaxoi": [2.0, -8.0, 0.0], "vxoi": [1.0, 1.0, 1.0]},
        flows={"vega": [1.0, 2.0, 3.0], "vanna": [1.0, 1.0, 1.0], "vomma": [1.0, 1.0, 1.0]},
        reused={"gamma_coeff": [1.0, 1.0, 1.0], "vanna_flow_to_vanna_oi_ratio": [1.0, 1.0, 1.0]},
    )
    params = Vri2Params()
    out = vri_2_0_factors(work, params, BaseMetricParams(), vol_context=1.0, term=1.0, surface=1.0)
    got = out["vri_2_0_vomma_factor"].v.tolist()
    e = params.vomma_enhancement_factor
    assert e != 1.0
    assert got == pytest.approx([1 + (e - 1) * 0.25, 1 + (e - 1) * 1.0, 1.0])


A_DAG_ROWS = {
    w("gxoi"): [5.0, 3.0],
    w("dxoi"): [-2.0, 4.0],
    "a_dag_volume_weight": [1.4, 1.1],
    "a_dag_alpha": [1.3, 0.7],
    "a_dag_flow_ratio": [0.5, 0.25],
    "a_dag_dte_scale": [1.5, 0.8],
    "a_dag_norm_gamma_flow": [0.6, -0.9],
    "a_dag_decay": [1.2, 0.9],
}


def _a_dag(rows: dict[str, list[float]]) -> list[float]:
    exposures, factors = _split(rows)
    return a_dag_value(working(exposures), columns(factors)).v.tolist()  # type: ignore[no-any-return]


def test_a_dag_known_answer() -> None:
    # row 0: 5 * 1.4 * sgn(-2) * (1 + 1.3 * 0.5 * 1.5) * 0.6 * 1.2
    assert _a_dag(A_DAG_ROWS)[0] == pytest.approx(-5 * 1.4 * (1 + 1.3 * 0.5 * 1.5) * 0.6 * 1.2)
    assert _a_dag(A_DAG_ROWS)[1] == pytest.approx(3 * 1.1 * (1 + 0.7 * 0.25 * 0.8) * -0.9 * 0.9)


@pytest.mark.parametrize(
    "factor",
    [
        "a_dag_volume_weight",
        "a_dag_alpha",
        "a_dag_flow_ratio",
        "a_dag_dte_scale",
        "a_dag_norm_gamma_flow",
        "a_dag_decay",
    ],
)
def test_a_dag_every_factor_moves_the_value(factor: str) -> None:
    rows = {**A_DAG_ROWS, factor: [1.0, 1.0]}
    assert _a_dag(rows)[0] != pytest.approx(_a_dag(A_DAG_ROWS)[0])


def test_e_sdag_skew_pieces_and_adjusted_gex_known_answer() -> None:
    # two contracts: iv 0.30 and 0.20 on expiries with ATM IV 0.25 and 0.20
    work = working(
        {"gxoi": [10.0, 4.0], "dxoi": [5.0, -2.0], "iv": [0.30, 0.20]},
        reused={"dxoi_norm_for_sdag": [1.0, -0.4]},
    )
    pieces = (column([0.25, 0.20]), column([1.1, None]), column([0.9, 1.2]))
    p = ESdagParams()
    out = e_sdag_columns(work, p, BaseMetricParams(), pieces)
    smile0 = 1 + p.smile_sensitivity * (0.30 / 0.25 - 1)  # 1.1 with the default 0.5
    assert out["e_sdag_smile_factor"].v.tolist() == pytest.approx([smile0, 1.0])
    assert out["e_sdag_term_factor"].v.tolist() == pytest.approx([1.1, 1.0])  # null -> 1
    assert out["e_sdag_intraday_skew_factor"].v.tolist() == pytest.approx([0.9, 1.2])
    skew = [smile0 * 1.1 * 0.9, 1.0 * 1.0 * 1.2]
    assert out["e_sdag_skew_factor"].v.tolist() == pytest.approx(skew)
    assert out["e_sdag_skew_adjusted_gex"].v.tolist() == pytest.approx([10 * skew[0], 4 * skew[1]])
    f = BaseMetricParams().sdag.multiplicative.delta_weight_factor
    expected = [10 * skew[0] * (1 + 1.0 * f), 4 * skew[1] * (1 - 0.4 * f)]
    assert out["e_sdag_multiplicative"].v.tolist() == pytest.approx(expected)


def test_e_sdag_composite_is_the_weighted_sum_of_the_methods() -> None:
    methods = columns(
        {
            "e_sdag_multiplicative": [1.0, 2.0],
            "e_sdag_directional": [3.0, None],
            "e_sdag_weighted": [-1.0, 1.0],
            "e_sdag_volatility_focused": [2.0, 2.0],
        }
    )
    weights = {
        "multiplicative": 0.4,
        "directional": 0.2,
        "weighted": 0.3,
        "volatility_focused": 0.1,
    }
    out = e_sdag_composite(methods, weights)
    assert out["e_sdag_composite"].v[0] == pytest.approx(0.4 * 1 + 0.2 * 3 - 0.3 * 1 + 0.1 * 2)
    assert out["e_sdag_composite"].null.tolist() == [False, True]
    assert out["e_sdag_weight_directional"].v.tolist() == [0.2, 0.2]
