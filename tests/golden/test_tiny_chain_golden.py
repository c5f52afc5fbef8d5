"""End to end on a four-contract chain whose every number is worked out here by hand.

Forward from parity at the one two-sided strike (5000): F = K + (C - P) / D, D = exp(-r t).
The wings carry source IVs and no quotes, so their IV is the source's. Gammas come from the
scalar oracle (``tests/oracles``), never from the code under test.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from builders import Row, et, tiny_chain
from eots.pipeline import AnalysisParams, analyze
from oracles import black_scholes_scalar as ref

EXPIRY = dt.date(2024, 3, 15)  # Friday, SPXW PM settlement 16:00 ET
AS_OF = et(2024, 3, 13, 14, 0)  # 50 hours before settlement
SPOT = 5000.0
R = AnalysisParams().pricing.rate
T = 50.0 / (365.0 * 24.0)
C_MID, P_MID = 30.0, 28.0
F = 5000.0 + (C_MID - P_MID) / math.exp(-R * T)
Q = R - math.log(F / SPOT) / T
ROWS = [
    Row("SPXW", EXPIRY, 4950.0, "P", open_interest=2000, iv=0.15),
    Row("SPXW", EXPIRY, 5000.0, "C", bid=29.5, ask=30.5, open_interest=0),
    Row("SPXW", EXPIRY, 5000.0, "P", bid=27.5, ask=28.5, open_interest=0),
    Row("SPXW", EXPIRY, 5050.0, "C", open_interest=1500, iv=0.12),
]


def _gex(k: float, sigma: float, oi: int, sign: float, spot: float = SPOT) -> float:
    gamma = ref.gamma(sign > 0, spot, k, T, sigma, R, Q)
    return sign * gamma * oi * 100.0 * spot * spot * 0.01


def test_tiny_chain_forward_iv_and_exposures_match_hand_values() -> None:
    a = analyze(tiny_chain(ROWS, spot=SPOT, as_of=AS_OF))
    c = a.contracts
    assert c.get_column("t_years").to_list() == pytest.approx([T] * 4, rel=1e-12)
    assert c.get_column("forward").to_list() == pytest.approx([F] * 4, rel=1e-12)
    assert c.get_column("forward_method").cast(str).to_list() == ["parity"] * 4
    wings = c.filter(c.get_column("open_interest") > 0)
    assert wings.get_column("iv_origin").cast(str).to_list() == ["source", "source"]
    put_gex, call_gex = _gex(4950.0, 0.15, 2000, -1.0), _gex(5050.0, 0.12, 1500, 1.0)
    assert wings.get_column("gex_usd_per_pct").to_list() == pytest.approx(
        [put_gex, call_gex], rel=1e-9
    )
    assert a.totals.net_gex == pytest.approx(put_gex + call_gex, rel=1e-9)
    assert a.walls.call_wall_strike == 5050.0
    assert a.walls.put_wall_strike == 4950.0
    bigger = 4950.0 if abs(put_gex) > abs(call_gex) else 5050.0
    assert a.walls.abs_gamma_strike == bigger


def test_tiny_chain_zero_gamma_is_a_root_of_the_hand_profile() -> None:
    a = analyze(tiny_chain(ROWS, spot=SPOT, as_of=AS_OF))
    nearest = a.zero_gamma.nearest
    assert nearest is not None
    assert 4950.0 < nearest < 5050.0

    def profile(s: float) -> float:
        return _gex(4950.0, 0.15, 2000, -1.0, s) + _gex(5050.0, 0.12, 1500, 1.0, s)

    # The wider put smile also wins far in the upper tail: a second, genuine crossing.
    assert len(a.zero_gamma.crossings) == 2
    for x in a.zero_gamma.crossings:
        assert profile(x * (1 - 1e-7)) * profile(x * (1 + 1e-7)) < 0
