"""The learning rule: weights that move with scored outcomes, and only with real evidence.

**What it moves** (``WeightGroup``; the neutral priors the earlier stages use without a track
record): the E-SDAG methodology weights (prior ``methodology_weights_initial`` 0.4 / 0.2 / 0.3 /
0.1), the key-level metric weights (prior equal over ``ConvictionParams.metrics``), the per-kind
paired win rate in level conviction (prior 0.5: the share of decided level/control pairs the
level won, ``eots.engine.evidence``; conviction reads ``2 rate - 1`` as the kind's excess hold over
a random level at the same distance), the signal integration family weights (prior equal) and
the conviction mapping (prior performance 0.5 / signal strength 0.3 / level strength 0.2).

**Evidence** is a window of hits per (group, name): the latest ``performance_tracking_window``
(N) scored observations, each ``True`` when that name got it right (``EvidenceItem``). With
``k`` hits out of ``n``:

::

    baseline  p  = the group's pooled rate sum(k) / sum(n)   (weights: relative to each other)
                   the prior, 0.5                            (rates)
    shrunk    r  = (k + n0 p) / (n + n0)                     n0 = prior_observations (20)
    gate      g  = p outside the Wilson interval of k / n at 95 %, Bonferroni over the group's
                   members with evidence (evidence beyond sampling noise)
    weights:  mu = max(0, 1 + 2 s (r - p)) if g else 1,      tau = w0 mu / sum_j w0_j mu_j
    rates:    tau = r if g else p
    step      w <- w + eta' (tau - w),   eta' = 1 - (1 - eta)^(m / (N M))
              eta = learning_rate x {slow 0.5, medium 1, fast 2}[adaptation_speed]

with m the new observations of the update and M the members with evidence (1 for a rate): a
value moves ``eta`` of the way to its target per window of N new outcomes, however the outcomes
are spread over snapshots, and overlapping windows (one streak seen 20 times) count once. With
no real edge the baseline stays inside the interval, the target stays the prior and the value
stays within ``NULL_BAND`` of it (tested on random outcomes: no false discovery). The lifecycle
calls the rule after the snapshot's outcomes are scored, so a value changed at ``ts_event`` T was
learned from outcomes known at or before T and is first used by decisions after T.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from eots.adaptive.methodology import initial_weights
from eots.adaptive.params import ESdagParams, MethodologyWeights
from eots.core.stats import wilson_interval
from eots.levels.conviction import TRACK_RECORD_SCHEMA
from eots.levels.model import LevelKind
from eots.levels.params import ConvictionParams
from eots.signals.model import SignalFamily
from eots.tracking.model import RATE_GROUPS, WeightGroup
from eots.tracking.params import LearningParams

#: The conviction mapping's components (trade_idea_framework.conviction_mapping).
CONVICTION_COMPONENTS = ("performance", "signal_strength", "level_strength")

#: The stated no-false-discovery band: on outcomes without edge every weight stays within this
#: relative distance of its prior (tested: 2000 random outcomes, seeds 0..4, largest seen 0.7 %).
NULL_BAND = 0.02

#: Evidence kept per (group, name); the window must not exceed it.
MAX_EVIDENCE = 1024

Values = Mapping[WeightGroup, Mapping[str, float]]


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnedWeights:
    """Learned values per group (``values``) beside their priors (``prior``)."""

    values: Values
    prior: Values

    @classmethod
    def neutral(
        cls,
        esdag: ESdagParams | None = None,
        conviction: ConvictionParams | None = None,
        learning: LearningParams | None = None,
    ) -> LearnedWeights:
        """Return the neutral priors every stage uses without a track record."""
        conv = conviction or ConvictionParams()
        mapping = (learning or LearningParams()).conviction_mapping
        families = [f.value for f in SignalFamily]
        prior: dict[WeightGroup, Mapping[str, float]] = {
            WeightGroup.ESDAG_METHOD: initial_weights(esdag or ESdagParams()),
            WeightGroup.LEVEL_METRIC: {m: 1.0 / len(conv.metrics) for m in conv.metrics},
            WeightGroup.LEVEL_KIND: {k.value: 0.5 for k in LevelKind},
            WeightGroup.SIGNAL_FAMILY: {f: 1.0 / len(families) for f in families},
            WeightGroup.CONVICTION: dict(zip(CONVICTION_COMPONENTS, mapping, strict=True)),
        }
        return cls(values=prior, prior=prior)

    def group(self, group: WeightGroup) -> dict[str, float]:
        """Return the current values of ``group`` (a copy)."""
        return dict(self.values[group])

    def source(self, group: WeightGroup) -> str:
        """``"prior"`` while ``group`` equals its prior, else ``"learned"``."""
        return "prior" if self.values[group] == self.prior[group] else "learned"

    def with_value(self, group: WeightGroup, name: str, value: float) -> LearnedWeights:
        """Return a copy with one value replaced."""
        values = dict(self.values)
        values[group] = {**values[group], name: value}
        return LearnedWeights(values=values, prior=self.prior)

    def signal_weights(self) -> dict[str, float]:
        """Signal integration weights, family -> weight (sum 1)."""
        return self.group(WeightGroup.SIGNAL_FAMILY)

    def conviction_mapping(self) -> dict[str, float]:
        """Conviction mapping weights, component -> weight (sum 1)."""
        return self.group(WeightGroup.CONVICTION)

    def esdag_params(self, base: ESdagParams) -> ESdagParams:
        """Return ``base`` with the learned methodology weights as its initial weights.

        ``methodology_weights`` then starts from them (and stays at them without its own
        track record).
        """
        w = self.values[WeightGroup.ESDAG_METHOD]
        full = {m: w.get(m, 0.0) for m in MethodologyWeights.model_fields}
        return base.model_copy(update={"methodology_weights_initial": MethodologyWeights(**full)})

    def level_track_record(self, conviction: ConvictionParams) -> pl.DataFrame:
        """Return a ``TRACK_RECORD_SCHEMA`` frame whose shrunk rates give the learned values.

        ``levels.conviction`` shrinks ``rate = (hits + k/2) / (n + k)`` and weights metrics in
        proportion to their rates, so each row has ``n = 0`` and the pseudo-count ``hits = (rate
        - 1/2) k`` with ``rate`` = the learned paired win rate (kinds) or ``w M / 2`` (metrics, M
        of them: equal weights give 0.5). ``metric_weights`` then returns the learned weights and
        ``rates(.., "kind", ..)`` the learned paired win rates, which conviction reads as such.
        """
        k = conviction.prior_observations
        metrics = self.values[WeightGroup.LEVEL_METRIC]
        kinds = self.values[WeightGroup.LEVEL_KIND]
        rows: list[tuple[str, str, int, float]] = [
            ("metric", m, 0, (w * len(metrics) / 2.0 - 0.5) * k) for m, w in metrics.items()
        ]
        rows += [("kind", name, 0, (rate - 0.5) * k) for name, rate in kinds.items()]
        return pl.DataFrame(rows, schema=TRACK_RECORD_SCHEMA, orient="row")


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightUpdate:
    """One learned value's move and its evidence (becomes a ``WeightChanged`` event)."""

    group: WeightGroup
    name: str
    old: float
    new: float
    target: float
    n: int
    hits: int
    hit_rate: float | None
    ci_low: float | None
    ci_high: float | None
    baseline: float


@dataclass(frozen=True, slots=True)
class _Stats:
    n: int
    hits: int
    lo: float | None
    hi: float | None


def _stats(window: tuple[bool, ...], confidence: float) -> _Stats:
    n, hits = len(window), sum(window)
    if n == 0:
        return _Stats(0, 0, None, None)
    lo, hi = wilson_interval(hits, n, confidence)
    return _Stats(n, hits, lo, hi)


def _shrunk(s: _Stats, baseline: float, n0: float) -> float:
    return (s.hits + n0 * baseline) / (s.n + n0)


def _significant(s: _Stats, baseline: float) -> bool:
    return s.lo is not None and s.hi is not None and not s.lo <= baseline <= s.hi


def _update(  # noqa: PLR0913  (one weight's old, target, evidence and step, private)
    group: WeightGroup, name: str, old: float, target: float, s: _Stats, baseline: float, eta: float
) -> WeightUpdate:
    return WeightUpdate(
        group=group,
        name=name,
        old=old,
        new=old + eta * (target - old),
        target=target,
        n=s.n,
        hits=s.hits,
        hit_rate=s.hits / s.n if s.n else None,
        ci_low=s.lo,
        ci_high=s.hi,
        baseline=baseline,
    )


def _weight_group(
    group: WeightGroup,
    weights: LearnedWeights,
    stats: dict[str, _Stats],
    eta: float,
    params: LearningParams,
) -> list[WeightUpdate]:
    total_n = sum(s.n for s in stats.values())
    if total_n == 0:
        return []
    baseline = sum(s.hits for s in stats.values()) / total_n
    prior = weights.prior[group]
    mult = {}
    for name, s in stats.items():
        if _significant(s, baseline):
            edge = _shrunk(s, baseline, params.prior_observations) - baseline
            mult[name] = max(0.0, 1.0 + 2.0 * params.sensitivity * edge)
        else:
            mult[name] = 1.0
    norm = sum(prior[m] * mult[m] for m in prior)
    targets = {m: prior[m] * mult[m] / norm for m in prior} if norm > 0 else dict(prior)
    current = weights.values[group]
    ups = [_update(group, m, current[m], targets[m], stats[m], baseline, eta) for m in prior]
    if max(abs(u.new - u.old) for u in ups) < params.min_change:
        return []
    return [u for u in ups if u.new != u.old]


def _rate_group(
    group: WeightGroup,
    weights: LearnedWeights,
    stats: dict[str, _Stats],
    etas: dict[str, float],
    params: LearningParams,
) -> list[WeightUpdate]:
    out = []
    for name, s in stats.items():
        if etas[name] == 0.0:
            continue
        baseline = weights.prior[group][name]
        target = (
            _shrunk(s, baseline, params.prior_observations)
            if _significant(s, baseline)
            else baseline
        )
        u = _update(group, name, weights.values[group][name], target, s, baseline, etas[name])
        if abs(u.new - u.old) >= params.min_change:
            out.append(u)
    return out


def _eta(params: LearningParams, new: int, members: int) -> float:
    turned = new / (params.performance_tracking_window * max(1, members))
    return 1.0 - float((1.0 - params.step) ** turned)


def learn(
    weights: LearnedWeights,
    evidence: Mapping[tuple[WeightGroup, str], tuple[bool, ...]],
    new: Mapping[tuple[WeightGroup, str], int],
    params: LearningParams,
) -> tuple[WeightUpdate, ...]:
    """Return one step of the learning rule for every group with new evidence (module docstring).

    Parameters
    ----------
    weights
        The values in force and their priors.
    evidence
        Hits per (group, name), oldest first (the new ones included); only the latest
        ``performance_tracking_window`` count. Names not in the group's prior are ignored.
    new
        How many of those observations are new, per (group, name): the step is ``eta`` per
        window of new outcomes.
    params
        Window, learning rate, adaptation speed, shrinkage, interval level.

    Returns
    -------
    tuple of WeightUpdate
        The values that moved by at least ``min_change`` (a weight group moves together).
    """
    window = params.performance_tracking_window
    out: list[WeightUpdate] = []
    for group in sorted({g for g, _ in new}):
        names = weights.prior[group]
        windows = {name: evidence.get((group, name), ())[-window:] for name in names}
        tested = sum(1 for w in windows.values() if w)
        level = 1.0 - (1.0 - params.confidence) / max(1, tested)
        stats = {name: _stats(w, level) for name, w in windows.items()}
        if group in RATE_GROUPS:
            etas = {name: _eta(params, new.get((group, name), 0), 1) for name in names}
            out += _rate_group(group, weights, stats, etas, params)
        else:
            count = sum(new.get((group, name), 0) for name in names)
            out += _weight_group(group, weights, stats, _eta(params, count, tested), params)
    return tuple(out)


__all__ = [
    "CONVICTION_COMPONENTS",
    "MAX_EVIDENCE",
    "NULL_BAND",
    "LearnedWeights",
    "WeightUpdate",
    "learn",
    "wilson_interval",
]
