"""Directional family (framework.md 3.1) on hand-built inputs with hand-computed answers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl

from eots.signals import SignalParams, SignalState, signals
from eots.signals.context import signal_context
from signal_builders import bars, et, hand_inputs, strike_metrics, term, trend_closes


def _bullish_metrics() -> pl.DataFrame:  # structure 0.5, consensus 0.5 (3 up, 1 down), flow +1
    return strike_metrics(
        mspi=0.5,
        dag_custom=1.0,
        a_dag=2.0,
        sdag_multiplicative=3.0,
        sdag_directional=-1.0,
        net_value_pressure=2.0,
    )


def test_directional_composite_hand_value_and_claim() -> None:
    inputs = hand_inputs(metrics=_bullish_metrics())
    report, _ = signals(inputs, SignalState(), SignalParams())
    s = report.scores
    assert math.isclose(s["directional.structure"], 0.5)
    assert math.isclose(s["directional.consensus"], 0.5)
    assert math.isclose(s["directional.flow"], 1.0)
    # raw = (0.45 * 0.5 + 0.35 * 0.5 + 0.20 * 1.0) / 1.0; no bars: composite = raw
    assert math.isclose(s["directional.composite"], 0.6)
    sig = next(x for x in report.signals if x.name == "directional.composite")
    assert sig.direction == 1
    assert sig.claim.direction == 1
    assert sig.claim.kind.value == "direction"
    assert sig.claim.reference == 5000.0
    assert math.isclose(sig.strength, 0.6)
    assert sig.stars == 3


def test_directional_missing_flow_drops_out_of_the_mean() -> None:
    inputs = hand_inputs(metrics=_bullish_metrics().with_columns(net_value_pressure=None))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert math.isclose(report.scores["directional.composite"], (0.45 * 0.5 + 0.35 * 0.5) / 0.8)
    assert any("no signed flow" in n for n in report.notes)


def test_directional_hot_market_lowers_stars() -> None:
    inputs = hand_inputs(metrics=_bullish_metrics())
    hot = dataclasses.replace(inputs, term=term(0.30, 0.30, as_of=inputs.as_of))
    report, _ = signals(hot, SignalState(), SignalParams())
    sig = next(x for x in report.signals if x.name == "directional.composite")
    # v = (0.30 / 0.15) ** 0.5; strength = 0.6 / v
    assert math.isclose(sig.strength, 0.6 / math.sqrt(2.0))
    assert sig.stars == 2


def test_directional_momentum_blends_the_bar_momentum() -> None:
    closes = trend_closes(25, -3.0)
    inputs = hand_inputs(metrics=_bullish_metrics(), bars=bars(closes, end=et(15)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    r = np.diff(np.log(np.asarray(closes)))[-20:]
    z = math.log(closes[-1] / closes[-7]) / (np.std(r, ddof=1) * math.sqrt(6))
    m = math.tanh(z / 2.0)
    assert m < -0.3
    assert math.isclose(report.scores["directional.momentum"], m)
    assert math.isclose(report.scores["directional.composite"], 0.75 * 0.6 + 0.25 * m)


def test_directional_persistence_boosts_the_second_update() -> None:
    params = SignalParams()
    first, state = signals(hand_inputs(metrics=_bullish_metrics()), SignalState(), params)
    later = hand_inputs(metrics=_bullish_metrics(), as_of=et(15, 5))
    second, _ = signals(later, state, params)
    # p = 2: composite = 0.6 (1 + 0.3 * 1 / 6)
    assert math.isclose(second.scores["directional.composite"], 0.6 * (1 + 0.3 / 6))
    sig = next(x for x in second.signals if x.name == "directional.composite")
    assert sig.persistence == 2
    assert next(x for x in first.signals if x.name == "directional.composite").persistence == 1


def test_directional_adaptive_threshold_rises_with_recent_scores() -> None:
    params = SignalParams()
    state = SignalState()
    strong = _bullish_metrics().with_columns(mspi=1.0)
    for minute in range(0, 30, 5):  # six strong updates
        _, state = signals(hand_inputs(metrics=strong, as_of=et(14, minute)), state, params)
    report, _ = signals(hand_inputs(metrics=_bullish_metrics(), as_of=et(14, 30)), state, params)
    assert report.scores["directional.threshold"] > 0.6
    assert not any(x.name == "directional.composite" for x in report.signals)


def test_directional_below_floor_gives_no_final_signal() -> None:
    inputs = hand_inputs(metrics=strike_metrics(mspi=0.2))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert math.isclose(report.scores["directional.composite"], 0.45 * 0.2 / 0.8)
    assert not any(x.name == "directional.composite" for x in report.signals)


def test_proximity_weights_ignore_far_strikes() -> None:
    far = np.where(np.arange(21) == 0, 1.0, 0.0)  # MSPI only at 4950, 1.25 ATR away
    ctx = signal_context(hand_inputs(metrics=strike_metrics(mspi=far)), SignalParams())
    d = (4950.0 - 5000.0) / 40.0
    assert math.isclose(ctx.weight[0], math.exp(-0.5 * (d / 0.5) ** 2))
    narrow = SignalParams(proximity={"band_atr": 1.0})
    assert signal_context(hand_inputs(), narrow).weight[0] == 0.0


def test_momentum_needs_enough_bars() -> None:
    inputs = hand_inputs(bars=bars([5000.0] * 5, end=et(15)))
    assert signal_context(inputs, SignalParams()).momentum is None
