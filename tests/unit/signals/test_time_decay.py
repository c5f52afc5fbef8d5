"""Time-decay family (framework.md 3.3): pin risk, charm cascade, expiration-aware thresholds."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from eots.signals import ClaimKind, Signal, SignalParams, SignalReport, SignalState, signals
from eots.signals.context import signal_context
from eots.signals.time_decay import pin_horizon, pin_score
from signal_builders import SETTLE, bars, et, front_contracts, hand_inputs, strike_metrics

_PIN = front_contracts({5000.0: 4e8})  # a dominant positive-gamma strike at the money


def _pin(report: SignalReport) -> Signal:
    return next(x for x in report.signals if x.name == "time_decay.pin_risk")


def test_strong_positive_gamma_pin_on_expiry_afternoon_scores_high() -> None:
    inputs = hand_inputs(as_of=et(15, 30), contracts=_PIN, bars=bars([5000.0] * 12, end=et(15, 30)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert report.scores["time_decay.pin_risk"] >= 0.9
    pin = _pin(report)
    assert pin.stars == 5
    assert pin.strike == 5000.0
    assert pin.claim.kind is ClaimKind.PIN
    assert pin.claim.strike == 5000.0
    assert pin.claim.distance == 10.0
    assert pin.claim.settles_at == SETTLE
    assert report.integration.pin_strike == 5000.0


def test_pin_score_hand_value_every_factor_counts() -> None:
    parts = {
        "concentration": 0.8,
        "gamma_sign": 0.9,
        "proximity": 0.7,
        "time": 0.6,
        "price_action": 0.5,
    }
    assert math.isclose(pin_score(parts, 1.3), 1.3 * 0.8 * 0.9 * 0.7 * 0.6 * (0.5 + 0.5 * 0.5))
    no_bars = {**parts, "price_action": float("nan")}
    assert math.isclose(pin_score(no_bars, 1.3), 1.3 * 0.8 * 0.9 * 0.7 * 0.6 * 0.75)


def test_pin_three_hours_out_off_the_strike_hand_value() -> None:
    inputs = hand_inputs(
        as_of=et(13), contracts=_PIN, spot=5003.0, bars=bars([5003.0] * 12, end=et(13))
    )
    report, _ = signals(inputs, SignalState(), SignalParams())
    em = 5003.0 * 0.15 * math.sqrt(3.0 / 8760.0)  # expected move to settlement, $
    proximity = math.exp(-0.5 * (3.0 / max(em, 10.0)) ** 2)
    action = math.exp(-0.5 * (3.0 / 10.0) ** 2)
    time = math.exp(-3.0 / 3.0)
    # concentration: 4e8 / (4e8 + 20 * 1e6) / 0.25 > 1 -> 1; gamma sign (1 + 1) / 2 = 1
    expected = 1.3 * 1.0 * 1.0 * proximity * time * (0.5 + 0.5 * action)
    assert math.isclose(report.scores["time_decay.pin_risk"], expected)
    assert _pin(report).claim.strike == 5000.0


def test_pin_concentration_below_reference_scales_the_score() -> None:
    spread = front_contracts({5000.0: 3e7}, base_gex=4e6)  # 3e7 / (3e7 + 80e6) = 0.2727
    inputs = hand_inputs(as_of=et(13), contracts=spread, bars=bars([5000.0] * 12, end=et(13)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    share = 3e7 / (3e7 + 20 * 4e6)
    expected = 1.3 * min(1.0, share / 0.25) * 1.0 * 1.0 * math.exp(-1.0) * 1.0
    assert math.isclose(report.scores["time_decay.pin_risk"], expected)
    weaker = front_contracts({5000.0: 1e7}, base_gex=4e6)
    r2, _ = signals(
        hand_inputs(as_of=et(13), contracts=weaker, bars=bars([5000.0] * 12, end=et(13))),
        SignalState(),
        SignalParams(),
    )
    share2 = 1e7 / (1e7 + 20 * 4e6)
    assert math.isclose(r2.scores["time_decay.pin_risk"], 1.3 * share2 / 0.25 * math.exp(-1.0))


def test_negative_gamma_strike_does_not_pin() -> None:
    short = front_contracts({5000.0: -4e8})
    inputs = hand_inputs(as_of=et(15, 30), contracts=short, bars=bars([5000.0] * 12, end=et(15)))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert report.scores["time_decay.pin_risk"] == 0.0  # G = (1 - 1) / 2
    assert not any(x.name == "time_decay.pin_risk" for x in report.signals)


def test_pin_morning_lower_than_afternoon() -> None:
    def score(hour: int) -> float:
        r, _ = signals(hand_inputs(as_of=et(hour), contracts=_PIN), SignalState(), SignalParams())
        return r.scores["time_decay.pin_risk"]

    assert score(10) < score(13) < score(15)


def test_charm_cascade_hand_value_and_direction() -> None:
    contracts = front_contracts({5000.0: 4e8}, charm=2e6)  # dealers' delta rises 2e6 $/day
    inputs = hand_inputs(as_of=et(13), contracts=contracts)
    report, _ = signals(inputs, SignalState(), SignalParams())
    hedge = -2e6 * (3.0 / 24.0)  # they sell what the drift adds, until settlement
    move_pct = 100.0 * hedge / (4e8 + 20 * 1e6)
    em_pct = 100.0 * 0.15 * math.sqrt(3.0 / 8760.0)
    expected = math.tanh(abs(move_pct) / em_pct) * math.exp(-1.0)
    assert math.isclose(report.scores["time_decay.charm_cascade"], expected)
    assert math.isclose(report.scores["time_decay.charm_cascade_signed"], -expected)


def test_charm_cascade_signal_claims_the_hedging_direction() -> None:
    contracts = front_contracts(charm=-5e9)  # dealers' delta falls: they buy
    inputs = hand_inputs(as_of=et(15, 30), contracts=contracts)
    report, _ = signals(inputs, SignalState(), SignalParams())
    sig = next(x for x in report.signals if x.name == "time_decay.charm_cascade")
    assert sig.direction == 1
    assert sig.claim.kind is ClaimKind.DIRECTION
    assert sig.claim.horizon.value == "close"


def test_expiration_aware_threshold_grows_with_days() -> None:
    inputs = hand_inputs(as_of=et(13))
    report, _ = signals(inputs, SignalState(), SignalParams())
    assert math.isclose(report.scores["time_decay.threshold"], 0.4 * (1 + 0.2 * 3.0 / 24.0))


def test_time_decay_composite_weights_pin_cascade_and_decay() -> None:
    inputs = hand_inputs(as_of=et(13), contracts=_PIN)
    r, _ = signals(inputs, SignalState(), SignalParams())
    s = r.scores
    expected = 0.4 * s["time_decay.pin_risk"] + 0.4 * s["time_decay.charm_cascade"]
    expected += 0.2 * s["time_decay.decay"]
    assert math.isclose(s["time_decay.composite"], expected)


def test_decay_pressure_share_near_the_price_hand_value() -> None:
    inputs = hand_inputs(as_of=et(13), contracts=_PIN, metrics=strike_metrics(d_tdpi=2.0))
    r, _ = signals(inputs, SignalState(), SignalParams())
    assert math.isclose(r.scores["time_decay.decay"], 1.0 * math.exp(-1.0))  # every strike near
    narrow = SignalParams(proximity={"band_atr": 1.0})  # 4960..5040: 17 of 21 strikes
    r2, _ = signals(inputs, SignalState(), narrow)
    assert math.isclose(r2.scores["time_decay.decay"], 17 / 21 * math.exp(-1.0))
    s = r.scores
    expected = 0.4 * s["time_decay.pin_risk"] + 0.4 * s["time_decay.charm_cascade"]
    assert math.isclose(s["time_decay.composite"], expected + 0.2 * math.exp(-1.0))


def test_pin_horizon_close_only_when_settling_this_session() -> None:
    today = hand_inputs(as_of=et(15, 30), contracts=_PIN, bars=bars([5000.0] * 12, end=et(15)))
    r, _ = signals(today, SignalState(), SignalParams())
    assert _pin(r).claim.horizon.value == "close"
    tomorrow = SETTLE + dt.timedelta(days=1)
    later = _PIN.with_columns(expiry_ts=pl.lit(tomorrow).cast(pl.Datetime("us", "UTC")))
    ctx = signal_context(hand_inputs(as_of=et(15, 30), contracts=later), SignalParams())
    assert ctx.front is not None
    assert ctx.front.settles_at == tomorrow
    assert pin_horizon(ctx, ctx.front).value == "next_session"
