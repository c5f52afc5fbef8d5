"""The learning rule: expected moves on hand-built outcomes, no false discovery on noise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from eots.adaptive.methodology import methodology_weights
from eots.adaptive.params import ESdagParams
from eots.levels.conviction import conviction, metric_weights, rates
from eots.levels.model import Evidence, Level, LevelKind, Timeframe
from eots.levels.params import ConvictionParams
from eots.tracking import (
    NULL_BAND,
    AdaptationSpeed,
    Book,
    Event,
    EvidenceItem,
    LearnedWeights,
    LearningParams,
    TrackingParams,
    WeightChanged,
    WeightGroup,
    advance,
    evidence,
    learn,
    wilson_interval,
)
from eots.tracking.model import IdeaOutcome
from eots.tracking.outcomes import partner
from tracking_builders import T0, at, idea, marks, spread_quotes

SF = WeightGroup.SIGNAL_FAMILY
LK = WeightGroup.LEVEL_KIND


def _moves(params: LearningParams) -> dict[str, float]:
    ev = {(SF, "directional"): (True,) * 20, (SF, "volatility"): (False,) * 20}
    new = {(SF, "directional"): 20, (SF, "volatility"): 20}
    return {u.name: u.new for u in learn(LearnedWeights.neutral(), ev, new, params)}


def test_weight_group_moves_by_the_hand_computed_amount() -> None:
    # pooled rate 0.5; directional 20/20 -> shrunk (20 + 20 * 0.5) / 40 = 0.75, mu = 1.5;
    # volatility 0/20 -> 0.25, mu = 0.5; the others mu = 1; norm = 0.25 * 4 = 1
    # target directional 0.375; one window of new outcomes -> eta = 0.05
    moved = _moves(LearningParams())
    assert moved == pytest.approx({"directional": 0.25625, "volatility": 0.24375})


@pytest.mark.parametrize(
    ("params", "directional"),
    [
        (LearningParams(sensitivity=2.0), 0.25 + 0.05 * 0.25),  # mu 2 and 0: target 0.5
        (LearningParams(adaptation_speed=AdaptationSpeed.FAST), 0.25 + 0.1 * 0.125),
        (LearningParams(adaptation_speed=AdaptationSpeed.SLOW), 0.25 + 0.025 * 0.125),
        (LearningParams(learning_rate=0.2), 0.25 + 0.2 * 0.125),
        (LearningParams(prior_observations=60.0), 0.25 + 0.05 * 0.0625),  # shrunk 0.625
    ],
    ids=["sensitivity", "fast", "slow", "learning_rate", "prior_observations"],
)
def test_each_factor_of_the_rule_changes_the_move(
    params: LearningParams, directional: float
) -> None:
    assert _moves(params)["directional"] == pytest.approx(directional)


def test_rate_moves_toward_shrunk_rate_with_its_evidence() -> None:
    ev = {(LK, "call_wall"): (True,) * 20}
    (u,) = learn(LearnedWeights.neutral(), ev, {(LK, "call_wall"): 20}, LearningParams())
    assert u.new == pytest.approx(0.5 + 0.05 * (0.75 - 0.5))
    assert (u.n, u.hits, u.hit_rate, u.baseline) == (20, 20, 1.0, 0.5)
    assert (u.ci_low, u.ci_high) == pytest.approx(wilson_interval(20, 20))
    assert u.ci_low == pytest.approx(0.8389, abs=1e-4)


def test_small_n_is_shrunk_and_steps_scale_with_new_outcomes() -> None:
    ev = {(LK, "put_wall"): (True,) * 6}
    (u,) = learn(LearnedWeights.neutral(), ev, {(LK, "put_wall"): 6}, LearningParams())
    shrunk = (6 + 20 * 0.5) / (6 + 20)
    eta = 1 - 0.95 ** (6 / 20)
    assert u.target == pytest.approx(shrunk)
    assert u.new == pytest.approx(0.5 + eta * (shrunk - 0.5))


def test_only_the_window_counts() -> None:
    ev = {(LK, "call_wall"): (False,) * 20 + (True,) * 20}
    (u,) = learn(LearnedWeights.neutral(), ev, {(LK, "call_wall"): 20}, LearningParams())
    assert (u.n, u.hits) == (20, 20)


def test_rate_within_sampling_noise_does_not_move() -> None:
    ev = {(LK, "call_wall"): (True,) * 13 + (False,) * 7}  # 0.65: 0.5 inside the interval
    assert learn(LearnedWeights.neutral(), ev, {(LK, "call_wall"): 20}, LearningParams()) == ()


def _random_walk(edge: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    weights = LearnedWeights.neutral()
    families = list(weights.prior[SF])
    ev: dict[tuple[WeightGroup, str], tuple[bool, ...]] = {}
    worst = 0.0
    for _ in range(1500):
        f = families[int(rng.integers(len(families)))]
        p = edge if f == "directional" else 0.5
        ev[SF, f] = (*ev.get((SF, f), ()), bool(rng.random() < p))
        for u in learn(weights, ev, {(SF, f): 1}, LearningParams()):
            weights = weights.with_value(u.group, u.name, u.new)
        now = weights.values[SF]
        worst = max(worst, max(abs(now[k] / weights.prior[SF][k] - 1) for k in now))
    return worst


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_false_discovery_on_random_outcomes(seed: int) -> None:
    assert _random_walk(0.5, seed) <= NULL_BAND


def test_a_real_edge_leaves_the_band() -> None:
    assert _random_walk(0.9, 0) > 3 * NULL_BAND


def test_learned_values_reach_the_stages_that_use_them() -> None:
    conv = ConvictionParams()
    w = LearnedWeights.neutral()
    w = w.with_value(WeightGroup.LEVEL_METRIC, "mspi", 0.2)
    w = w.with_value(WeightGroup.LEVEL_METRIC, "sai", 0.9 / 11)
    w = w.with_value(LK, "call_wall", 0.62)
    record = w.level_track_record(conv)
    got = dict(metric_weights(list(conv.metrics), record, conv))
    total = sum(w.values[WeightGroup.LEVEL_METRIC].values())
    for name, value in w.values[WeightGroup.LEVEL_METRIC].items():
        assert got[name] == pytest.approx(value / total)
    assert rates(record, "kind", conv.prior_observations)["call_wall"] == pytest.approx(0.62)
    # neutral: the equal weights of no track record
    neutral = LearnedWeights.neutral().level_track_record(conv)
    assert dict(metric_weights(list(conv.metrics), neutral, conv)) == pytest.approx(
        dict(metric_weights(list(conv.metrics), None, conv))
    )
    e = LearnedWeights.neutral().with_value(WeightGroup.ESDAG_METHOD, "directional", 0.3)
    e = e.with_value(WeightGroup.ESDAG_METHOD, "multiplicative", 0.3)
    weights, _ = methodology_weights(None, T0, e.esdag_params(ESdagParams()), 20)
    assert weights == pytest.approx(
        {"multiplicative": 0.3, "directional": 0.3, "weighted": 0.3, "volatility_focused": 0.1}
    )
    assert e.source(WeightGroup.ESDAG_METHOD) == "learned"
    assert e.source(SF) == "prior"


def test_conviction_reads_the_learned_kind_value_as_a_paired_win_rate() -> None:
    # The learned level_kind value is the share of decided level/control pairs the level won
    # (eots.engine.evidence). Conviction turns it into the excess hold over the control,
    # 2 w - 1 (0 at the prior 0.5: no evidence), averaged with the level's own interaction.
    conv = ConvictionParams()
    level = Level(
        price=100.0,
        kind=LevelKind.CALL_WALL,
        timeframe=Timeframe.INTRADAY,
        strength=0.5,
        first_seen=T0,
        last_seen=T0,
        updates=1,
        evidence=Evidence(),
    )
    for won, excess in ((0.62, 0.24), (0.5, 0.0), (0.4, -0.2)):
        w = LearnedWeights.neutral().with_value(LK, "call_wall", won)
        kinds = rates(w.level_track_record(conv), "kind", conv.prior_observations)
        _, factors = conviction(level, float("nan"), kinds, 12, conv)
        history = dict(factors)["historical_performance"]
        assert history == pytest.approx(max(0.0, excess / 2))  # the interaction's excess is 0
        assert dict(factors)["evidence_weight"] == pytest.approx(0.3)  # informative, even at 0.5


def _outcome(pnl: float, components: tuple[tuple[str, float], ...] = ()) -> IdeaOutcome:
    from eots.tracking.model import ExitReason

    return IdeaOutcome(
        idea_id="x", underlying="SPX", strategy="s", direction="bullish", stars=3,
        conviction=0.6, signals=(), regime=None, ts_entry=T0, ts_exit=at(5),
        exit_reason=ExitReason.TARGET, pnl_bidask=pnl, pnl_mid=pnl, pnl_spread_fraction=pnl,
        risk=100.0, r_multiple=pnl / 100, mfe=pnl, mae=0.0, minutes_held=5.0,
        minutes_to_target=5.0, minutes_to_stop=None, conviction_components=components,
    )  # fmt: skip


def test_outcome_evidence_for_families() -> None:
    i = idea(signals=("directional.composite", "volatility.expansion", "base.pin_risk"))
    win = {(e.group, e.name): e.hit for e in evidence(i, _outcome(10.0))}
    assert win == {(SF, "directional"): True, (SF, "volatility"): True}  # no pair: no conviction
    loss = {(e.group, e.name): e.hit for e in evidence(i, _outcome(-10.0))}
    assert loss == {(SF, "directional"): False, (SF, "volatility"): False}


def test_conviction_components_are_scored_on_discordant_pairs() -> None:
    i = idea(signals=())
    high = (("performance", 0.8), ("signal_strength", 0.3), ("level_strength", 0.4), ("x", 0.9))
    low = (("performance", 0.6), ("signal_strength", 0.5), ("level_strength", 0.4), ("x", 0.1))
    conv = WeightGroup.CONVICTION
    # the win had the higher performance and the lower signal strength; level strength tied
    got = {(e.group, e.name): e.hit for e in evidence(i, _outcome(10.0, high), _outcome(-5, low))}
    assert got == {(conv, "performance"): True, (conv, "signal_strength"): False}
    # the same pair scored from the loss's side gives the same observations
    back = {(e.group, e.name): e.hit for e in evidence(i, _outcome(-5, low), _outcome(10.0, high))}
    assert back == got
    # a concordant pair (two wins, two losses) says nothing about the components
    assert evidence(i, _outcome(10.0, high), _outcome(3.0, low)) == ()
    assert evidence(i, _outcome(-1.0, high), _outcome(-3.0, low)) == ()


def test_outcomes_are_paired_disjointly_in_scoring_order() -> None:
    a, b, c = _outcome(1.0), _outcome(-1.0), _outcome(2.0)
    assert partner(()) is None
    assert partner((a,)) is a
    assert partner((a, b)) is None  # (a, b) is a pair: c starts the next one
    assert partner((a, b, c)) is c


def _conviction_hit_rate(seed: int, win_rate: float) -> tuple[int, int, float]:
    """Score random ideas whose components carry no information (module docstring's null)."""
    rng = np.random.default_rng(seed)
    hits = n = 0
    old_hits = 0
    previous = None
    for k in range(4000):
        # signal strength mostly low, performance mostly high: their shares of high values differ
        comps = (("performance", float(rng.uniform(0.3, 1.0))),
                 ("signal_strength", float(rng.uniform(0.0, 0.6))))  # fmt: skip
        out = _outcome(1.0 if rng.random() < win_rate else -1.0, comps)
        old_hits += (comps[1][1] >= 0.5) == (out.pnl_bidask > 0)  # the earlier rule
        items = evidence(idea(signals=()), out, previous if k % 2 else None)
        hits += sum(e.hit for e in items if e.name == "signal_strength")
        n += sum(1 for e in items if e.name == "signal_strength")
        previous = out
    return hits, n, old_hits / 4000


@pytest.mark.parametrize(("seed", "win_rate"), [(0, 0.3), (1, 0.4), (2, 0.7)])
def test_uninformative_conviction_components_score_one_half(seed: int, win_rate: float) -> None:
    hits, n, old_rate = _conviction_hit_rate(seed, win_rate)
    assert n > 600  # about 2000 pairs x 2 q (1 - q) discordant
    lo, hi = wilson_interval(hits, n, 0.999)
    assert lo <= 0.5 <= hi
    # the earlier rule, q h + (1 - q)(1 - h) with h = 1/6, is far from 0.5 on the same ideas
    expected_old = win_rate / 6 + (1 - win_rate) * 5 / 6
    assert old_rate == pytest.approx(expected_old, abs=0.03)
    assert abs(expected_old - 0.5) > 0.05


def test_advance_logs_each_change_with_its_evidence_after_the_outcome() -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book = Book()
    log: list[Event] = []
    for minute in range(25):
        ts = at(minute)
        items = tuple(
            EvidenceItem(
                group=LK, name="put_wall", hit=True, observed_at=ts - dt.timedelta(seconds=s)
            )
            for s in (1, 2)
        )
        book, ev = advance(book, marks(ts, q, evidence=items), (), TrackingParams())
        log += ev
    changes = [e for e in log if isinstance(e, WeightChanged)]
    assert changes, "20 of 20 held is beyond the noise of a 0.5 prior"
    first = changes[0]
    # 2 held of 2 is noise; 4 of 4 (second snapshot) is the first beyond it: Wilson > 0.5
    assert first.ts_event == at(1)
    assert (first.n, first.hits) == (4, 4)
    assert (first.ci_low, first.ci_high) == pytest.approx(wilson_interval(4, 4))
    assert first.ci_low is not None
    assert first.ci_low > 0.5
    assert book.weights.values[LK]["put_wall"] == changes[-1].new
    assert changes[-1].new > 0.5
    # nothing learned before the first evidence arrived
    assert log[0].ts_event == T0
    assert not isinstance(log[0], WeightChanged)


def test_gate_is_bonferroni_over_the_members_with_evidence() -> None:
    # 15 of 20: Wilson 95 % lower bound 0.531 (> 0.5) alone, 0.499 at 97.5 % (two members)
    hits = (True,) * 15 + (False,) * 5
    alone = learn(
        LearnedWeights.neutral(), {(LK, "call_wall"): hits}, {(LK, "call_wall"): 20},
        LearningParams(),
    )  # fmt: skip
    assert [u.name for u in alone] == ["call_wall"]
    two = {(LK, "call_wall"): hits, (LK, "put_wall"): (True, False) * 10}
    new = {(LK, "call_wall"): 20, (LK, "put_wall"): 20}
    assert learn(LearnedWeights.neutral(), two, new, LearningParams()) == ()
