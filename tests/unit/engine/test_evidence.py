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
    pair_items,
    record,
    resolve,
)
from eots.levels import LevelKind
from eots.pipeline import analyze
from eots.tracking.model import EvidenceItem, WeightGroup
from unit.engine.engine_data import sessions

T0 = dt.datetime(2024, 3, 11, 14, 30, tzinfo=dt.UTC)
CLOSE = dt.datetime(2024, 3, 11, 21, 0, tzinfo=dt.UTC)
P = EvidenceParams()  # breach_atr 0.25


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


# --- the four outcomes, both sides ------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "path", "hit"),
    [
        # a floor at 99 (spot 100): the control is a ceiling at 101, breached above 101.25
        (99.0, [100.5, 101.4, 101.0], True),  # control broke, level stood
        (99.0, [99.5, 98.6, 99.0], False),  # level broke, control stood
        # a ceiling at 101: the control is a floor at 99, breached below 98.75
        (101.0, [99.5, 98.7, 99.0], True),
        (101.0, [100.5, 101.3, 100.0], False),
    ],
)
def test_a_discordant_pair_is_evidence_at_the_close(
    level: float, path: list[float], hit: bool
) -> None:
    got = _run(_pending(level), path)
    assert len(got) == 1
    step, items = got[0]
    assert step == len(path) - 1  # not before the close
    assert [(i.group, i.name, i.hit) for i in items] == [(WeightGroup.LEVEL_KIND, "put_wall", hit)]
    assert items[0].observed_at == CLOSE


@pytest.mark.parametrize(
    ("level", "path"),
    [
        (99.0, [100.5, 99.2, 100.8, 100.0]),  # both within 0.25 ATR beyond: intact
        (101.0, [100.2, 100.0, 100.1]),
        (99.0, [98.7, 100.0, 101.3, 100.0]),  # both broken, the level first
    ],
)
def test_a_concordant_pair_gives_no_evidence(level: float, path: list[float]) -> None:
    p = _pending(level)
    state = EvidenceState(levels=(p,), path=((T0, 100.0),))
    for i, s in enumerate(path):
        ts = CLOSE if i == len(path) - 1 else _at(30 * (i + 1))
        state, items = resolve(state, ts, s, P)
        assert items == ()
    assert state.levels == ()


def test_both_breached_resolves_before_the_close_without_evidence() -> None:
    p = _pending(99.0)
    state = EvidenceState(levels=(p,), path=((T0, 100.0),))
    state, items = resolve(state, _at(30), 98.5, P)  # the level alone: still pending
    assert items == ()
    assert state.levels == (p,)
    state, items = resolve(state, _at(60), 101.5, P)  # now the control too: resolved, no evidence
    assert items == ()
    assert state.levels == ()


def test_an_early_breach_of_the_level_alone_is_not_final() -> None:
    # the level breaks at once and the control only at the last snapshot before the close: a
    # rule that resolved at the level's breach would have scored a miss
    p = _pending(101.0)
    state = EvidenceState(levels=(p,), path=((T0, 100.0),))
    for i, s in enumerate([101.5, 100.0, 99.5, 99.0]):
        state, items = resolve(state, _at(30 * (i + 1)), s, P)
        assert items == ()
        assert state.levels == (p,)
    state, items = resolve(state, _at(150), 98.5, P)
    assert (items, state.levels) == ((), ())


def test_only_spots_after_recording_and_before_the_close_count() -> None:
    p = _pending(99.0)
    path = ((T0 - dt.timedelta(minutes=30), 98.0), (T0, 100.0), (_at(60), 100.5))
    assert breaches(p, path, P) == (False, False)
    after_close = (*path, (CLOSE + dt.timedelta(minutes=1), 98.0))
    assert breaches(p, after_close, P) == (False, False)
    # the first snapshot after the close resolves the pair from the session's own spots
    state = EvidenceState(levels=(p,), path=((T0, 100.0), (_at(60), 101.5)))
    state, items = resolve(state, CLOSE + dt.timedelta(hours=17), 95.0, P)
    assert [i.hit for i in items] == [True]


def test_a_breach_needs_more_than_breach_atr_beyond_on_the_far_side() -> None:
    p = _pending(99.0)  # control 101; atr 1, breach 0.25
    at = (T0, 100.0)
    assert breaches(p, (at, (_at(30), 98.76), (_at(60), 101.24)), P) == (False, False)
    assert breaches(p, (at, (_at(30), 98.74)), P) == (True, False)
    assert breaches(p, (at, (_at(30), 101.26)), P) == (False, True)
    wide = EvidenceParams(breach_atr=1.0)
    assert breaches(p, (at, (_at(30), 98.5), (_at(60), 101.5)), wide) == (False, False)
    volatile = replace(p, atr=4.0)  # the width is in ATR: 1.0 beyond the level
    assert breaches(volatile, (at, (_at(30), 98.1), (_at(60), 101.9)), P) == (False, False)
    assert breaches(volatile, (at, (_at(30), 97.9), (_at(60), 102.1)), P) == (True, True)


def test_metric_hits_follow_the_sign_of_their_alignment_on_discordant_pairs() -> None:
    aligned = (("mspi", 0.5), ("vri", -0.3), ("sai", 0.0))
    p = _pending(99.0, alignments=aligned)
    for control, level in ((True, False), (False, True)):
        items = pair_items(p, level=level, control=control, ts=CLOSE)
        hit = control
        metrics = {i.name: i.hit for i in items if i.group == WeightGroup.LEVEL_METRIC}
        assert metrics == {"mspi": hit, "vri": not hit}  # no evidence for a zero alignment
        kinds = [i.hit for i in items if i.group == WeightGroup.LEVEL_KIND]
        assert kinds == [hit]
    for both in (True, False):
        assert pair_items(p, level=both, control=both, ts=CLOSE) == []


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
    level, control = breaches(p, path, P)
    assert breaches(p, mirror, P) == (control, level)
    # and the pair seen from the control's side is the same evidence with the opposite sign
    swapped = _pending(p.control)
    assert breaches(swapped, path, P) == (control, level)


def _walk_pairs(
    n_sessions: int, seed: int, drift: float = 0.0
) -> tuple[int, int, int, int, int, int]:
    """Monte Carlo on symmetric random-walk sessions; returns paired and unpaired counts.

    Each session: 27 snapshot spots (15 minutes) of a Gaussian walk with 0.3 ATR steps (plus
    ``drift`` ATR a step), a level at a uniform distance in (0, 3] ATR on a random side,
    recorded at a random snapshot. Returns (discordant hits, discordant n, floor hits, floor n,
    the unpaired rule's held, its tested) with the old rule's touch band 0.1 ATR.
    """
    rng = np.random.default_rng(seed)
    hits = n = fhits = fn = held = tested = 0
    for _ in range(n_sessions):
        spots = 100.0 + np.cumsum(rng.normal(drift, 0.3, 27))
        k = int(rng.integers(0, 20))
        s0 = float(spots[k])
        level = s0 + float(rng.choice([-1.0, 1.0])) * float(rng.uniform(0.01, 3.0))
        p = _pending(level, s0)
        path = tuple((_at(15 * i), float(s)) for i, s in enumerate(spots))
        p = replace(p, recorded=path[k][0])
        lv, ct = breaches(p, path, P)
        items = pair_items(p, level=lv, control=ct, ts=CLOSE)
        if items:
            n += 1
            hits += items[0].hit
            if p.side > 0:
                fn += 1
                fhits += items[0].hit
        after = spots[k + 1 :]
        distance = p.side * (after - p.price)
        if np.any(distance <= 0.1):
            tested += 1
            held += not np.any(distance < -0.25)
    return hits, n, fhits, fn, held, tested


def test_on_a_driftless_random_walk_discordant_pairs_are_hits_half_the_time() -> None:
    hits, n, _, _, held, tested = _walk_pairs(20_000, seed=7)
    assert n > 5_000  # measured 6,521 discordant pairs of 20,000 sessions
    ci = binomtest(hits, n).proportion_ci(method="wilson")
    assert ci.low < 0.5 < ci.high  # measured 3,324 / 6,521 = 0.510, Wilson [0.498, 0.522]
    # the unpaired "held when tested" rule on the same paths is far from 0.5 (why pairing)
    old = binomtest(held, tested).proportion_ci(method="wilson")
    assert old.high < 0.45  # measured 1,899 / 5,853 = 0.324


def test_a_session_drift_favours_floors_the_bias_the_module_states() -> None:
    # a drift of 1/30 of a step's standard deviation: floors win 1,852 / 3,255 = 0.569
    _, _, fhits, fn, _, _ = _walk_pairs(20_000, seed=8, drift=0.01)
    assert fn > 2_000
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
    # one pair per kind and side a session: the nearest level of the kind on that side
    pairs = {(p.kind, p.side): p.price for p in state.levels}
    assert len(pairs) == len(state.levels)
    for lv in analysis.levels.levels:
        side = 1 if spot > lv.price else -1
        if (lv.kind.value, side) in pairs and abs(lv.price - spot) <= P.band_atr * atr:
            assert abs(pairs[lv.kind.value, side] - spot) <= abs(lv.price - spot)
    assert len({p.kind for p in state.levels if p.side > 0}) < len(state.levels)  # both sides
    again = record(state, analysis, P)
    assert again.levels == state.levels


def test_record_keeps_the_nearest_level_of_a_kind_and_side_once_a_session() -> None:
    analysis = analyze(sessions()[1])
    spot = analysis.snapshot.spot
    support = next(lv for lv in analysis.levels.levels if lv.kind == LevelKind.SUPPORT)
    below = support.price < spot
    farther = replace(support, price=support.price - 3.0 if below else support.price + 3.0)
    nearer = replace(support, price=(support.price + spot) / 2)
    levels = replace(analysis.levels, levels=(farther, *analysis.levels.levels, nearer))
    state = record(EvidenceState(), replace(analysis, levels=levels), P)
    side = 1 if below else -1
    got = [p.price for p in state.levels if p.kind == "support" and p.side == side]
    assert got == [nearer.price]
    # a later snapshot of the session adds no second pair for a kind and side already recorded
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
