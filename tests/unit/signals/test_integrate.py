"""Integration (framework.md 4.2): weights, time-of-day, regimes, conflict resolution."""

from __future__ import annotations

import dataclasses
import math

from eots.signals import (
    Claim,
    ClaimKind,
    Horizon,
    Signal,
    SignalFamily,
    SignalParams,
    SignalState,
    signals,
)
from eots.signals.integrate import family_weights, market_regime, resolve_conflicts
from eots.signals.params import IntegrationParams
from signal_builders import SETTLE, bars, et, front_contracts, hand_inputs, strike_metrics

_EQUAL = dict.fromkeys(("directional", "volatility", "time_decay", "complex", "base"), 1.0)


def _signal(
    name: str,
    family: SignalFamily,
    kind: ClaimKind,
    direction: int,
    strength: float,
    *,
    strike: float | None = None,
    persistence: int = 1,
    baseline: bool = False,
) -> Signal:
    claim = Claim(
        kind=kind,
        horizon=Horizon.MIN_30,
        direction=direction,
        reference=5000.0 if kind is ClaimKind.DIRECTION else 0.15,
        strike=strike if kind is ClaimKind.PIN else None,
        distance=10.0 if kind is ClaimKind.PIN else None,
        settles_at=SETTLE if kind is ClaimKind.PIN else None,
    )
    return Signal(
        family=family,
        name=name,
        direction=direction,
        score=strength,
        strength=strength,
        stars=0,
        ts_event=et(15),
        claim=claim,
        strike=strike,
        persistence=persistence,
        baseline=baseline,
    )


_BULL = _signal("directional.composite", SignalFamily.DIRECTIONAL, ClaimKind.DIRECTION, 1, 0.6)
_BEAR = _signal("complex.composite", SignalFamily.COMPLEX, ClaimKind.DIRECTION, -1, 0.5)


def test_conflict_stronger_weighted_claim_wins_and_is_recorded() -> None:
    r = resolve_conflicts([_BEAR, _BULL], _EQUAL, None)
    assert r.standing == (_BULL,)
    assert r.suppressed == (_BEAR,)
    (c,) = r.conflicts
    assert (c.winner, c.loser) == ("directional.composite", "complex.composite")
    assert "opposite direction claims" in c.reason
    assert "0.600" in c.reason


def test_conflict_weights_decide_the_winner() -> None:
    r = resolve_conflicts([_BULL, _BEAR], {**_EQUAL, "complex": 2.0}, None)
    assert r.standing == (_BEAR,)
    learned = resolve_conflicts([_BULL, _BEAR], _EQUAL, {"complex.composite": 1.5})
    assert learned.standing == (_BEAR,)  # 0.75 > 0.6


def test_conflict_tie_broken_by_persistence() -> None:
    a = _signal("directional.composite", SignalFamily.DIRECTIONAL, ClaimKind.DIRECTION, 1, 0.5)
    b = _signal(
        "complex.composite", SignalFamily.COMPLEX, ClaimKind.DIRECTION, -1, 0.5, persistence=3
    )
    assert resolve_conflicts([a, b], _EQUAL, None).standing == (b,)


def test_conflict_pin_against_expansion_and_distant_pins() -> None:
    pin = _signal(
        "time_decay.pin_risk", SignalFamily.TIME_DECAY, ClaimKind.PIN, 0, 0.9, strike=5000.0
    )
    far = _signal(
        "base.pin_risk",
        SignalFamily.TIME_DECAY,
        ClaimKind.PIN,
        0,
        0.9,
        strike=5050.0,
        baseline=True,
    )
    near = _signal(
        "base.pin_risk",
        SignalFamily.TIME_DECAY,
        ClaimKind.PIN,
        0,
        0.9,
        strike=5005.0,
        baseline=True,
    )
    up = _signal("volatility.expansion", SignalFamily.VOLATILITY, ClaimKind.VOLATILITY, 1, 0.5)
    down = _signal("volatility.contraction", SignalFamily.VOLATILITY, ClaimKind.VOLATILITY, -1, 0.4)
    r = resolve_conflicts([up, far, pin, near, down], _EQUAL, None)
    assert set(r.standing) == {pin, near, down}
    assert set(r.suppressed) == {up, far}
    reasons = {c.loser: c.reason for c in r.conflicts}
    assert "quiet close" in reasons["volatility.expansion"]
    assert "50 apart" in reasons["base.pin_risk@5050"]
    assert "baseline" in reasons["base.pin_risk@5050"]


def test_framework_outranks_a_saturated_baseline() -> None:
    base = _signal(
        "base.directional",
        SignalFamily.DIRECTIONAL,
        ClaimKind.DIRECTION,
        -1,
        1.0,
        strike=5000.0,
        baseline=True,
    )
    weak_bull = dataclasses.replace(_BULL, strength=0.2)
    r = resolve_conflicts([base, weak_bull], _EQUAL, None)
    assert [s.name for s in r.standing] == ["directional.composite"]


def test_family_weights_time_of_day_and_regime() -> None:
    p = IntegrationParams()
    w = family_weights(0.5, "long_gamma_range", None, p)
    assert math.isclose(w["directional"], 1.0 * 1.0 * 0.8)
    assert math.isclose(w["time_decay"], 1.0 * 1.0 * 1.3)
    late = family_weights(0.875, "long_gamma_range", None, p)
    assert math.isclose(late["time_decay"], (1.3 + 1.6) / 2 * 1.3)
    learned = family_weights(0.5, "short_gamma_trend", {"directional": 2.0}, p)
    assert math.isclose(learned["directional"], 2.0 * 1.0 * 1.3)
    assert math.isclose(learned["volatility"], 1.0 * 0.9 * 1.2)


def test_market_regime_detection() -> None:
    assert market_regime(1.0, 0.1, "calm", 0.35) == "long_gamma_range"
    assert market_regime(-1.0, -0.5, "normal", 0.35) == "short_gamma_trend"
    assert market_regime(-1.0, 0.5, "stressed", 0.35) == "stressed"


def test_contradictory_inputs_resolve_as_documented_end_to_end() -> None:
    # bullish chain structure against a charm cascade that hedges down, 30 minutes to the close
    metrics = strike_metrics(
        mspi=0.8, dag_custom=1.0, a_dag=1.0, sdag_multiplicative=1.0, sdag_directional=1.0
    )
    contracts = front_contracts(charm=5e9)
    inputs = hand_inputs(as_of=et(15, 30), metrics=metrics, contracts=contracts)
    report, state = signals(inputs, SignalState(), SignalParams())
    names = {s.name for s in report.signals}
    losers = {c.loser for c in report.integration.conflicts}
    # the loser's run ends; the winner's starts
    assert state.streak("directional.composite") is None
    assert state.streak("time_decay.charm_cascade") is not None
    both = {"directional.composite", "time_decay.charm_cascade"}
    assert len(both & names) == 1
    assert len(both & losers) == 1
    d = [s for s in report.signals if s.claim.kind is ClaimKind.DIRECTION]
    assert len({s.claim.direction for s in d}) == 1  # nothing contradictory stands
    # late in the session time decay weighs 1.6 x 1.3 (long gamma range): the cascade wins
    assert "time_decay.charm_cascade" in names
    assert report.integration.direction_score < 0


def test_integrated_scores_weighted_by_family() -> None:
    inputs = hand_inputs(metrics=strike_metrics(mspi=0.5))
    report, _ = signals(inputs, SignalState(), SignalParams())
    i = report.integration
    w = i.weights
    s = report.scores
    num = w["directional"] * s["directional.composite"] + w["complex"] * s["complex.composite"]
    num += w["time_decay"] * s["time_decay.charm_cascade_signed"]
    den = w["directional"] + w["complex"] + w["time_decay"]  # no base direction signal
    assert math.isclose(i.direction_score, num / den)
    assert i.weights_source == "prior"
    assert i.regime == "long_gamma_range"


def test_learned_weights_are_used_and_labelled() -> None:
    inputs = hand_inputs(weights={"directional": 3.0}, bars=bars([5000.0] * 30, end=et(15)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert report.integration.weights_source == "learned"
    fraction = (15.0 - 9.5) / 6.5  # 15:00 ET in the session
    tod = 1.0 + (0.9 - 1.0) * (fraction - 0.75) / 0.25
    assert math.isclose(report.integration.weights["directional"], 3.0 * tod * 0.8)
