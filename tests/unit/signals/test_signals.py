"""The stage as a whole: determinism, state limits, no look-ahead, activation, serialisation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

import eots.signals as pkg
from eots.signals import (
    FAMILIES,
    SIGNAL_NAMES,
    SIGNALS,
    SIGNALS_FRAME_SCHEMA,
    ClaimKind,
    SignalInputs,
    SignalParams,
    SignalState,
    enabled_families,
    signals,
    signals_frame,
    signals_to_json,
)
from eots.signals.state import StateEntry, Streak
from signal_builders import (
    SESSION,
    analysis_inputs,
    bars,
    et,
    front_contracts,
    hand_inputs,
    strike_metrics,
    trend_closes,
)

_BUSY = strike_metrics(
    mspi=0.6,
    dag_custom=1.0,
    a_dag=1.0,
    sdag_multiplicative=1.0,
    sdag_directional=1.0,
    ssi=0.7,
    sdag_conviction_score=0.7,
    sdag_conviction_direction=1.0,
)


def _busy(as_of: dt.datetime | None = None, **kw: Any) -> SignalInputs:
    as_of = as_of or et(15, 30)
    return hand_inputs(
        as_of=as_of,
        metrics=_BUSY,
        contracts=front_contracts({5000.0: 4e8}),
        zero_gamma=5010.0,
        bars=bars(trend_closes(30, 1.0), end=as_of),
        **kw,
    )


def test_signals_deterministic() -> None:
    a = signals(_busy(), SignalState(), SignalParams())
    b = signals(_busy(), SignalState(), SignalParams())
    assert signals_to_json(a[0]) == signals_to_json(b[0])
    assert a[1] == b[1]
    assert a[0].signals  # something to compare


def test_no_look_ahead_later_bars_are_ignored() -> None:
    as_of = et(15)
    past = trend_closes(30, 1.0)
    future = [6000.0, 4000.0, 6500.0]
    full = bars(past + future, end=as_of + dt.timedelta(minutes=15))
    base = _busy(as_of)
    with_future = dataclasses.replace(base, bars=full)
    truncated = dataclasses.replace(base, bars=bars(past, end=as_of))
    r1, _ = signals(with_future, SignalState(), SignalParams())
    r2, _ = signals(truncated, SignalState(), SignalParams())
    j1, j2 = signals_to_json(r1), signals_to_json(r2)
    assert j1["signals"] == j2["signals"]
    assert j1["scores"] == j2["scores"]
    assert "3 bars after as_of ignored (no look-ahead)" in r1.notes


def test_state_carries_persistence_within_a_session() -> None:
    params = SignalParams()
    _, state = signals(_busy(et(15)), SignalState(), params)
    assert state.session == SESSION
    assert state.last_update == et(15)
    report, state = signals(_busy(et(15, 5)), state, params)
    pin = next(s for s in report.signals if s.name == "time_decay.pin_risk")
    assert pin.persistence == 2
    assert len(state.entries) == 2


def test_state_from_another_session_is_discarded() -> None:
    params = SignalParams()
    _, state = signals(_busy(et(15)), SignalState(), params)
    old = dataclasses.replace(
        state, session=dt.date(2024, 3, 14), last_update=et(15) - dt.timedelta(days=1)
    )
    report, new = signals(_busy(et(15, 5)), old, params)
    assert all(s.persistence == 1 for s in report.signals)
    assert len(new.entries) == 1


def test_state_gap_breaks_persistence_and_age_limit_drops_entries() -> None:
    params = SignalParams()
    _, state = signals(_busy(et(13)), SignalState(), params)
    report, later = signals(_busy(et(13, 45)), state, params)  # 45 min > 30 min gap
    assert all(s.persistence == 1 for s in report.signals)
    assert len(later.entries) == 2
    _, aged = signals(_busy(et(15, 30)), later, params)  # 13:00 is > 120 min old
    assert [e.ts_event for e in aged.entries] == [et(13, 45), et(15, 30)]


def test_state_is_bounded() -> None:
    params = SignalParams(state={"max_entries": 3})
    state = SignalState()
    for minute in range(0, 30, 5):
        _, state = signals(_busy(et(14, minute)), state, params)
    assert len(state.entries) == 3
    assert state.entries[-1].ts_event == et(14, 25)


def test_state_at_or_after_as_of_is_refused() -> None:
    _, state = signals(_busy(et(15)), SignalState(), SignalParams())
    with pytest.raises(ValueError, match="out-of-order or repeated snapshot"):
        signals(_busy(et(15)), state, SignalParams())
    with pytest.raises(ValueError, match="older than as_of"):
        signals(_busy(et(14)), state, SignalParams())


def test_streak_counts() -> None:
    s = SignalState(streaks=(Streak(name="x", direction=1, count=4),))
    assert s.persistence("x", 1) == 5
    assert s.persistence("x", -1) == 1
    assert s.persistence("y", 1) == 1
    e = StateEntry(ts_event=et(14), spot=1.0, scores=(("a", 0.5),))
    assert e.score("a") == 0.5
    assert e.score("b") != e.score("b")


def test_activation_switches_families_and_single_signals() -> None:
    off = SignalParams(signal_activation={"time_decay": False, "base.pin_risk": False})
    report, _ = signals(_busy(), SignalState(), off)
    assert not any(k.startswith("time_decay.") for k in report.scores)
    names = {s.name for s in report.signals + report.suppressed}
    assert not any(n.startswith("time_decay.") for n in names)
    assert "base.pin_risk" not in names
    assert [n for n, _ in enabled_families(off)] == ["directional", "volatility", "base", "complex"]


def test_activation_refuses_unknown_names() -> None:
    with pytest.raises(ValidationError, match="signal_activation"):
        SignalParams(signal_activation={"directionl": True})
    with pytest.raises(ValidationError, match="regime_multipliers"):
        SignalParams(volatility={"regime_multipliers": {"calm": 1.0}})


def test_registry_matches_the_declared_families_and_names() -> None:
    assert tuple(SIGNALS) == FAMILIES
    report, _ = signals(_busy(), SignalState(), SignalParams())
    emitted = {s.name for s in report.signals + report.suppressed}
    assert emitted <= set(SIGNAL_NAMES)


def test_bad_inputs_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="spot > 0"):
        hand_inputs(spot=0.0)
    with pytest.raises(ValueError, match="atr > 0"):
        hand_inputs(atr=float("nan"))
    with pytest.raises(ValueError, match=r"by_strike: expected columns \['abs_gex'"):
        hand_inputs(by_strike=pl.DataFrame({"strike": [1.0], "net_gex": [1.0], "charm": [0.0]}))
    with pytest.raises(ValueError, match="timezone-aware"):
        dataclasses.replace(hand_inputs(), as_of=dt.datetime(2024, 3, 15, 15))  # noqa: DTZ001
    with pytest.raises(ValueError, match="weights >= 0"):
        hand_inputs(weights={"directional": -1.0})
    with pytest.raises(ValueError, match="closes > 0"):
        signals(hand_inputs(bars=bars([5000.0, -1.0], end=et(15))), SignalState(), SignalParams())


def test_frame_has_exactly_the_declared_columns() -> None:
    report, _ = signals(_busy(), SignalState(), SignalParams())
    frame = signals_frame(report, "snap-1")
    assert frame.schema == SIGNALS_FRAME_SCHEMA
    assert list(frame.columns) == [
        "ts_event",
        "snapshot_id",
        "family",
        "name",
        "direction",
        "score",
        "strength",
        "stars",
        "strike",
        "zone_low",
        "zone_high",
        "persistence",
        "baseline",
        "claim_kind",
        "horizon",
        "claim_direction",
        "reference",
        "claim_strike",
        "distance",
        "settles_at",
    ]
    assert frame.height == len(report.signals)
    pin = frame.filter(pl.col("claim_kind") == "pin").row(0, named=True)
    assert pin["claim_strike"] == 5000.0
    assert pin["settles_at"] is not None
    assert signals_frame(dataclasses.replace(report, signals=()), "x").schema == (
        SIGNALS_FRAME_SCHEMA
    )


def test_json_is_serialisable_and_complete() -> None:
    report, _ = signals(_busy(), SignalState(), SignalParams())
    payload = json.loads(json.dumps(signals_to_json(report), allow_nan=False))
    assert set(payload) == {"signals", "signal_integration", "suppressed", "scores", "notes"}
    integ = payload["signal_integration"]
    assert {
        "regime",
        "volatility_regime",
        "direction_score",
        "weights",
        "weights_source",
        "conflicts",
        "family_scores",
    } <= set(integ)
    first = payload["signals"][0]
    assert {"family", "score", "stars", "claim", "evidence", "persistence"} <= set(first)


def test_every_claim_is_scorable() -> None:
    report, _ = signals(_busy(), SignalState(), SignalParams())
    for s in report.signals + report.suppressed:
        c = s.claim
        if c.kind is ClaimKind.PIN:
            assert c.strike
            assert c.distance
            assert c.settles_at
        else:
            assert c.reference is not None
            assert c.direction in (-1, 1)
        assert 0 <= s.strength <= 1
        assert s.stars == sum(s.strength >= t for t in (0.1, 0.3, 0.5, 0.7, 0.9))


def test_package_exports() -> None:
    assert set(pkg.__all__) == {
        "FAMILIES",
        "SIGNALS",
        "SIGNALS_FRAME_SCHEMA",
        "SIGNAL_NAMES",
        "Claim",
        "ClaimKind",
        "Conflict",
        "Evidence",
        "Horizon",
        "Signal",
        "SignalFamily",
        "SignalInputs",
        "SignalIntegration",
        "SignalParams",
        "SignalReport",
        "SignalState",
        "atm_term",
        "enabled_families",
        "signals",
        "signals_frame",
        "signals_to_json",
    }


@pytest.fixture(scope="module")
def synthetic_day() -> dict[str, SignalInputs]:
    return {
        "morning": analysis_inputs(et(10)),
        "close": analysis_inputs(et(15, 30)),
    }


def test_synthetic_chain_expiry_afternoon_raises_time_decay(
    synthetic_day: dict[str, SignalInputs],
) -> None:
    morning, _ = signals(synthetic_day["morning"], SignalState(), SignalParams())
    close, _ = signals(synthetic_day["close"], SignalState(), SignalParams())
    assert close.scores["time_decay.pin_risk"] > morning.scores["time_decay.pin_risk"]
    assert close.integration.time_decay_score > morning.integration.time_decay_score
    assert close.scores["time_decay.hours_to_settlement"] == pytest.approx(0.5)
    # SSVI calm day: contango term structure, long gamma at spot
    assert close.integration.volatility_regime in ("calm", "normal")
    assert close.scores["volatility.term_slope"] < 0
    assert close.integration.regime.startswith("long_gamma")


def test_synthetic_chain_claims_and_conflicts_hold(synthetic_day: dict[str, SignalInputs]) -> None:
    report, _ = signals(synthetic_day["close"], SignalState(), SignalParams())
    directions = {s.claim.direction for s in report.signals if s.claim.kind is ClaimKind.DIRECTION}
    assert len(directions) <= 1
    vols = {s.claim.direction for s in report.signals if s.claim.kind is ClaimKind.VOLATILITY}
    assert len(vols) <= 1
    pins = [s for s in report.signals if s.claim.kind is ClaimKind.PIN]
    assert not (pins and 1 in vols)
    assert signals_frame(report, "syn").height == len(report.signals)
