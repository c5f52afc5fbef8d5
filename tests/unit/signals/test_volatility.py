"""Volatility family (framework.md 3.2): regimes, regime-aware thresholds, term, divergence."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from eots.signals import ClaimKind, Horizon, SignalParams, SignalReport, SignalState, signals
from eots.signals.params import VolatilityParams
from eots.signals.volatility import claim_horizon, volatility_regime
from signal_builders import bars, et, hand_inputs, strike_metrics, term

_VFI = strike_metrics(vfi=math.exp(0.5))  # tanh(ln VFI) = tanh(0.5)


def _run(front: float, back: float, **kw: Any) -> SignalReport:
    inputs = hand_inputs(metrics=_VFI, **kw)
    inputs = dataclasses.replace(inputs, term=term(front, back, as_of=inputs.as_of))
    return signals(inputs, SignalState(), SignalParams())[0]


def test_volatility_composite_hand_value_contraction_claim() -> None:
    report = _run(0.10, 0.20)
    s = report.scores
    assert math.isclose(s["volatility.gamma"], -1.0)  # every strike long gamma
    assert math.isclose(s["volatility.flow"], math.tanh(0.5))
    structure = 0.6 * -1.0 + 0.4 * math.tanh(0.5)
    term_score = math.tanh((0.10 / 0.20 - 1.0 + 0.05) / 0.1)  # centred on a 5 % contango
    assert math.isclose(s["volatility.term"], term_score)
    assert math.isclose(s["volatility.composite"], (0.3 * structure + 0.4 * term_score) / 0.7)
    sig = next(x for x in report.signals if x.claim.kind is ClaimKind.VOLATILITY and not x.baseline)
    assert sig.name == "volatility.contraction"
    assert sig.direction == -1
    assert sig.claim.reference == 0.10
    assert sig.claim.horizon is Horizon.CLOSE
    assert report.integration.volatility_regime == "normal"


def test_volatility_divergence_from_realised_vol() -> None:
    rng = np.random.default_rng(3)
    closes = list(5000.0 * np.exp(np.cumsum(rng.normal(0, 0.002, 30))))
    report = _run(0.15, 0.15, bars=bars(closes, end=et(15)))
    r = np.diff(np.log(np.asarray(closes)))[-20:]
    rv = float(np.std(r, ddof=1) * math.sqrt(252 * 390 / 5))
    assert math.isclose(report.scores["volatility.divergence"], math.tanh((rv / 0.15 - 1) / 0.3))
    structure = 0.6 * -1.0 + 0.4 * math.tanh(0.5)
    term_score = math.tanh(0.05 / 0.1)  # flat term: flatter than the ordinary contango
    expected = 0.3 * structure + 0.4 * term_score + 0.3 * math.tanh((rv / 0.15 - 1) / 0.3)
    assert math.isclose(report.scores["volatility.composite"], expected)


@pytest.mark.parametrize(
    ("front", "back", "pct", "regime"),
    [
        (0.30, 0.20, None, "stressed"),
        (0.30, 0.20, 0.1, "stressed"),
        (0.14, 0.15, 0.9, "elevated"),
        (0.14, 0.15, 0.1, "calm"),
        (0.14, 0.15, 0.5, "normal"),
        (0.20, 0.26, None, "elevated"),
        (0.10, 0.11, None, "calm"),
        (None, None, None, "normal"),
    ],
)
def test_volatility_regime_table(
    front: float | None, back: float | None, pct: float | None, regime: str
) -> None:
    assert volatility_regime(front, back, pct, VolatilityParams()) == regime


def test_regime_aware_threshold() -> None:
    stressed = _run(0.30, 0.20)
    assert stressed.integration.volatility_regime == "stressed"
    assert math.isclose(stressed.scores["volatility.threshold"], 0.3 * (1 + 0.5 * 0.4))
    calm = _run(0.10, 0.11)
    assert math.isclose(calm.scores["volatility.threshold"], 0.3 * (1 - 0.5 * 0.2))


def test_close_horizon_moves_to_next_session_near_the_close() -> None:
    assert claim_horizon(Horizon.CLOSE, 20.0) is Horizon.NEXT_SESSION
    assert claim_horizon(Horizon.CLOSE, 45.0) is Horizon.CLOSE
    assert claim_horizon(Horizon.MIN_30, 5.0) is Horizon.MIN_30


def test_term_short_end_skips_the_expiring_front() -> None:
    # a 0DTE IV of 40 % hours before settlement does not make the curve inverted
    inputs = hand_inputs(metrics=_VFI)
    inputs = dataclasses.replace(inputs, term=term(0.40, 0.15, as_of=inputs.as_of, week_iv=0.135))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert math.isclose(
        report.scores["volatility.term"], math.tanh((0.135 / 0.15 - 1 + 0.05) / 0.1)
    )
    assert report.integration.volatility_regime == "normal"
