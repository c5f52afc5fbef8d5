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

The math runs on the base metrics' arrays (``BaseMetrics.arrays``, ``eots.metrics.arrays``): one
NumPy pass per column, no per-expression queries; only the keyed history joins (decay, charm, the
per-expiry skew pieces) go through polars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from eots.adaptive.a_dag import A_DAG_FACTORS, a_dag_factors, a_dag_value
from eots.adaptive.charm import PAST_COLUMN, charm_values
from eots.adaptive.clustering import expiration_clustering
from eots.adaptive.conviction import conviction, stars
from eots.adaptive.d_tdpi import D_TDPI_FACTORS, DTdpiScalars, d_tdpi_factors, d_tdpi_value
from eots.adaptive.decay import DECAY_COLUMN, recency_values
from eots.adaptive.dte import dte_scale
from eots.adaptive.e_sdag import (
    E_SDAG_FACTORS,
    E_SDAG_METHODS,
    e_sdag_columns,
    e_sdag_composite,
    method_norms,
)
from eots.adaptive.gaussian import dynamic_gaussian_width
from eots.adaptive.inputs import CONTRACT_KEY, Working, keyed_columns, working_arrays
from eots.adaptive.methodology import methodology_weights
from eots.adaptive.params import AdaptiveParams
from eots.adaptive.regime import adaptive_alpha, volatility_regime
from eots.adaptive.report import FactorReport, per_contract
from eots.adaptive.skew import ATM_IV, INTRADAY_PIECE, TERM_PIECE, expiry_skew
from eots.adaptive.strikes import adaptive_strikes
from eots.adaptive.surface import surface_dynamics
from eots.adaptive.term_factor import term_structure_factor
from eots.adaptive.time_profile import adaptive_time_weight, zero_dte_oi_share
from eots.adaptive.vol_context import adaptive_thresholds, vol_context_weight
from eots.adaptive.vri_2_0 import VRI_2_0_FACTORS, vri_2_0_factors, vri_2_0_value
from eots.core.time import session_of
from eots.market import TERM_SCHEMA, MarketContext, atm_iv_term
from eots.metrics import BaseMetricParams, BaseMetrics, MetricInputs
from eots.metrics.arrays import Masked, constant

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
#: The per-contract adaptive frame: the identity columns present, then these.
ADAPTIVE_SCHEMA = pl.Schema(
    {
        c: pl.Int8() if c == "sdag_conviction_stars" else pl.Float64()
        for c in ADAPTIVE_CONTRACT_COLUMNS
    }
)
#: The per-strike adaptive frame after the strike keys (``strike``, or ``expiry, strike``).
ADAPTIVE_STRIKE_SCHEMA = pl.Schema(
    {
        "n_contracts": pl.UInt32(),
        **dict.fromkeys(
            ("a_dag", *E_SDAG_METHODS, "e_sdag_composite", "d_tdpi", "vri_2_0"), pl.Float64()
        ),
        "sdag_conviction_score": pl.Float64(),
        "sdag_conviction_direction": pl.Float64(),
        "sdag_conviction_stars": pl.Int8(),
        **dict.fromkeys(
            ("enhanced_ctr", "enhanced_tdfi", "enhanced_vvr", "enhanced_vfi"), pl.Float64()
        ),
        **dict.fromkeys(
            (*A_DAG_FACTORS, *E_SDAG_FACTORS, *D_TDPI_FACTORS, *VRI_2_0_FACTORS), pl.Float64()
        ),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptiveMetrics:
    """Output of ``adaptive_metrics``.

    Attributes
    ----------
    contracts
        Row-aligned with ``BaseMetrics.contracts``: the contract identity columns present
        (``root, symbol, expiry, settlement, strike, right``) plus ``ADAPTIVE_SCHEMA``.
        Out-of-scope and no-IV contracts have NaN (stars null).
    strikes
        One row per strike (``adaptive.strikes``): the strike keys then ``ADAPTIVE_STRIKE_SCHEMA``:
        summed metrics, recomputed ratios and conviction, |metric|-weighted factor means.
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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What every metric stage reads besides the working arrays (one snapshot's run)."""

    context: MarketContext | None
    inputs: MetricInputs
    session: dt.date
    term: pl.DataFrame
    atr: float | None
    params: AdaptiveParams
    base_params: BaseMetricParams
    track_record: pl.DataFrame | None
    keyed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class _StageOutput:
    """One metric stage's contribution: its factor reports and its columns (output order)."""

    reports: tuple[FactorReport, ...]
    columns: dict[str, Masked]
    weights: dict[str, float] | None = None


@dataclass(frozen=True, slots=True)
class _MetricStage:
    """A registered metric: its factor names, its switch and its stage function."""

    metric: str
    factors: tuple[str, ...]
    enabled: Callable[[AdaptiveParams], bool]
    run: Callable[[Working, _Run], _StageOutput]


@dataclass(slots=True)
class _Accumulated:
    """The stages' outputs folded in registry order."""

    reports: list[FactorReport] = field(default_factory=list)
    columns: dict[str, Masked] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def add(self, out: _StageOutput) -> None:
        """Fold one stage's output in."""
        self.reports += out.reports
        self.columns.update(out.columns)
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

    The metrics are the registered stages (``_STAGES``), run in order over the base metrics'
    arrays; a disabled metric reports its factors as disabled and leaves its columns NaN.

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
    StageInputError
        If ``contracts`` lacks a key column or ``base.contracts`` a reused base column.
    """
    params = params or AdaptiveParams()
    base_params = base_params or BaseMetricParams()
    _check_no_look_ahead(context, inputs.as_of)
    session = session_of(inputs.as_of)
    notes: list[Note] = []
    work = working_arrays(base, contracts, session)
    keyed = all(k in contracts.columns for k in CONTRACT_KEY)
    if not keyed:
        notes.append(("history", f"no {CONTRACT_KEY} columns: decay and charm are neutral"))
    term, term_note = _term_structure(work, base, context, inputs)
    notes += term_note
    run = _Run(
        context=context,
        inputs=inputs,
        session=session,
        term=term,
        atr=base.atr,
        params=params,
        base_params=base_params,
        track_record=track_record,
        keyed=keyed,
    )
    acc = _Accumulated()
    for stage in _STAGES:
        if stage.enabled(params):
            acc.add(stage.run(work, run))
        else:
            acc.reports += _disabled(stage.metric, stage.factors)
    methods = list(acc.weights)
    columns = _scored(acc, work, run, methods)
    strikes = adaptive_strikes(columns, work, base.groups, base_params, methods, params)
    return AdaptiveMetrics(
        contracts=_output(columns, work, params),
        strikes=strikes,
        factors=tuple(acc.reports),
        methodology_weights=acc.weights,
        notes=tuple(notes),
    )


def _check_no_look_ahead(context: MarketContext | None, as_of: dt.datetime) -> None:
    if context is not None and context.as_of > as_of:
        raise ValueError(
            f"expected a context as of at most {as_of.isoformat()}, "
            f"was {context.as_of.isoformat()} (look-ahead)"
        )


def _term_structure(
    work: Working, base: BaseMetrics, context: MarketContext | None, inputs: MetricInputs
) -> tuple[pl.DataFrame, list[Note]]:
    """Return the ATM term structure: the context's when it is this snapshot's, else computed.

    Computed: the base metrics' (the same in-scope contracts) when they computed it, else
    ``atm_iv_term`` of the in-scope contracts.
    """
    inside = work.arrays.inside
    has_term = all(c in work.frame.columns for c in _TERM_INPUTS) and bool(inside.any())
    if context is not None and _same_snapshot(context, inputs.as_of):
        term = context.term_structure
    elif has_term and base.term is not None:
        term = base.term
    elif has_term:
        term = atm_iv_term(work.frame.filter(pl.Series(inside)), inputs.spot)
    else:
        term = pl.DataFrame(schema=TERM_SCHEMA)
    if not has_term and term.height == 0:
        return term, [("term", f"no term structure (needs {_TERM_INPUTS}): smile/term factors 1")]
    return term, []


def _scored(acc: _Accumulated, work: Working, run: _Run, methods: list[str]) -> dict[str, Masked]:
    """Add E-SDAG's conviction to the stages' columns; absent (disabled) columns are null."""
    columns = dict(acc.columns)
    if methods:
        z = method_norms(columns, work, run.base_params, methods)
        score, direction = conviction(z, run.params.e_sdag)
        columns["sdag_conviction_score"] = score
        columns["sdag_conviction_direction"] = direction
    for c in ADAPTIVE_CONTRACT_COLUMNS:
        if c not in columns:
            columns[c] = constant(None, work.rows)
    return columns


def _output(columns: dict[str, Masked], work: Working, params: AdaptiveParams) -> pl.DataFrame:
    """Return the per-contract frame: identity columns, then every column (NaN out of scope).

    The stars (Int8) are those of the conviction score, null outside the scope or without one.
    """
    inside = work.arrays.inside
    outside = np.flatnonzero(~inside)
    ids = [c for c in _ID_COLUMNS if c in work.frame.columns]
    score = columns["sdag_conviction_score"]
    out = [
        stars(Masked(score.v, score.null | ~inside), params.e_sdag)
        if c == "sdag_conviction_stars"
        else pl.Series(c, _nan_outside(columns[c].v, inside, outside))
        for c in ADAPTIVE_CONTRACT_COLUMNS
    ]
    return work.frame.select(ids).hstack(out)


#: The bits of ``np.nan``: the NaN written outside the scope.
_NAN_BITS = np.array(np.nan).view(np.uint64)


def _nan_outside(values: np.ndarray, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Return ``np.where(inside, values, np.nan)`` (``outside``: the indices of ``~inside``).

    Most columns are ``np.nan`` outside the scope already (their inputs are): those are returned
    as they are (the frame wraps the array without a copy); the others are copied once.
    """
    if values.dtype != np.float64 or values.shape != inside.shape:
        return np.where(inside, values, np.nan)
    if outside.size == 0:
        return values
    if bool((values[outside].view(np.uint64) == _NAN_BITS).all()):
        return values
    out = values.copy()
    out[outside] = np.nan
    return out


def _a_dag(work: Working, run: _Run) -> _StageOutput:
    p = run.params.a_dag
    as_of = run.inputs.as_of
    regime = volatility_regime(run.context, p)
    dte = dte_scale(p, work.dte)
    decay, decay_report = recency_values(run.context if run.keyed else None, as_of, p)
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
    factors = a_dag_factors(
        work,
        p,
        run.base_params,
        regime=regime.value,
        alpha=alpha,
        dte_scale=dte.value,
        decay=work.keyed_values(decay, list(CONTRACT_KEY), DECAY_COLUMN)
        if decay is not None
        else None,
    )
    return _StageOutput(reports=reports, columns={"a_dag": a_dag_value(work, factors), **factors})


def _e_sdag(work: Working, run: _Run) -> _StageOutput:
    p = run.params.e_sdag
    as_of = run.inputs.as_of
    keys = ["expiry", "settlement"] if "settlement" in work.frame.columns else ["expiry"]
    per_expiry, skew_reports = expiry_skew(run.term, run.context, as_of, keys, p)
    pieces = None
    if per_expiry.height > 0:
        atm, term, intraday = keyed_columns(
            work.frame, per_expiry, keys, [ATM_IV, TERM_PIECE, INTRADAY_PIECE]
        )
        pieces = (atm, term, intraday)
    weights, weight_reports = methodology_weights(
        run.track_record, as_of, p, run.params.performance_tracking_window
    )
    columns = e_sdag_columns(work, p, run.base_params, pieces)
    return _StageOutput(
        reports=(*skew_reports, *weight_reports),
        columns={**columns, **e_sdag_composite(columns, weights)},
        weights=weights,
    )


def _d_tdpi(work: Working, run: _Run) -> _StageOutput:
    p = run.params.d_tdpi
    inputs, session, context = run.inputs, run.session, run.context
    oi = None
    if "open_interest" in work.frame.columns:
        oi = work.frame.get_column("open_interest").cast(pl.Float64).to_numpy()
    share = 0.0 if oi is None else zero_dte_oi_share(oi, work.dte)
    time_weight = adaptive_time_weight(inputs.as_of, session, share, run.base_params, p)
    width = dynamic_gaussian_width(context, p)
    clusters, cluster_report = expiration_clustering(oi, work.dte, p)
    past, charm_report = charm_values(context if run.keyed else None, inputs.as_of, p)
    scalars = DTdpiScalars(
        spot=inputs.spot, atr=run.atr, time_weight=time_weight.value, width=width.value
    )
    factors = d_tdpi_factors(
        work,
        p,
        run.base_params,
        scalars,
        cluster=clusters,
        charm_past=work.keyed_values(past, list(CONTRACT_KEY), PAST_COLUMN)
        if past is not None
        else None,
    )
    return _StageOutput(
        reports=(time_weight.report, width.report, cluster_report, charm_report),
        columns={"d_tdpi": d_tdpi_value(work, factors), **factors},
    )


def _vri(work: Working, run: _Run) -> _StageOutput:
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
    factors = vri_2_0_factors(
        work,
        p,
        run.base_params,
        vol_context=vol_context.value,
        term=term_factor.value,
        surface=surface.value,
    )
    return _StageOutput(
        reports=reports, columns={"vri_2_0": vri_2_0_value(work, factors), **factors}
    )


#: The metric registry, in output order: each stage reads the working arrays (and joins its
#: keyed history onto the contracts) and returns its value, factor and ratio columns.
_STAGES: tuple[_MetricStage, ...] = (
    _MetricStage("a_dag", A_DAG_FACTORS, lambda p: p.a_dag.enabled, _a_dag),
    _MetricStage("e_sdag", E_SDAG_FACTORS, lambda p: p.e_sdag.enabled, _e_sdag),
    _MetricStage("d_tdpi", D_TDPI_FACTORS, lambda p: p.d_tdpi.enabled, _d_tdpi),
    _MetricStage("vri_2_0", VRI_2_0_FACTORS, lambda p: p.vri_2_0.enabled, _vri),
)


__all__ = [
    "ADAPTIVE_CONTRACT_COLUMNS",
    "ADAPTIVE_SCHEMA",
    "ADAPTIVE_STRIKE_SCHEMA",
    "METRIC_COLUMNS",
    "AdaptiveMetrics",
    "adaptive_metrics",
]
