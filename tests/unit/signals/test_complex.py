"""Complex family (framework.md 3.4): structure change, flow divergence, SDAG conviction."""

from __future__ import annotations

import math

from eots.signals import ClaimKind, SignalParams, SignalState, signals
from eots.signals.complex import cross_correlation
from eots.signals.state import StateEntry
from signal_builders import SESSION, bars, et, hand_inputs, strike_metrics, trend_closes

_FLIP = math.exp(-0.5 * (10.0 / 20.0) ** 2)  # zero gamma 10 $ away, width 0.5 ATR = 20 $


def _state(values: list[float], **extra: list[float]) -> SignalState:
    entries = tuple(
        StateEntry(
            ts_event=et(14, 5 * i),
            spot=5000.0,
            scores=(("complex.ssi_near", v), *((k, vs[i]) for k, vs in extra.items())),
        )
        for i, v in enumerate(values)
    )
    return SignalState(session=SESSION, last_update=entries[-1].ts_event, entries=entries)


def test_structure_change_hand_value_and_claim() -> None:
    inputs = hand_inputs(metrics=strike_metrics(ssi=0.6), zero_gamma=5010.0)
    report, _ = signals(inputs, SignalState(), SignalParams())
    s = report.scores
    assert math.isclose(s["complex.ssi_level"], 0.4)
    assert math.isclose(s["complex.flip"], _FLIP)
    assert math.isclose(s["complex.structure_change"], 0.6 * 0.4 + 0.2 * _FLIP)
    sig = next(x for x in report.signals if x.name == "complex.structure_change")
    assert sig.claim.kind is ClaimKind.VOLATILITY
    assert sig.claim.direction == 1
    assert sig.zone == (5000.0, 5010.0)


def test_structure_change_early_detection_from_recent_ssi() -> None:
    state = _state([0.9, 0.92, 0.88, 0.9, 0.9])
    inputs = hand_inputs(metrics=strike_metrics(ssi=0.6), zero_gamma=5010.0)
    report, _ = signals(inputs, state, SignalParams())
    # z = (0.9 - 0.6) / (std 0.01265 + 0.001) = 22: tanh(z / 2) = 1
    assert math.isclose(
        report.scores["complex.early"], math.tanh(0.3 / (0.0126491 + 1e-3) / 2), rel_tol=1e-6
    )
    assert math.isclose(
        report.scores["complex.structure_change"], 0.24 + 0.2 + 0.2 * _FLIP, rel_tol=1e-6
    )


def test_sdag_conviction_and_composite_damped_by_structure_change() -> None:
    metrics = strike_metrics(sdag_conviction_score=0.8, sdag_conviction_direction=-1.0)
    calm, _ = signals(hand_inputs(metrics=metrics), SignalState(), SignalParams())
    assert math.isclose(calm.scores["complex.sdag_conviction"], -0.8)
    assert math.isclose(calm.scores["complex.composite"], -0.8)  # no structure change, rho 0
    shaky = hand_inputs(metrics=metrics.with_columns(ssi=0.6), zero_gamma=5010.0)
    report, _ = signals(shaky, SignalState(), SignalParams())
    sc = 0.6 * 0.4 + 0.2 * _FLIP
    assert math.isclose(report.scores["complex.composite"], -0.8 * (1 - sc / 2))
    sig = next(x for x in report.signals if x.name == "complex.sdag_conviction")
    assert sig.direction == -1
    assert math.isclose(sig.score, 0.8)


def test_flow_divergence_flow_against_momentum() -> None:
    closes = trend_closes(25, -3.0)  # falling price
    metrics = strike_metrics(net_value_pressure=1.0)  # buyers
    inputs = hand_inputs(metrics=metrics, bars=bars(closes, end=et(15)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    m = report.scores["directional.momentum"]
    assert m < 0
    expected = math.sqrt(math.tanh(1.0) * abs(m))
    assert math.isclose(report.scores["complex.flow_divergence"], expected)
    agree = hand_inputs(metrics=metrics, bars=bars(trend_closes(25, 3.0), end=et(15)))
    r2, _ = signals(agree, SignalState(), SignalParams())
    assert r2.scores["complex.flow_divergence"] == 0.0


def test_cross_correlation_of_recent_scores() -> None:
    sdag = [0.1, 0.2, 0.3, 0.4, 0.5]
    directional = [0.2, 0.1, 0.4, 0.3, 0.6]
    state = _state(
        [0.9] * 5, **{"complex.sdag_conviction": sdag, "directional.composite": directional}
    )
    rho = cross_correlation(state, (0.6, 0.5), 5)
    import numpy as np

    expected = float(np.corrcoef([*sdag, 0.6], [*directional, 0.5])[0, 1])
    assert math.isclose(rho, expected)
    assert cross_correlation(SignalState(), (0.6, 0.5), 5) == 0.0


def test_composite_boosted_by_correlation() -> None:
    sdag = [-0.1, -0.3, -0.5, -0.7, -0.9]
    state = _state([1.0] * 5, **{"complex.sdag_conviction": sdag, "directional.composite": sdag})
    metrics = strike_metrics(
        sdag_conviction_score=0.8,
        sdag_conviction_direction=-1.0,
        mspi=-0.8,
    )
    report, _ = signals(hand_inputs(metrics=metrics), state, SignalParams())
    rho = report.scores["complex.correlation"]
    assert rho > 0.5
    assert math.isclose(report.scores["complex.composite"], max(-1.0, -0.8 * (1 + 0.3 * rho)))
