"""The adaptive metric engine: A-DAG, E-SDAG, D-TDPI, VRI 2.0 per contract and per strike.

``adaptive_metrics(base, contracts, context, inputs, params)`` sits on top of ``base_metrics``: it
takes the frame the base metrics were computed on, their output, and the ``MarketContext`` as of
the snapshot (history is read only through it, and only what is stamped at or before
``inputs.as_of``), and returns a frozen ``AdaptiveMetrics``: per-contract and per-strike frames
with every metric and every factor as a column, the factor reports, and the methodology weights.
The current ATM term structure (E-SDAG smile and term pieces, VRI 2.0 term factor) is the
context's when the context's snapshot is the one analysed (same quote time), else
``eots.market.atm_iv_term`` of the in-scope contracts.
Each metric's formula is in its module (``a_dag``, ``e_sdag``, ``d_tdpi``, ``vri_2_0``) and each
helper's in its own (``regime``, ``dte``, ``decay``, ``skew``, ``methodology``, ``conviction``,
``time_profile``, ``gaussian``, ``clustering``, ``charm``, ``term_factor``, ``surface``,
``vol_context``). Without history (``context`` None or thin) every history factor is neutral and
its report says so; a disabled metric's columns are NaN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from eots.adaptive.a_dag import A_DAG_FACTORS, a_dag_factors, a_dag_value
from eots.adaptive.charm import charm_past
from eots.adaptive.clustering import expiration_clustering
from eots.adaptive.conviction import conviction, stars
from eots.adaptive.d_tdpi import D_TDPI_FACTORS, DTdpiScalars, d_tdpi_factors, d_tdpi_value
from eots.adaptive.decay import recency_multiplier
from eots.adaptive.dte import dte_scale
from eots.adaptive.e_sdag import (
    E_SDAG_FACTORS,
    E_SDAG_METHODS,
    e_sdag_composite,
    e_sdag_factors,
    e_sdag_values,
    method_norms,
)
from eots.adaptive.gaussian import dynamic_gaussian_width
from eots.adaptive.inputs import CONTRACT_KEY, DTE, working_frame
from eots.adaptive.methodology import methodology_weights
from eots.adaptive.params import AdaptiveParams
from eots.adaptive.regime import adaptive_alpha, volatility_regime
from eots.adaptive.report import FactorReport, per_contract
from eots.adaptive.skew import expiry_skew
from eots.adaptive.strikes import adaptive_strikes
from eots.adaptive.surface import surface_dynamics
from eots.adaptive.term_factor import term_structure_factor
from eots.adaptive.time_profile import adaptive_time_weight, zero_dte_oi_share
from eots.adaptive.vol_context import adaptive_thresholds, vol_context_weight
from eots.adaptive.vri_2_0 import VRI_2_0_FACTORS, vri_2_0_factors, vri_2_0_value
from eots.core.time import session_of
from eots.market import TERM_SCHEMA, MarketContext, atm_iv_term
from eots.metrics import BaseMetricParams, BaseMetrics, MetricInputs
from eots.metrics.context import metric_context
from eots.metrics.normalise import IN_SCOPE

Note = tuple[str, str]

#: Per-metric output columns (values first, then factors), in output order.
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "a_dag": ("a_dag", *A_DAG_FACTORS),
    "e_sdag": (
        "e_sdag_skew_adjusted_gex",
        *E_SDAG_METHODS,
        "e_sdag_composite",
        "sdag_conviction_score",
        "sdag_conviction_direction",
        "sdag_conviction_stars",
        *E_SDAG_FACTORS,
    ),
    "d_tdpi": ("d_tdpi", "enhanced_ctr", "enhanced_tdfi", *D_TDPI_FACTORS),
    "vri_2_0": ("vri_2_0", "enhanced_vvr", "enhanced_vfi", *VRI_2_0_FACTORS),
}
#: Every per-contract adaptive column (``sdag_conviction_stars`` is Int8, the rest Float64).
ADAPTIVE_CONTRACT_COLUMNS = tuple(c for cols in METRIC_COLUMNS.values() for c in cols)
_ID_COLUMNS = ("root", "symbol", "expiry", "settlement", "strike", "right")
_TERM_INPUTS = ("expiry_ts", "forward", "settlement", "t_years", "iv")


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveMetrics:
    """Output of ``adaptive_metrics``.

    Attributes
    ----------
    contracts
        Row-aligned with ``BaseMetrics.contracts``: the contract identity columns present
        (``root, symbol, expiry, settlement, strike, right``) plus ``ADAPTIVE_CONTRACT_COLUMNS``.
        Out-of-scope and no-IV contracts have NaN (stars null).
    strikes
        One row per strike (``adaptive.strikes``): summed metrics, recomputed ratios and
        conviction, |metric|-weighted factor means.
    factors
        One ``FactorReport`` per factor and metric: active, scalar value, neutral, reason.
    methodology_weights
        E-SDAG's composite weights (method -> weight, summing to 1).
    notes
        (metric, message) pairs: inputs missing and what was done instead.
    """

    contracts: pl.DataFrame
    strikes: pl.DataFrame
    factors: tuple[FactorReport, ...]
    methodology_weights: dict[str, float]
    notes: tuple[Note, ...]


def _same_snapshot(context: MarketContext | None, as_of: dt.datetime) -> bool:
    return (
        context is not None
        and context.snapshot is not None
        and context.snapshot.ts_event == as_of
        and context.term_structure.height > 0
    )


def _disabled(metric: str, names: tuple[str, ...]) -> list[FactorReport]:
    return [
        FactorReport(
            metric=metric,
            factor=n,
            active=False,
            value=None,
            neutral=False,
            reason="metric disabled",
        )
        for n in names
    ]


def _joined(frame: pl.DataFrame, keyed: pl.DataFrame | None, on: list[str]) -> pl.DataFrame:
    if keyed is None:
        return frame
    return frame.join(keyed, on=on, how="left", maintain_order="left")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What every metric stage reads besides the working frame (one snapshot's run)."""

    context: MarketContext | None
    inputs: MetricInputs
    session: dt.date
    term: pl.DataFrame
    params: AdaptiveParams
    base_params: BaseMetricParams
    track_record: pl.DataFrame | None
    keyed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class _StageOutput:
    """One metric stage's contribution.

    Attributes
    ----------
    frame
        The working frame with the stage's history/term inputs joined.
    reports
        The stage's factor reports, in output order.
    first, second, third
        Column expressions evaluated in three passes (factors, values, composites): every
        stage's ``first`` runs before any stage's ``second``.
    weights
        E-SDAG's methodology weights (None for the other metrics).
    """

    frame: pl.DataFrame
    reports: tuple[FactorReport, ...]
    first: dict[str, pl.Expr]
    second: dict[str, pl.Expr]
    third: dict[str, pl.Expr] = field(default_factory=dict)
    weights: dict[str, float] | None = None


@dataclass(frozen=True, slots=True)
class _MetricStage:
    """A registered metric: its factor names, its switch and its stage function."""

    metric: str
    factors: tuple[str, ...]
    enabled: Callable[[AdaptiveParams], bool]
    run: Callable[[pl.DataFrame, _Run], _StageOutput]


@dataclass(slots=True)
class _Accumulated:
    """The stages' outputs folded in registry order."""

    frame: pl.DataFrame
    reports: list[FactorReport] = field(default_factory=list)
    first: dict[str, pl.Expr] = field(default_factory=dict)
    second: dict[str, pl.Expr] = field(default_factory=dict)
    third: dict[str, pl.Expr] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def add(self, out: _StageOutput) -> None:
        """Fold one stage's output in."""
        self.frame = out.frame
        self.reports += out.reports
        self.first.update(out.first)
        self.second.update(out.second)
        self.third.update(out.third)
        if out.weights is not None:
            self.weights = out.weights


def adaptive_metrics(  # noqa: PLR0913  (the base metrics' inputs, params, keyword-only options)
    base: BaseMetrics,
    contracts: pl.DataFrame,
    context: MarketContext | None,
    inputs: MetricInputs,
    params: AdaptiveParams | None = None,
    *,
    base_params: BaseMetricParams | None = None,
    track_record: pl.DataFrame | None = None,
) -> AdaptiveMetrics:
    """Compute A-DAG, E-SDAG, D-TDPI and VRI 2.0 per contract and per strike.

    The metrics are the registered stages (``_STAGES``), run in order over one working frame; a
    disabled metric reports its factors as disabled and leaves its columns NaN.

    Parameters
    ----------
    base
        ``base_metrics(contracts, inputs, base_params)``.
    contracts
        The frame the base metrics were computed on (same rows).
    context
        Market context as of ``inputs.as_of`` (``eots.history.market_context``); None: no
        history, every history factor neutral and flagged.
    inputs
        The base metrics' inputs (``as_of``, spot, ATR ...).
    params
        Adaptive parameters (framework defaults when None).
    base_params
        The parameters ``base`` was computed with (defaults when None): scope, flows, SDAG.
    track_record
        Past (ts, method, signal, forward_return[, realized_at]) rows for the methodology weights.

    Returns
    -------
    AdaptiveMetrics
        Per-contract and per-strike frames, factor reports, methodology weights and notes.

    Raises
    ------
    ValueError
        If the context is as of a later instant than ``inputs.as_of`` (look-ahead).
    """
    params = params or AdaptiveParams()
    base_params = base_params or BaseMetricParams()
    _check_no_look_ahead(context, inputs.as_of)
    session = session_of(inputs.as_of)
    notes: list[Note] = []
    frame = working_frame(base, contracts, session, base_params)
    keyed = all(k in frame.columns for k in CONTRACT_KEY)
    if not keyed:
        notes.append(("history", f"no {CONTRACT_KEY} columns: decay and charm are neutral"))
    term, term_note = _term_structure(frame, context, inputs)
    notes += term_note
    run = _Run(
        context=context,
        inputs=inputs,
        session=session,
        term=term,
        params=params,
        base_params=base_params,
        track_record=track_record,
        keyed=keyed,
    )
    acc = _Accumulated(frame=frame)
    for stage in _STAGES:
        if stage.enabled(params):
            acc.add(stage.run(acc.frame, run))
        else:
            acc.reports += _disabled(stage.metric, stage.factors)
    scored = _scored(acc, run, list(acc.weights))
    return _output(scored, run, list(acc.weights), acc, tuple(notes))


def _check_no_look_ahead(context: MarketContext | None, as_of: dt.datetime) -> None:
    if context is not None and context.as_of > as_of:
        raise ValueError(
            f"expected a context as of at most {as_of.isoformat()}, "
            f"was {context.as_of.isoformat()} (look-ahead)"
        )


def _term_structure(
    frame: pl.DataFrame, context: MarketContext | None, inputs: MetricInputs
) -> tuple[pl.DataFrame, list[Note]]:
    """Return the ATM term structure: the context's when it is this snapshot's, else computed."""
    live = frame.filter(pl.col(IN_SCOPE))
    has_term = all(c in frame.columns for c in _TERM_INPUTS) and live.height > 0
    if context is not None and _same_snapshot(context, inputs.as_of):
        term = context.term_structure
    elif has_term:
        term = atm_iv_term(live, inputs.spot)
    else:
        term = pl.DataFrame(schema=TERM_SCHEMA)
    if not has_term and term.height == 0:
        return term, [("term", f"no term structure (needs {_TERM_INPUTS}): smile/term factors 1")]
    return term, []


def _scored(acc: _Accumulated, run: _Run, methods: list[str]) -> pl.DataFrame:
    """Evaluate the stages' three passes, then E-SDAG's conviction; add absent columns as null."""
    scored = acc.frame.with_columns(**acc.first).with_columns(**acc.second)
    if acc.third:
        scored = scored.with_columns(**acc.third)
    if methods:
        z = method_norms(run.base_params, methods)
        p = run.params.e_sdag
        scored = scored.with_columns(**z).with_columns(**conviction(list(z), p))
        scored = scored.with_columns(
            sdag_conviction_stars=stars(pl.col("sdag_conviction_score"), p)
        )
    missing = [c for c in ADAPTIVE_CONTRACT_COLUMNS if c not in scored.columns]
    return scored.with_columns(
        pl.lit(None, dtype=pl.Int8 if c == "sdag_conviction_stars" else pl.Float64).alias(c)
        for c in missing
    )


def _output(
    scored: pl.DataFrame,
    run: _Run,
    methods: list[str],
    acc: _Accumulated,
    notes: tuple[Note, ...],
) -> AdaptiveMetrics:
    """Aggregate per strike and mask out-of-scope rows (NaN floats, null stars)."""
    strikes = adaptive_strikes(scored, run.base_params, methods, run.params)
    floats = [c for c in ADAPTIVE_CONTRACT_COLUMNS if c != "sdag_conviction_stars"]
    ids = [c for c in _ID_COLUMNS if c in scored.columns]
    out = scored.select(
        *ids,
        *(pl.when(pl.col(IN_SCOPE)).then(pl.col(c)).cast(pl.Float64) for c in floats),
        pl.when(pl.col(IN_SCOPE))
        .then(pl.col("sdag_conviction_stars"))
        .alias("sdag_conviction_stars"),
    ).select(*ids, *ADAPTIVE_CONTRACT_COLUMNS)
    strike_floats = [
        c for c in strikes.columns if strikes.schema[c] == pl.Float64 and c != "strike"
    ]
    return AdaptiveMetrics(
        contracts=out.with_columns(pl.col(floats).fill_null(float("nan"))),
        strikes=strikes.with_columns(pl.col(strike_floats).fill_null(float("nan"))),
        factors=tuple(acc.reports),
        methodology_weights=acc.weights,
        notes=notes,
    )


def _a_dag(frame: pl.DataFrame, run: _Run) -> _StageOutput:
    p = run.params.a_dag
    as_of = run.inputs.as_of
    regime = volatility_regime(run.context, p)
    dte = dte_scale(p)
    decay, decay_report = recency_multiplier(run.context if run.keyed else None, as_of, p)
    alpha = adaptive_alpha(regime.value, p.alpha)
    reports = (
        regime.report,
        FactorReport(
            metric="a_dag",
            factor="alpha",
            active=p.factors.volatility_regime,
            value=alpha.aligned,
            neutral=regime.report.neutral,
            reason=f"aligned {alpha.aligned:.4f}, opposed {alpha.opposed:.4f}, "
            f"neutral {alpha.neutral:.4f}",
        ),
        dte.report,
        decay_report,
        per_contract(
            "a_dag",
            "volume_weight",
            f"1 + {p.volume_weight_factor} n(|volume|)",
            active=p.factors.volume_weighting,
        ),
    )
    first = a_dag_factors(
        p,
        run.base_params,
        regime=regime.value,
        alpha=alpha,
        dte_scale=dte.expr,
        decay_joined=decay is not None,
    )
    return _StageOutput(
        frame=_joined(frame, decay, list(CONTRACT_KEY)),
        reports=reports,
        first=first,
        second=a_dag_value(),
    )


def _e_sdag(frame: pl.DataFrame, run: _Run) -> _StageOutput:
    p = run.params.e_sdag
    as_of = run.inputs.as_of
    keys = ["expiry", "settlement"] if "settlement" in frame.columns else ["expiry"]
    per_expiry, skew_reports = expiry_skew(run.term, run.context, as_of, keys, p)
    joined = per_expiry.height > 0
    weights, weight_reports = methodology_weights(
        run.track_record, as_of, p, run.params.performance_tracking_window
    )
    return _StageOutput(
        frame=_joined(frame, per_expiry if joined else None, keys),
        reports=(*skew_reports, *weight_reports),
        first=e_sdag_factors(p, run.base_params, skew_joined=joined),
        second=e_sdag_values(run.base_params),
        third=e_sdag_composite(weights),
        weights=weights,
    )


def _d_tdpi(frame: pl.DataFrame, run: _Run) -> _StageOutput:
    p = run.params.d_tdpi
    inputs, session, context = run.inputs, run.session, run.context
    live = frame.filter(pl.col(IN_SCOPE))
    time_weight = adaptive_time_weight(
        inputs.as_of, session, zero_dte_oi_share(frame, session), run.base_params, p
    )
    width = dynamic_gaussian_width(context, p)
    clusters, cluster_report = expiration_clustering(frame, session, p)
    past, charm_report = charm_past(context if run.keyed else None, inputs.as_of, p)
    atr = metric_context(live, inputs, run.base_params).atr
    first = d_tdpi_factors(
        p,
        run.base_params,
        DTdpiScalars(spot=inputs.spot, atr=atr, time_weight=time_weight.value, width=width.value),
        cluster_joined=clusters is not None,
        charm_joined=past is not None,
    )
    return _StageOutput(
        frame=_joined(_joined(frame, clusters, [DTE]), past, list(CONTRACT_KEY)),
        reports=(time_weight.report, width.report, cluster_report, charm_report),
        first=first,
        second=d_tdpi_value(),
    )


def _vri(frame: pl.DataFrame, run: _Run) -> _StageOutput:
    p = run.params.vri_2_0
    thresholds, threshold_reports = adaptive_thresholds(run.context, p)
    vol_context = vol_context_weight(run.context, thresholds, p)
    term_factor = term_structure_factor(run.term, p)
    surface = surface_dynamics(run.context, run.inputs.as_of, p)
    reports = (
        *threshold_reports,
        vol_context.report,
        term_factor.report,
        surface.report,
        per_contract(
            "vri_2_0",
            "vomma_factor",
            f"1 + {p.vomma_enhancement_factor - 1:g} n(|vommaxoi|)",
            active=p.factors.vomma,
        ),
    )
    first = vri_2_0_factors(
        p,
        run.base_params,
        vol_context=vol_context.value,
        term=term_factor.value,
        surface=surface.value,
    )
    return _StageOutput(frame=frame, reports=reports, first=first, second=vri_2_0_value())


#: The metric registry, in output order: each stage joins its inputs onto the working frame
#: and contributes its factor, value and composite expressions.
_STAGES: tuple[_MetricStage, ...] = (
    _MetricStage("a_dag", A_DAG_FACTORS, lambda p: p.a_dag.enabled, _a_dag),
    _MetricStage("e_sdag", E_SDAG_FACTORS, lambda p: p.e_sdag.enabled, _e_sdag),
    _MetricStage("d_tdpi", D_TDPI_FACTORS, lambda p: p.d_tdpi.enabled, _d_tdpi),
    _MetricStage("vri_2_0", VRI_2_0_FACTORS, lambda p: p.vri_2_0.enabled, _vri),
)


__all__ = ["ADAPTIVE_CONTRACT_COLUMNS", "METRIC_COLUMNS", "AdaptiveMetrics", "adaptive_metrics"]
