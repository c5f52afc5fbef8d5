"""``key_levels``: every key level of one snapshot, as one ``KeyLevels`` (framework.md section 2).

Order of the stages (each in its own module, formulas there and in ``docs/levels.md``):

1. market conditions: ATR and IV rank/ratio from the ``MarketContext`` (without one: an
   IV-implied ATR ``S * IV_atm / sqrt(252)`` and neutral rank/ratio, noted);
2. dynamic thresholds (``thresholds``);
3. support/resistance: intraday from the current strike MSPI, daily and weekly from the prior
   summaries (``timeframes``), plus the latest daily and weekly summaries' walls, abs gamma and
   zero gamma;
4. walls with strengths from concentration, delta, positioning change and flow (``wall_levels``,
   ``positioning``); zero gamma (the foundation's crossings) and the volatility trigger
   (``vol_trigger``);
5. persistence against the previous ``KeyLevels`` (``persistence``);
6. price interaction with the daily bars and the session's spot path (``interaction``);
7. clusters (``clusters``) and support/resistance strength (``strength``);
8. conviction for every level and the adaptive high-conviction threshold (``conviction``).

Pure: the same inputs give the same ``KeyLevels``; nothing after ``as_of`` is read (the context is
built as of ``as_of`` by ``eots.history.market_context``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.core.diagnostics import Diagnostic
from eots.levels.clusters import cluster_groups, cluster_level, confluence, timeframe_weight
from eots.levels.conviction import MetricGrid, alignments, conviction, metric_weights, rates
from eots.levels.interaction import (
    NO_INTERACTION,
    Interaction,
    bar_ohlc,
    ohlc_interaction,
    path_interaction,
)
from eots.levels.model import Evidence, KeyLevels, Level, LevelKind, SessionSummary, Timeframe
from eots.levels.params import LevelParams
from eots.levels.persistence import carry_forward
from eots.levels.positioning import positioning_change
from eots.levels.strength import sr_strength
from eots.levels.thresholds import condition_factor, conviction_threshold, mspi_threshold
from eots.levels.timeframes import (
    intraday_levels,
    prior_structure_levels,
    recurring_levels,
    strike_mspi,
    summaries,
)
from eots.levels.vol_trigger import skew_profile, slope_strength
from eots.levels.wall_levels import wall_levels
from eots.levels.walls import gamma_walls
from eots.levels.zero_gamma import GammaProfile, ZeroGamma, grid_crossings
from eots.market import MarketContext

_SR = {LevelKind.SUPPORT, LevelKind.RESISTANCE}


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelInputs:
    """The current snapshot's foundation as the levels read it (all from ``eots.pipeline``).

    The levels never price a chain or compute a metric: everything here arrives computed (the
    foundation's contracts, by-strike frame, gamma profile and zero gamma; the analysis' strike
    metrics and ATR).

    Attributes
    ----------
    spot
        Spot, $.
    contracts
        In-scope contracts with the priced and exposure columns (``Analysis.contracts`` filtered
        to the expiry scope); the volatility trigger re-prices them.
    by_strike
        ``STRIKE_SCHEMA`` frame (``Analysis.by_strike``).
    strike_metrics
        Per-strike metrics (``Analysis.metrics.strikes``, optionally joined with adaptive metric
        columns such as ``a_dag``); None: no MSPI levels and neutral alignment.
    profile, zero_gamma
        The foundation's gamma profile and its crossings.
    atr
        The ATR ($) the metrics used; taken when the context has no sufficient ATR of its own, so
        one analysis measures every distance with one ATR (None: the IV-implied proxy here).
    """

    spot: float
    contracts: pl.DataFrame
    by_strike: pl.DataFrame
    profile: GammaProfile
    zero_gamma: ZeroGamma
    strike_metrics: pl.DataFrame | None = None
    atr: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelHistory:
    """What earlier work supplies: the previous update's levels and measured outcomes.

    ``previous``: the ``KeyLevels`` of the previous update (persistence, positioning change
    between updates, reuse of the prior-session summaries). ``track_record``:
    ``conviction.TRACK_RECORD_SCHEMA`` rows (None: the neutral prior). ``summaries``: prior
    sessions already reduced, matched to the context's prior snapshots by content hash (the
    engine makes them from each session's last foundation, ``eots.engine.summaries``; the levels
    never price a prior snapshot, so a prior without a summary is left out and said in the notes).
    """

    previous: KeyLevels | None = None
    track_record: pl.DataFrame | None = None
    summaries: tuple[SessionSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class _Conditions:
    atr: float
    iv_rank: float
    iv_ratio: float
    notes: tuple[Diagnostic, ...]


def _note(code: str, message: str) -> Diagnostic:
    return Diagnostic("levels", f"levels.{code}", message)


def _conditions(inputs: LevelInputs, context: MarketContext | None) -> _Conditions:
    notes: list[Diagnostic] = []
    atr = math.nan
    rank, ratio = 0.5, 1.0
    if context is not None:
        atr, rank, ratio = context.atr.value, context.iv_rank.value, context.iv_ratio.value
        for name, e in (("atr", context.atr), ("iv_rank", context.iv_rank)):
            if not e.sufficient:
                notes.append(_note(f"{name}.thin", f"{name}: {e.source} ({e.note})"))
    shared = inputs.atr is not None and math.isfinite(inputs.atr) and inputs.atr > 0
    if shared and (context is None or not context.atr.sufficient):
        assert inputs.atr is not None
        atr = inputs.atr
        notes.append(_note("atr.metrics", f"atr: {atr:.2f}, the one the metrics used"))
    if not (math.isfinite(atr) and atr > 0):
        near = inputs.contracts.filter(
            pl.col("exposure_ok") & ((pl.col("strike") / inputs.spot - 1).abs() <= 0.02)
        )
        iv = near.get_column("iv").median() if near.height else None
        iv_f = float(iv) if isinstance(iv, float) and math.isfinite(iv) else 0.16
        atr = inputs.spot * iv_f / math.sqrt(252.0)
        notes.append(
            _note("atr.iv_implied", f"atr: iv-implied {atr:.2f} (no usable ATR from the context)")
        )
    return _Conditions(
        atr=atr,
        iv_rank=rank if math.isfinite(rank) else 0.5,
        iv_ratio=ratio if math.isfinite(ratio) and ratio > 0 else 1.0,
        notes=tuple(notes),
    )


def _gamma_levels(
    inputs: LevelInputs, atr: float, iv_ratio: float, as_of: dt.datetime, params: LevelParams
) -> tuple[list[Level], list[Diagnostic]]:
    profile, zg = inputs.profile, inputs.zero_gamma
    notes: list[Diagnostic] = []
    scale = float(np.max(np.abs(profile.net_gex))) if profile.net_gex.size else 0.0
    out = [
        Level(
            price=root,
            kind=LevelKind.ZERO_GAMMA,
            timeframe=Timeframe.INTRADAY,
            strength=slope_strength(profile.terms.net_gex, root, scale, atr),
            evidence=Evidence.of(
                net_gex_at_spot=zg.net_gex_at_spot, nearest=1.0 if root == zg.nearest else 0.0
            ),
            first_seen=as_of,
            last_seen=as_of,
        )
        for root in zg.crossings
    ]
    if not zg.found:
        notes.append(_note("zero_gamma.none", f"zero gamma: {zg.describe(inputs.spot)}"))
    skew = skew_profile(inputs.contracts, inputs.spot, zg.band, profile.negligible_d1)
    grid = np.linspace(zg.band[0], zg.band[1], params.wall_detection.trigger_grid_points)
    on_grid, net_gex = skew.on_grid(grid)  # once: the crossings' grid and the strength's scale
    roots = grid_crossings(net_gex, grid, on_grid)
    if not roots:
        notes.append(
            _note(
                "vol_trigger.none",
                "vol trigger: no crossing of the skew-shifted profile within the band",
            )
        )
        return out, notes
    vt = min(roots, key=lambda r: (abs(r - inputs.spot), r))
    skew_scale = float(np.max(np.abs(on_grid)))
    half = params.wall_detection.trigger_zone_atr * atr * iv_ratio
    shift = vt - zg.nearest if zg.nearest is not None else math.nan
    out.append(
        Level(
            price=vt,
            kind=LevelKind.VOL_TRIGGER,
            timeframe=Timeframe.INTRADAY,
            strength=slope_strength(skew.net_gex, vt, skew_scale, atr),
            low=vt - half,
            high=vt + half,
            evidence=Evidence.of(
                crossings=len(roots),
                shift_from_zero_gamma=shift,
                zone_half_width=half,
                iv_ratio=iv_ratio,
            ),
            first_seen=as_of,
            last_seen=as_of,
        )
    )
    return out, notes


def _interactions(
    levels: list[Level], context: MarketContext | None, atr: float, params: LevelParams
) -> list[Level]:
    p = params.multi_timeframe
    bars = None
    path = None
    if context is not None:
        tail = context.daily_bars.tail(p.interaction_bars)
        bars = bar_ohlc(tail) if tail.height else None  # read once for every level
        path = context.spot_path.get_column("spot").to_numpy()
    walked = path is not None and path.size > 1
    untested = _interaction_evidence(NO_INTERACTION, p.interaction_full_tests)
    out = []
    for lv in levels:
        extra = untested  # without bars or a path every level is untested: one evidence
        if bars is not None or walked:
            inter = NO_INTERACTION
            if bars is not None:
                inter = inter + ohlc_interaction(lv.price, bars, atr, p.touch_atr)
            if path is not None and walked:
                inter = inter + path_interaction(lv.price, path, atr, p.touch_atr)
            extra = _interaction_evidence(inter, p.interaction_full_tests)
        out.append(dataclasses.replace(lv, evidence=lv.evidence + extra))
    return out


def _interaction_evidence(inter: Interaction, full_tests: int) -> Evidence:
    return Evidence.of(
        tests=inter.tests,
        holds=inter.holds,
        breaches=inter.breaches,
        reaction_atr=inter.reaction_atr,
        interaction=inter.factor(full_tests),
    )


def _structure(
    levels: list[Level], atr: float, as_of: dt.datetime, params: LevelParams
) -> list[Level]:
    """Clusters, S/R strengths and the cluster levels."""
    p = params.multi_timeframe
    groups = cluster_groups([lv.price for lv in levels], p.cluster_distance_factor * atr)
    scored = list(levels)
    for group in groups:
        members = [levels[i] for i in group]
        tfs = {m.timeframe for m in members}
        sr = [i for i in group if levels[i].kind in _SR]
        peak = (
            max(sr, key=lambda i: (abs(levels[i].value("mspi") or 0.0), -levels[i].price))
            if len(group) > 1 and sr
            else None
        )
        for i in sr:
            lv = levels[i]
            conf = confluence(tfs, p) if len(group) > 1 else timeframe_weight(lv.timeframe, p)
            inter = lv.value("interaction")
            strength, factors = sr_strength(lv, 0.5 if inter is None else inter, i == peak, conf, p)
            scored[i] = dataclasses.replace(lv, strength=strength, evidence=lv.evidence + factors)
    clusters = [cluster_level([scored[i] for i in g], as_of, p) for g in groups if len(g) > 1]
    return scored + clusters


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """What every level detector reads: the snapshot's stages, the context, the conditions.

    Built once per ``key_levels`` call; detectors are pure functions of it.
    """

    inputs: LevelInputs
    context: MarketContext | None
    params: LevelParams
    as_of: dt.datetime
    conditions: _Conditions
    threshold_factor: float
    daily: tuple[SessionSummary, ...]
    weekly: tuple[SessionSummary, ...]
    missing: tuple[Diagnostic, ...]
    mspi: pl.DataFrame | None
    positioning: pl.DataFrame


#: A level detector: levels found and diagnostics (what it could not find, and why).
Detector = Callable[[Detection], tuple[list[Level], list[Diagnostic]]]


def _support_resistance(d: Detection) -> tuple[list[Level], list[Diagnostic]]:
    """Intraday support and resistance from the current strike MSPI."""
    if d.mspi is None:
        return [], [_note("support_resistance.no_metrics", "support/resistance: no strike metrics")]
    threshold = mspi_threshold(d.params.thresholds.intraday_base, d.threshold_factor)
    return intraday_levels(d.mspi, d.inputs.spot, threshold, d.as_of, d.params), []


def _recurring(d: Detection) -> tuple[list[Level], list[Diagnostic]]:
    """Return the prior summaries' levels per timeframe.

    Daily and weekly support/resistance recurring in prior summaries, and the latest summary's
    walls, abs gamma and zero gamma per timeframe.
    """
    t, mt = d.params.thresholds, d.params.multi_timeframe
    out: list[Level] = []
    for tf, sums, base, need in (
        (Timeframe.DAILY, d.daily, t.daily_base, mt.daily_min_sessions),
        (Timeframe.WEEKLY, d.weekly, t.weekly_base, mt.weekly_min_weeks),
    ):
        out += recurring_levels(sums, tf, mspi_threshold(base, d.threshold_factor), need, d.as_of)
        if sums:
            out += prior_structure_levels(sums[-1], tf, d.as_of)
    notes = (
        [_note("daily.none", "daily: no prior end-of-day snapshots")]
        if d.context and not d.context.daily
        else []
    )
    return out, notes


def _walls(d: Detection) -> tuple[list[Level], list[Diagnostic]]:
    """Call and put walls (and runners-up) with their strengths."""
    p = d.params.wall_detection
    walls = gamma_walls(d.inputs.by_strike, d.inputs.spot, runners_up=p.runners_up)
    last = d.daily[-1] if d.daily else None
    prior = (_finite(last.call_wall), _finite(last.put_wall)) if last else (None, None)
    return wall_levels(walls, d.inputs.by_strike, d.positioning, prior, d.as_of, p), []


def _gamma(d: Detection) -> tuple[list[Level], list[Diagnostic]]:
    """Zero-gamma crossings and the volatility trigger."""
    c = d.conditions
    return _gamma_levels(d.inputs, c.atr, c.iv_ratio, d.as_of, d.params)


#: Level detectors by name, in the order they run (``LevelParams.detectors`` selects).
DETECTORS: dict[str, Detector] = {
    "support_resistance": _support_resistance,
    "recurring": _recurring,
    "walls": _walls,
    "gamma": _gamma,
}


def _conviction(
    levels: list[Level], d: Detection, history: LevelHistory
) -> tuple[list[Level], tuple[tuple[str, float], ...]]:
    cp = d.params.conviction_framework
    sm = d.inputs.strike_metrics
    have = set(sm.columns) if sm is not None else set()
    present = [m for m in cp.metrics if m in have]
    weights = metric_weights(present, history.track_record, cp)
    grid = MetricGrid(sm, [m for m, _ in weights])
    kind_rates = rates(history.track_record, "kind", cp.prior_observations)
    persistence = d.params.multi_timeframe.persistence_updates
    aligned = alignments(levels, d.inputs.spot, grid, weights, cp.alignment_saturation)
    out = []
    for lv, align in zip(levels, aligned.tolist(), strict=True):
        score, factors = conviction(lv, align, kind_rates, persistence, cp)
        out.append(dataclasses.replace(lv, conviction=score, evidence=lv.evidence + factors))
    out.sort(key=lambda lv: (lv.price, lv.kind.value, lv.timeframe.value))
    return out, weights


def key_levels(
    inputs: LevelInputs,
    context: MarketContext | None,
    params: LevelParams,
    as_of: dt.datetime,
    history: LevelHistory | None = None,
) -> KeyLevels:
    """Return every key level of the current snapshot (module docstring).

    The enabled detectors (``DETECTORS``, ``params.detectors``) find candidate levels; then every
    level is carried forward against the previous update, scored on its price interaction,
    clustered (strengths), and given a conviction.

    Parameters
    ----------
    inputs
        The current snapshot's stages (``LevelInputs``).
    context
        Market context as of ``as_of`` (ATR, IV rank/ratio, prior sessions, bars, spot path);
        None: current-snapshot levels only, with the documented fallbacks (in ``notes``).
    params
        Level parameters.
    as_of
        The analysis instant (timezone-aware): stamps ``first_seen``/``last_seen``.
    history
        Previous update and track record (None: none).
    """
    history = history or LevelHistory()
    previous = history.previous
    d = _detection(inputs, context, params, as_of, history)
    notes = [*d.conditions.notes, *d.missing]
    levels: list[Level] = []
    for name in params.detectors:
        found, said = DETECTORS[name](d)
        levels += found
        notes += said
    atr = d.conditions.atr
    levels = carry_forward(levels, previous, params.multi_timeframe.match_atr * atr, as_of)
    levels = _interactions(levels, context, atr, params)
    levels = _structure(levels, atr, as_of, params)
    final, weights = _conviction(levels, d, history)
    return KeyLevels(
        as_of=as_of,
        spot=inputs.spot,
        levels=tuple(final),
        conviction_threshold=conviction_threshold(d.threshold_factor, params.conviction_framework),
        mspi_threshold=mspi_threshold(params.thresholds.intraday_base, d.threshold_factor),
        metric_weights=weights,
        positioning=d.positioning,
        sessions=_unique(d.daily + d.weekly),
        exposures=inputs.by_strike.select("strike", "net_gex", "dex"),
        diagnostics=tuple(notes),
    )


def _detection(
    inputs: LevelInputs,
    context: MarketContext | None,
    params: LevelParams,
    as_of: dt.datetime,
    history: LevelHistory,
) -> Detection:
    previous = history.previous
    cached = (previous.sessions if previous is not None else ()) + history.summaries
    daily, no_daily = summaries(context.daily if context else (), cached, "daily")
    weekly, no_weekly = summaries(context.weekly if context else (), cached, "weekly")
    last = daily[-1] if daily else None
    cond = _conditions(inputs, context)
    return Detection(
        inputs=inputs,
        context=context,
        params=params,
        as_of=as_of,
        conditions=cond,
        threshold_factor=condition_factor(cond.iv_rank, params.thresholds),
        daily=daily,
        weekly=weekly,
        missing=no_daily + no_weekly,
        mspi=strike_mspi(inputs.strike_metrics, params.mspi_source.value)
        if inputs.strike_metrics is not None
        else None,
        positioning=positioning_change(
            inputs.by_strike,
            last.strikes if last is not None else None,
            previous.exposures if previous is not None and previous.exposures.height else None,
        ),
    )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _unique(items: tuple[SessionSummary, ...]) -> tuple[SessionSummary, ...]:
    seen: dict[str, SessionSummary] = {}
    for s in items:
        seen.setdefault(s.content_hash, s)
    return tuple(seen.values())


__all__ = [
    "DETECTORS",
    "Detection",
    "Detector",
    "LevelHistory",
    "LevelInputs",
    "key_levels",
]
