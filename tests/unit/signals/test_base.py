"""The base system's eight signals (base_system.md 6.1) on hand-built strike metrics."""

from __future__ import annotations

import math

import numpy as np

from eots.signals import Signal, SignalParams, SignalReport, SignalState, signals
from eots.signals.base import points_strength
from eots.signals.scale import stars
from signal_builders import STRIKES, et, front_contracts, hand_inputs, strike_metrics

_AT = STRIKES == 5000.0


def _one(column: str, value: float, base: float = 0.0) -> np.ndarray:
    return np.where(_AT, value, base)


def _base(report: SignalReport, name: str) -> list[Signal]:
    return [x for x in report.signals + report.suppressed if x.name == name]


def test_base_directional_points_and_stars() -> None:
    metrics = strike_metrics(sai=_one("sai", 0.9), mspi=_one("mspi", -0.4))
    report, _ = signals(hand_inputs(metrics=metrics), SignalState(), SignalParams())
    (sig,) = _base(report, "base.directional")
    points = 3.0 + 2.0 * (0.9 - 0.7)  # 3.4 points: between 3 (0.7) and 4 (0.9)
    assert math.isclose(sig.strength, 0.7 + 0.4 * 0.2)
    assert sig.stars == 4
    assert sig.direction == -1
    assert sig.baseline
    assert sig.strike == 5000.0
    assert next(e.value for e in sig.evidence if e.metric == "points") == points


def test_base_points_keep_the_original_star_count() -> None:
    ladder = (0.5, 1.0, 2.0, 3.0, 4.0)
    for points, expected in ((0.4, 0), (0.5, 1), (1.5, 2), (2.0, 3), (3.9, 4), (4.0, 5)):
        assert stars(float(points_strength(np.array([points]), ladder)[0])) == expected


def test_base_sdag_conviction_counts_agreeing_methods() -> None:
    metrics = strike_metrics(
        sdag_multiplicative=_one("", 1.0),
        sdag_directional=_one("", 2.0),
        sdag_weighted=_one("", 3.0),
        sdag_volatility_focused=_one("", -1.0),
    )
    report, _ = signals(hand_inputs(metrics=metrics), SignalState(), SignalParams())
    (sig,) = _base(report, "base.sdag_conviction")
    assert sig.direction == 1
    assert math.isclose(
        sig.strength, float(points_strength(np.array([1 + 0.75 * 3]), (0.5, 1.0, 2.0, 3.0, 4.0))[0])
    )


def test_base_pin_risk_and_charm_cascade() -> None:
    tdpi = _one("", 10.0, 1.0)  # mean 1.43: T = 2.14; 10 fires
    metrics = strike_metrics(tdpi=tdpi, ctr=_one("", 2.0), tdfi=_one("", 1.5))
    contracts = front_contracts(charm=3e6)  # dealer delta rises: they sell
    inputs = hand_inputs(metrics=metrics, as_of=et(13), contracts=contracts)
    report, _ = signals(inputs, SignalState(), SignalParams())
    (pin,) = _base(report, "base.pin_risk")
    t = 1.5 * float(np.mean(tdpi))
    assert next(e.value for e in pin.evidence) == 1.5 + 0.5 * (10.0 - t)
    assert pin.claim.strike == 5000.0
    assert pin.claim.kind.value == "pin"
    (cascade,) = _base(report, "base.charm_cascade")
    assert next(e.value for e in cascade.evidence) == 1.5 + 0.3 * 2.0 + 0.3 * 1.5
    assert cascade.direction == -1


def test_base_charm_cascade_without_charm_has_no_direction_and_is_dropped() -> None:
    metrics = strike_metrics(ctr=_one("", 2.0), tdfi=_one("", 1.5))
    report, _ = signals(hand_inputs(metrics=metrics), SignalState(), SignalParams())
    assert _base(report, "base.charm_cascade") == []


def test_base_keeps_at_most_max_per_signal_strikes() -> None:
    metrics = strike_metrics(sai=0.9, mspi=0.5)
    report, _ = signals(hand_inputs(metrics=metrics), SignalState(), SignalParams())
    kept = _base(report, "base.directional")
    assert len(kept) == 3
    assert sorted(x.strike or 0.0 for x in kept) == [4995.0, 5000.0, 5005.0]  # ties: nearest spot
