"""Level evidence as a paired comparison with a mirrored control (``eots.engine.evidence``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from eots.config import config_from_document, json_schema
from eots.core.errors import ConfigError
from eots.engine.evidence import (
    EvidenceParams,
    EvidenceState,
    PendingLevel,
    breaches,
    choose,
    outcome,
    pair_items,
    record,
    resolve,
    shielded,
)
from eots.levels import LevelKind
from eots.pipeline import analyze
from eots.tracking.model import EvidenceItem, WeightGroup
from unit.engine.engine_data import sessions

T0 = dt.datetime(2024, 3, 11, 14, 30, tzinfo=dt.UTC)
CLOSE = dt.datetime(2024, 3, 11, 21, 0, tzinfo=dt.UTC)
P = EvidenceParams()  # breach_atr 0.1


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _pending(
    level: float,
    spot: float = 100.0,
    *,
    alignments: tuple[tuple[str, float], ...] = (),
    kind: str = "put_wall",
) -> PendingLevel:
    return PendingLevel(
        key=(T0.date(), kind, level),
        kind=kind,
        price=level,
        control=2 * spot - level,
        side=1 if spot > level else -1,
        atr=1.0,
        recorded=T0,
        closes=CLOSE,
        alignments=alignments,
    )


def _run(
    p: PendingLevel, spots: list[float], every: int = 30
) -> list[tuple[int, tuple[EvidenceItem, ...]]]:
    """Resolve ``p`` along ``spots`` (one every ``every`` minutes after T0, the last at the close).

    Returns (step, items) for every step that gave items, and asserts the pending is gone once
    items were given.
    """
    state = EvidenceState(levels=(p,), path=((T0, 100.0),))
    out = []
    for i, s in enumerate(spots):
        ts = CLOSE if i == len(spots) - 1 else _at(every * (i + 1))
        state, items = resolve(state, ts, s, P)
        if items:
            out.append((i, items))
            assert not state.levels
    return out


# --- the race: the first of the two breached decides ----------------------------------------


@pytest.mark.parametrize(
    ("level", "path", "hit"),
    [
        # a floor at 99 (spot 100): the control is a ceiling at 101, breached above 101.1
        (99.0, [100.5, 101.2, 100.0], True),  # the control broke, the level stood
        (99.0, [99.5, 98.8, 100.0], False),  # the level broke first
        # a ceiling at 101: the control is a floor at 99, breached below 98.9
        (101.0, [99.5, 98.8, 100.0], True),
        (101.0, [100.5, 101.2, 100.0], False),
    ],
)
def test_the_first_breach_decides_the_pair_at_once(
    level: float, path: list[float], hit: bool
) -> None:
    got = _run(_pending(level), path)
    assert len(got) == 1
    step, items = got[0]
    assert step == 1  # resolved at the breaching snapshot, before the close
    assert [(i.group, i.name, i.hit) for i in items] == [(WeightGroup.LEVEL_KIND, "put_wall", hit)]
    assert items[0].observed_at == _at(60)


def test_a_level_that_gives_way_after_its_control_broke_still_won_the_race() -> None:
    # the old rule ("exactly one breached at the close") saw both breached: no evidence
    got = _run(_pending(99.0), [101.3, 100.0, 98.0, 97.0, 100.0], every=30)
    assert [(step, [i.hit for i in items]) for step, items in got] == [(0, [True])]


@pytest.mark.parametrize(
    "path",
    [
        [100.5, 99.2, 100.8, 100.0],  # both within 0.1 ATR beyond at most: intact
        [100.2, 100.0, 100.1],
        [98.95, 101.05, 100.0],  # exactly at the breach point is not beyond it
    ],
)
def test_a_pair_neither_of_which_breaks_by_the_close_gives_no_evidence(path: list[float]) -> None:
    p = _pending(99.0)
    state = EvidenceState(levels=(p,), path=((T0, 100.0),))
    for i, s in enumerate(path):
        ts = CLOSE if i == len(path) - 1 else _at(30 * (i + 1))
        state, items = resolve(state, ts, s, P)
        assert items == ()
        assert state.levels == (() if ts == CLOSE else (p,))


def test_only_spots_after_recording_and_before_the_close_count() -> None:
    p = _pending(99.0)
    path = ((T0 - dt.timedelta(minutes=30), 98.0), (T0, 100.0), (_at(60), 100.5))
    assert outcome(p, path, P) is None
    after_close = (*path, (CLOSE + dt.timedelta(minutes=1), 98.0))
    assert outcome(p, after_close, P) is None
    # the first snapshot after the close resolves the pair from the session's own spots
    state = EvidenceState(levels=(p,), path=((T0, 100.0), (_at(60), 101.5)))
    state, items = resolve(state, CLOSE + dt.timedelta(hours=17), 95.0, P)
    assert [i.hit for i in items] == [True]


def test_a_breach_needs_more_than_breach_atr_beyond_on_the_far_side() -> None:
    p = _pending(99.0)  # control 101; atr 1, breach 0.1
    at = (T0, 100.0)
    assert outcome(p, (at, (_at(30), 98.91), (_at(60), 101.09)), P) is None
    assert outcome(p, (at, (_at(30), 98.89), (_at(60), 101.2)), P) is False
    assert outcome(p, (at, (_at(30), 101.11), (_at(60), 98.0)), P) is True
    level, control = breaches(p, (at, (_at(30), 98.89), (_at(60), 101.2)), P)
    assert (level.tolist(), control.tolist()) == ([True, False], [False, True])
    wide = EvidenceParams(breach_atr=1.0)
    assert outcome(p, (at, (_at(30), 98.5), (_at(60), 101.5)), wide) is None
    volatile = replace(p, atr=4.0)  # the width is in ATR: 0.4 beyond the level
    assert outcome(volatile, (at, (_at(30), 98.7), (_at(60), 101.3)), P) is None
    assert outcome(volatile, (at, (_at(30), 101.5), (_at(60), 98.0)), P) is True


def test_metric_hits_follow_the_sign_of_their_alignment() -> None:
    aligned = (("mspi", 0.5), ("vri", -0.3), ("sai", 0.0))
    p = _pending(99.0, alignments=aligned)
    for hit in (True, False):
        items = pair_items(p, hit=hit, ts=CLOSE)
        metrics = {i.name: i.hit for i in items if i.group == WeightGroup.LEVEL_METRIC}
        assert metrics == {"mspi": hit, "vri": not hit}  # no evidence for a zero alignment
        kinds = [i.hit for i in items if i.group == WeightGroup.LEVEL_KIND]
        assert kinds == [hit]


# --- which levels open a pair: unshielded, one per kind and side at a time ------------------


def test_a_wall_between_spot_and_the_controls_breach_point_shields_it() -> None:
    # a floor at 98 (spot 100): its control is 102, breached beyond 102.1
    assert shielded(98.0, 100.0, 1.0, [101.0], P)  # a call wall in front of the control
    assert shielded(98.0, 100.0, 1.0, [102.1], P)  # at the breach point
    assert not shielded(98.0, 100.0, 1.0, [102.2], P)  # beyond it: the control can break
    assert not shielded(98.0, 100.0, 1.0, [99.0, 97.0, 98.0], P)  # walls on the level's side
    assert not shielded(98.0, 100.0, 1.0, [], P)
    assert shielded(102.0, 100.0, 1.0, [98.5], P)  # a ceiling's control is a floor


def test_choose_opens_the_nearest_unshielded_level_of_each_free_kind_and_side() -> None:
    levels = [
        ("put_wall", 98.0),
        ("call_wall", 101.0),
        ("support", 99.5),
        ("support", 99.0),
        ("zero_gamma", 100.5),
        ("vol_trigger", 104.0),  # beyond band_atr (3 ATR)
        ("resistance", 100.0),  # at spot: no side
    ]
    walls = [98.0, 101.0]
    got = choose(set(), levels, 100.0, 1.0, walls, P)
    # the put wall's control (102) stands behind the call wall (101): shielded; the call wall's
    # control (99) is in front of the put wall (98 < 98.9): open; support 99.5 (control 100.5),
    # zero gamma 100.5 (control 99.5) open
    assert got == [("support", 99.5, 1), ("zero_gamma", 100.5, -1), ("call_wall", 101.0, -1)]
    busy = {("support", 1), ("call_wall", -1)}
    assert choose(busy, levels, 100.0, 1.0, walls, P) == [("zero_gamma", 100.5, -1)]


def test_a_kind_and_side_opens_its_next_pair_only_after_the_previous_resolved() -> None:
    analysis = analyze(sessions()[1])
    spot, atr = analysis.snapshot.spot, analysis.metrics.atr
    assert atr is not None
    state = record(EvidenceState(), analysis, P)
    assert state.levels
    assert record(state, analysis, P).levels == state.levels  # all busy: nothing new
    # resolve every pair with a breach of its control: each kind and side is free again
    far = max(abs(p.control - spot) for p in state.levels) + atr
    up = [p for p in state.levels if p.side > 0]  # floors: a move up breaks their controls
    state2, items = resolve(state, analysis.as_of + dt.timedelta(minutes=1), spot + far, P)
    assert sorted(i.hit for i in items if i.group == WeightGroup.LEVEL_KIND) == sorted(
        [True] * len(up) + [False] * (len(state.levels) - len(up))
    )
    assert state2.levels == ()
    again = record(state2, replace(analysis, as_of=analysis.as_of + dt.timedelta(minutes=2)), P)
    assert {(p.kind, p.side) for p in again.levels} == {(p.kind, p.side) for p in state.levels}


# --- the symmetry behind the null -------------------------------------------------------------

_steps = st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(steps=_steps, distance=st.floats(0.05, 3.0), floor=st.booleans())
def test_reflecting_the_path_about_the_recording_spot_swaps_the_outcome(
    steps: list[float], distance: float, floor: bool
) -> None:
    p = _pending(100.0 - distance if floor else 100.0 + distance)
    spots = 100.0 + np.cumsum(steps)
    path = ((T0, 100.0), *((_at(10 * (i + 1)), float(s)) for i, s in enumerate(spots)))
    mirror = ((T0, 100.0), *((t, 200.0 - s) for t, s in path[1:]))
    got = outcome(p, path, P)
    assert outcome(p, mirror, P) == (None if got is None else not got)
    # and the pair seen from the control's side is the same evidence with the opposite sign
    swapped = _pending(p.control)
    assert outcome(swapped, path, P) == (None if got is None else not got)


def _walk(
    n_sessions: int,
    seed: int,
    *,
    drift: float = 0.0,
    control_scale: float = 1.0,
    params: EvidenceParams = P,
) -> tuple[int, int, int, int]:
    """Sequential pairs on symmetric random-walk sessions through ``choose`` and ``resolve``.

    Each session: 27 snapshot spots 15 minutes apart of a Gaussian walk with 0.3 ATR steps (plus
    ``drift`` ATR a step). At each snapshot the levels are a "call wall" and a "put wall" at
    uniform distances in (0, 2] ATR above and below spot and a "zero gamma" in (-3, 3] ATR, all
    drawn afresh (placement depends on nothing the future knows); the walls shield as in the
    engine. ``control_scale`` != 1 puts the control at that multiple of the level's distance: a
    biased control, for the test that the Monte Carlo can fail. Returns (hits, n, floor hits,
    floor n) of the resolved pairs (the put wall's pairs are the floors).
    """
    rng = np.random.default_rng(seed)
    hits = n = fhits = fn = 0
    for day in range(n_sessions):
        session = T0.date() + dt.timedelta(days=day)
        spots = 100.0 + np.cumsum(rng.normal(drift, 0.3, 27))
        draws = rng.uniform(0.0, 1.0, (27, 3))
        state = EvidenceState()
        for k, s0 in enumerate(spots):
            ts = CLOSE if k == 26 else _at(15 * k)
            walls = [s0 + 2.0 * (1.0 - draws[k, 0]), s0 - 2.0 * (1.0 - draws[k, 1])]
            levels = [("call_wall", walls[0]), ("put_wall", walls[1])]
            levels.append(("zero_gamma", s0 + 6.0 * (draws[k, 2] - 0.5)))
            busy = {(p.kind, p.side) for p in state.levels}
            opened = [
                PendingLevel(
                    key=(session, kind, float(side)),
                    kind=kind,
                    price=price,
                    control=s0 + control_scale * (s0 - price),
                    side=side,
                    atr=1.0,
                    recorded=ts,
                    closes=CLOSE,
                    alignments=(),
                )
                for kind, price, side in choose(busy, levels, float(s0), 1.0, walls, params)
                if ts < CLOSE
            ]
            state = replace(state, levels=state.levels + tuple(opened))
            state, items = resolve(state, ts, float(s0), params)
            for item in items:  # the put wall is always a floor
                n += 1
                hits += item.hit
                fn += item.name == "put_wall"
                fhits += item.hit and item.name == "put_wall"
    return hits, n, fhits, fn


def test_on_a_driftless_random_walk_resolved_pairs_are_hits_half_the_time() -> None:
    hits, n, _, _ = _walk(1_000, seed=7)
    assert n > 5_000  # measured 7,304 pairs of 1,000 sessions (seven a session)
    ci = binomtest(hits, n).proportion_ci(method="wilson")
    assert ci.low < 0.5 < ci.high  # measured 3,633 / 7,304 = 0.497, Wilson [0.486, 0.509]


def test_the_monte_carlo_detects_a_control_that_is_not_matched() -> None:
    # a control 25 % farther than the level is breached less often: the level "loses"
    hits, n, _, _ = _walk(1_000, seed=7, control_scale=1.25)
    # measured 2,982 / 6,578 = 0.453, Wilson [0.441, 0.465]
    assert binomtest(hits, n).proportion_ci(method="wilson").high < 0.5


def test_a_session_drift_favours_floors_the_bias_the_module_states() -> None:
    # a drift of 1/15 of a step's standard deviation: floors win 1,240 / 2,186 = 0.567
    _, _, fhits, fn = _walk(1_000, seed=8, drift=0.02)
    assert fn > 1_000
    assert binomtest(fhits, fn).proportion_ci(method="wilson").low > 0.5


# --- record: the control is recorded beside the level ----------------------------------------


def test_record_keeps_each_near_level_with_its_mirrored_control() -> None:
    analysis = analyze(sessions()[1])
    spot, atr = analysis.snapshot.spot, analysis.metrics.atr
    assert atr is not None
    state = record(EvidenceState(), analysis, P)
    assert state.levels
    for p in state.levels:
        assert p.control == pytest.approx(2 * spot - p.price)
        assert p.side == (1 if spot > p.price else -1)
        assert (p.control - spot) * (p.price - spot) < 0  # the other side of spot
        assert abs(p.price - spot) <= P.band_atr * atr
        assert p.atr == atr
        assert p.recorded == analysis.as_of
        assert p.closes > p.recorded
    kinds = {p.kind for p in state.levels}
    assert kinds <= {
        k.value
        for k in (
            LevelKind.CALL_WALL,
            LevelKind.PUT_WALL,
            LevelKind.SUPPORT,
            LevelKind.RESISTANCE,
            LevelKind.ZERO_GAMMA,
            LevelKind.VOL_TRIGGER,
        )
    }
    # no control stands behind a wall of the snapshot
    walls = [
        lv.price
        for lv in analysis.levels.levels
        if lv.kind in {LevelKind.CALL_WALL, LevelKind.PUT_WALL}
    ]
    assert walls
    assert not any(shielded(p.price, spot, atr, walls, P) for p in state.levels)
    # one pair per kind and side at a time: the nearest level of the kind on that side
    pairs = {(p.kind, p.side): p.price for p in state.levels}
    assert len(pairs) == len(state.levels)
    for lv in analysis.levels.levels:
        side = 1 if spot > lv.price else -1
        if (lv.kind.value, side) in pairs and abs(lv.price - spot) <= P.band_atr * atr:
            assert abs(pairs[lv.kind.value, side] - spot) <= abs(lv.price - spot)
    assert len({p.kind for p in state.levels if p.side > 0}) < len(state.levels)  # both sides
    again = record(state, analysis, P)
    assert again.levels == state.levels


def test_record_keeps_the_nearest_level_of_a_kind_and_side_while_its_pair_is_pending() -> None:
    analysis = analyze(sessions()[1])
    spot = analysis.snapshot.spot
    support = next(lv for lv in analysis.levels.levels if lv.kind == LevelKind.SUPPORT)
    below = support.price < spot
    farther = replace(support, price=support.price - 3.0 if below else support.price + 3.0)
    nearer = replace(support, price=(support.price + spot) / 2)
    walls = {LevelKind.CALL_WALL, LevelKind.PUT_WALL}
    others = tuple(lv for lv in analysis.levels.levels if lv.kind not in walls)  # no shields
    levels = replace(analysis.levels, levels=(farther, *others, nearer))
    state = record(EvidenceState(), replace(analysis, levels=levels), P)
    side = 1 if below else -1
    got = [p.price for p in state.levels if p.kind == "support" and p.side == side]
    assert got == [nearer.price]
    # a later snapshot of the session adds no second pair for a kind and side still pending
    later = analyze(sessions()[2])
    assert later.session == analysis.session
    after = record(state, later, P)
    old = {(p.kind, p.side) for p in state.levels}
    added = after.levels[len(state.levels) :]
    assert not {(p.kind, p.side) for p in added} & old


# --- the retired touch_atr --------------------------------------------------------------------


def test_a_config_that_still_sets_touch_atr_loads_and_the_key_is_dropped() -> None:
    config = config_from_document({"evidence": {"touch_atr": 0.1, "breach_atr": 0.3}})
    assert config.engine.evidence == EvidenceParams(breach_atr=0.3)
    assert "touch_atr" not in config.engine.evidence.model_dump()
    assert "touch_atr" not in json_schema()["$defs"]["EvidenceParams"]["properties"]
    with pytest.raises(ConfigError, match=r"evidence\.touch_atrs"):
        config_from_document({"evidence": {"touch_atrs": 0.1}})
