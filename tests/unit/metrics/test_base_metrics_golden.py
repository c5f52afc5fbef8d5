"""Golden values for every base metric on a 3-contract chain, hand-computed in the test.

Chain (spot 100, ATR 2, as_of 12:00 ET = midday session, p = 150/390), one expiry:

====  =====  ====  ====  ====  ====  =====  =====  ====  ==========================
row   K      dxoi  gxoi  vxoi  txoi  vanna  charm  vomma direct flows (buy - sell)
====  =====  ====  ====  ====  ====  =====  =====  ====  ==========================
c1    100 C  50    4     10    -5    2      -1     3     d 20, g 1, v 4, t -2
c2    100 P  -40   4     12    -6    -2     1.5    3     d 20, g -2, v -4, t 2
c3    105 C  20    2     5     -2    1      -0.5   1     d 4, g .5, v 1, t -.5
====  =====  ====  ====  ====  ====  =====  =====  ====  ==========================

Second-order flow proxies (greek x volume): charm [-0.5, 0.3, -0.2], vanna [1, -0.5, 0.4],
vomma [2, 1, 0.5]. Every expected number below is written out from the formulas of
base_system.md section 3, not produced by eots.metrics.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from eots.core.time import ET
from eots.metrics import (
    BaseMetricParams,
    MetricInputs,
    SdagParams,
    SdagWeightedParams,
    SdagWeightedUnits,
    base_metrics,
)

AS_OF = dt.datetime(2024, 3, 13, 12, 0, tzinfo=ET)
SPOT = 100.0
TW = 1.0 + (150.0 / 390.0) ** 2  # quadratic time weight at 12:00
INPUTS = MetricInputs(as_of=AS_OF, spot=SPOT, atr=2.0, underlying_iv=0.20, iv_5d=0.16)


def chain(*, flows: bool = True) -> pl.DataFrame:
    base = {
        "strike": [100.0, 100.0, 105.0],
        "right": ["C", "P", "C"],
        "expiry": [dt.date(2024, 3, 15)] * 3,
        "settlement": ["PM"] * 3,
        "expiry_ts": [dt.datetime(2024, 3, 15, 20, tzinfo=dt.UTC)] * 3,
        "t_years": [2.2 / 365.0] * 3,
        "forward": [100.0] * 3,
        "iv": [0.2, 0.21, 0.19],
        "delta": [0.5, -0.4, 0.2],
        "volume": [4.0, 3.0, 1.0],
        "multiplier": [100.0] * 3,
        "exposure_ok": [True] * 3,
        "dealer_sign": [1.0, -1.0, 1.0],
        "dxoi": [50.0, -40.0, 20.0],
        "gxoi": [4.0, 4.0, 2.0],
        "vxoi": [10.0, 12.0, 5.0],
        "txoi": [-5.0, -6.0, -2.0],
        "vannaxoi": [2.0, -2.0, 1.0],
        "charmxoi": [-1.0, 1.5, -0.5],
        "vommaxoi": [3.0, 3.0, 1.0],
        "dxvolm": [8.0, -6.0, 2.0],
        "gxvolm": [0.8, 0.6, 0.2],
        "vxvolm": [2.0, 3.0, 0.5],
        "txvolm": [-1.0, -1.5, -0.4],
        "vannaxvolm": [1.0, -0.5, 0.4],
        "charmxvolm": [-0.5, 0.3, -0.2],
        "vommaxvolm": [2.0, 1.0, 0.5],
    }
    if flows:
        base |= {
            "deltas_buy": [30.0, -5.0, 4.0],
            "deltas_sell": [10.0, -25.0, 0.0],
            "gammas_buy": [2.0, 1.0, 0.5],
            "gammas_sell": [1.0, 3.0, 0.0],
            "vegas_buy": [6.0, 2.0, 1.0],
            "vegas_sell": [2.0, 6.0, 0.0],
            "thetas_buy": [1.0, 3.0, 0.0],
            "thetas_sell": [3.0, 1.0, 0.5],
            "volm_buy": [3.0, 1.0, 1.0],
            "volm_sell": [1.0, 2.0, 0.0],
            "value_buy": [300.0, 100.0, 50.0],
            "value_sell": [100.0, 200.0, 0.0],
            "volm_bs": [2.0, -1.0, 1.0],
            "value_bs": [200.0, -100.0, 50.0],
        }
    return pl.DataFrame(base, schema_overrides={"right": pl.Enum(["C", "P"])})


def n(xs: list[float]) -> list[float]:
    peak = max(abs(x) for x in xs)
    return [x / peak for x in xs]


def col(frame: pl.DataFrame, name: str) -> list[float]:
    return frame.get_column(name).to_list()


# --- expected per-contract values, written out --------------------------------------------------
DAG = [
    4 * 1 * (1 + 1.3 * 20 / 50) * (1 / 2),  # alpha aligned, n(F_gamma) = 1/2
    4 * -1 * (1 + 0.7 * 20 / 40) * (-2 / 2),  # alpha opposed (flow +, dxoi -)
    2 * 1 * (1 + 1.3 * 4 / 20) * (0.5 / 2),
]
DN = [50 / 50, -40 / 50, 20 / 50]
SDAG_MULT = [4 * (1 + DN[0] * 0.5), 4 * (1 + DN[1] * 0.5), 2 * (1 + DN[2] * 0.5)]
SDAG_DIR = [4 * 1 * (1 + 0.5), 4 * -1 * (1 + 0.4), 2 * 1 * (1 + 0.2)]
SDAG_W_RESCALED = [
    0.6 * 4 + 0.4 * 50 * 4 / 50,
    0.6 * 4 - 0.4 * 40 * 4 / 50,
    0.6 * 2 + 0.4 * 20 * 4 / 50,
]
SDAG_W_RAW = [0.6 * 4 + 0.4 * 50, 0.6 * 4 - 0.4 * 40, 0.6 * 2 + 0.4 * 20]
SDAG_VF = SDAG_MULT  # gxoi >= 0, so sgn(G) = 1
PROX3 = math.exp(-0.5 * (5 / 2) ** 2)
TDPI = [
    -1 * -1 * (1 + 1.3 * 0.5 / 1) * (-2 / 2) * TW * 1.0,
    1.5 * -1 * (1 + 1.3 * 0.3 / 1.5) * (2 / 2) * TW * 1.0,
    -0.5 * -1 * (1 + 1.3 * 0.2 / 0.5) * (-0.5 / 2) * TW * PROX3,
]
CTR = [0.5 / 2, 0.3 / 2, 0.2 / 0.5]
TDFI = [(2 / 2) / (5 / 6), (2 / 2) / (6 / 6), (0.5 / 2) / (2 / 6)]
SKEW = 1 + (12 - (10 + 5)) / (12 + 15)
TREND = 1 + (0.20 - 0.16) / 0.16
VRI = [
    2 * 1 * (1 + 1.3 * 1 / 2) * (2 / 2) * SKEW * TREND,
    -2 * 1 * (1 + 1.3 * 0.5 / 2) * (1 / 2) * SKEW * TREND,
    1 * 1 * (1 + 1.3 * 0.4 / 1) * (0.5 / 2) * SKEW * TREND,
]
VVR = [1 / 2, 0.5 / 1, 0.4 / 0.5]
VFI = [(4 / 4) / (10 / 12), (4 / 4) / (12 / 12), (1 / 4) / (5 / 12)]
ARFI = [
    (20 / 50 + 0.5 / 1 + 1 / 2) / 3,
    (20 / 40 + 0.3 / 1.5 + 0.5 / 2) / 3,
    (4 / 20 + 0.4 + 0.4) / 3,
]
MIDDAY = {"dag": 0.3, "tdpi": 0.3, "vri": 0.2, "mult": 0.2}


def test_base_metrics_golden_per_contract() -> None:
    out = base_metrics(chain(), INPUTS).contracts
    for name, expected in [
        ("dag_custom", DAG),
        ("sdag_multiplicative", SDAG_MULT),
        ("sdag_directional", SDAG_DIR),
        ("sdag_weighted", SDAG_W_RESCALED),
        ("sdag_volatility_focused", SDAG_VF),
        ("tdpi", TDPI),
        ("ctr", CTR),
        ("tdfi", TDFI),
        ("vri", VRI),
        ("vvr", VVR),
        ("vfi", VFI),
        ("arfi", ARFI),
    ]:
        assert col(out, name) == pytest.approx(expected, rel=1e-12), name
    assert col(out, "skew_factor") == pytest.approx([SKEW] * 3)
    assert col(out, "time_weight") == pytest.approx([TW] * 3)
    assert out.get_column("dag_flow").to_list() == ["direct"] * 3
    assert out.get_column("vri_flow").to_list() == ["proxy"] * 3


def test_base_metrics_golden_mspi_sai_ssi() -> None:
    out = base_metrics(chain(), INPUTS)
    assert out.mspi_weight_set == "midday"
    comps = {"dag": n(DAG), "tdpi": n(TDPI), "vri": n(VRI), "mult": n(SDAG_MULT)}
    raw = [sum(MIDDAY[k] * comps[k][i] for k in MIDDAY) for i in range(3)]
    assert col(out.contracts, "mspi") == pytest.approx(n(raw), rel=1e-12)
    sai = []
    ssi = []
    for i in range(3):
        s = [math.copysign(1, comps[k][i]) for k in ("dag", "tdpi", "vri")]
        sai.append((s[0] * s[1] + s[0] * s[2] + s[1] * s[2]) / 3)
        values = [comps[k][i] for k in MIDDAY]
        mean = sum(values) / 4
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / 4)
        ssi.append(min(1.0, max(0.0, 1 - std)))
    assert col(out.contracts, "sai") == pytest.approx(sai)
    assert col(out.contracts, "ssi") == pytest.approx(ssi)


def test_sdag_weighted_raw_mix_reproduces_original() -> None:
    params = BaseMetricParams(
        sdag=SdagParams(weighted=SdagWeightedParams(units=SdagWeightedUnits.RAW_MIX))
    )
    out = base_metrics(chain(), INPUTS, params).contracts
    assert col(out, "sdag_weighted") == pytest.approx(SDAG_W_RAW)


def test_base_metrics_golden_per_strike() -> None:
    strikes = base_metrics(chain(), INPUTS).strikes
    assert col(strikes, "strike") == [100.0, 105.0]
    assert col(strikes, "dag_custom") == pytest.approx([DAG[0] + DAG[1], DAG[2]])
    assert col(strikes, "tdpi") == pytest.approx([TDPI[0] + TDPI[1], TDPI[2]])
    # CTR at K=100: |-0.5 + 0.3| / |-2 + 2| -> undefined (NaN), not 0 and not the first row.
    ctr = col(strikes, "ctr")
    assert math.isnan(ctr[0])
    assert ctr[1] == pytest.approx(0.2 / 0.5)
    assert col(strikes, "vvr") == pytest.approx([abs(1 - 0.5) / abs(2 + 1), 0.4 / 0.5])
    # ARFI from sums: |20+20|/|50-40|, |-0.5+0.3|/|-1+1.5|, |1-0.5|/|2-2| (undefined: left out)
    assert col(strikes, "arfi") == pytest.approx([(40 / 10 + 0.2 / 0.5) / 2, ARFI[2]])
    # TDFI from sums: n_s|sum F_theta| = [0, 1] ; n_s|sum txoi| = [11/11, 2/11]
    assert col(strikes, "tdfi") == pytest.approx([0.0, 1 / (2 / 11)])
    assert col(strikes, "net_volume_pressure") == pytest.approx([(3 + 2) - (1 + 1), 1.0])
    assert col(strikes, "net_delta_flow_calls") == pytest.approx([20.0, 4.0])
    assert col(strikes, "net_delta_flow_puts") == pytest.approx([20.0, 0.0])
    assert col(strikes, "true_net_value_flow") == pytest.approx([100.0, 50.0])
    assert col(strikes, "net_theta_exposure") == pytest.approx([0.0, -0.5])
    mspi = col(strikes, "mspi")
    assert all(-1 <= m <= 1 for m in mspi)
    assert max(abs(m) for m in mspi) == pytest.approx(1.0)
