"""Composition root: one snapshot through every stage, as one frozen ``Analysis``.

snapshot -> priced chain (forwards, IV, greeks) -> exposures -> walls and zero gamma -> base
metrics -> adaptive metrics -> key levels. ``analyze`` is pure: it takes the snapshot, the
parameters, what history supplies (``History``: flows, market context, the previous levels) and
optionally an ``as_of`` that overrides the snapshot's quote time; the CLI (and later the dashboard
and replay) consume the result.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from eots.adaptive import AdaptiveMetrics, adaptive_metrics
from eots.adaptive.frame import ADAPTIVE_STRIKE_SCHEMA
from eots.adaptive.mspi_enhanced import mspi_enhanced
from eots.analysis_params import AnalysisParams as AnalysisParams
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import StageInputError
from eots.core.frames import equal_on, select_columns
from eots.core.ordered import strictly_increasing
from eots.core.time import session_of
from eots.exposures import (
    ExpiryScope,
    contract_exposures,
    require_live_scope,
    strike_exposures,
)
from eots.greeks.spot import checked_pricing
from eots.levels import (
    GammaProfile,
    GammaWalls,
    KeyLevels,
    LevelHistory,
    LevelInputs,
    ZeroGamma,
    gamma_profile,
    gamma_walls,
    key_levels,
    zero_gamma,
)
from eots.levels.model import SessionSummary
from eots.market import MarketContext
from eots.metrics import BaseMetrics, MetricInputs, base_metrics

_FLOW_KEY = ("root", "expiry", "strike", "right")


@functools.cache
def _default_params() -> AnalysisParams:
    """Return the default parameters, built once (frozen: one instance serves every call)."""
    return AnalysisParams()


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    """What history supplies to one analysis (all as of the snapshot's time, no look-ahead).

    ``flows`` is a per-contract flow frame keyed by root, expiry, strike and right (the columns of
    ``eots.flows.FLOW_SCHEMA``); without it the metrics use their documented proxies. The scalars
    feed the metrics' inputs (None: the metrics' own documented fallbacks, flagged in notes).
    """

    flows: pl.DataFrame | None = None
    atr: float | None = None
    underlying_iv: float | None = None
    iv_5d: float | None = None
    iv_percentile_30d: float | None = None
    context: MarketContext | None = None
    previous_levels: KeyLevels | None = None
    track_record: pl.DataFrame | None = None
    level_track_record: pl.DataFrame | None = None
    level_summaries: tuple[SessionSummary, ...] = ()
    description: str = "no history"

    @classmethod
    def from_context(cls, context: MarketContext) -> History:
        """Take what the metrics need from a market context.

        Thin fields are left to the metrics' own documented fallbacks (flagged there), never
        filled with a neutral value.
        """
        flows = context.flows_by_contract if context.flow_coverage.n_obs > 0 else None
        atr = context.atr.value if context.atr.sufficient else None
        iv = context.atm_iv.value if context.atm_iv.known else None
        pct = context.iv_percentile.value if context.iv_percentile.sufficient else None
        return cls(
            flows=flows,
            atr=atr,
            underlying_iv=iv,
            iv_percentile_30d=pct,
            context=context,
            description=(
                f"{context.daily_coverage.n_obs} prior sessions, "
                f"{context.intraday_coverage.n_obs} snapshots this session, "
                f"flows from {context.flow_coverage.n_obs} increments"
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """Chain totals over the expiry scope (dollar units as in ``exposures.contract``)."""

    net_gex: float
    call_gex: float
    put_gex: float
    net_dex: float
    net_vanna: float
    net_charm: float
    contracts_in_scope: int
    contracts_without_iv: int
    oi_without_iv: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """Everything ``analyze`` derived from one snapshot."""

    snapshot: ChainSnapshot
    as_of: dt.datetime
    session: dt.date
    scope: ExpiryScope
    params: AnalysisParams
    contracts: pl.DataFrame
    by_strike: pl.DataFrame
    totals: Totals
    walls: GammaWalls
    profile: GammaProfile
    zero_gamma: ZeroGamma
    metrics: BaseMetrics
    adaptive: AdaptiveMetrics
    strike_metrics: pl.DataFrame  # base and adaptive metrics per strike, side by side
    levels: KeyLevels
    history: History
    warnings: tuple[str, ...] = ()  # data problems the figures inherit (e.g. a stale spot)

    @property
    def params_fingerprint(self) -> str:
        """Hash of the parameters that produced this analysis."""
        return self.params.fingerprint()


@dataclass(frozen=True, slots=True, kw_only=True)
class Foundation:
    """What one snapshot gives without any history: computed once per snapshot.

    Priced contracts with exposures (``contracts``), the expiry scope and its mask applied
    (``in_scope``), the by-strike frame, the gamma profile and its crossings, the walls, the
    totals and the data warnings (a stale spot). Everything later (flows, base and adaptive
    metrics, levels, signals, ideas, the lifecycle) reads a foundation, never re-prices a chain.
    """

    snapshot: ChainSnapshot
    session: dt.date
    scope: ExpiryScope
    params: AnalysisParams
    contracts: pl.DataFrame
    in_scope: pl.DataFrame
    by_strike: pl.DataFrame
    totals: Totals
    walls: GammaWalls
    profile: GammaProfile
    zero_gamma: ZeroGamma
    warnings: tuple[str, ...] = ()

    @property
    def priced(self) -> pl.DataFrame:
        """The priced chain (every live contract with forwards, IV and greeks, before scope)."""
        return self.contracts


def foundation(
    snapshot: ChainSnapshot,
    params: AnalysisParams | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> Foundation:
    """Price one snapshot and derive what needs no history (the engine's per-snapshot stage).

    Parameters
    ----------
    snapshot
        A validated chain.
    params
        Stage parameters (defaults when None).
    as_of
        Overrides the snapshot's ``ts_event`` as the valuation instant. Contracts settled at or
        before it are dropped (the snapshot's frame is filtered, not re-validated).
    """
    params = params or _default_params()
    if as_of is not None and as_of != snapshot.ts_event:
        snapshot = _revalue(snapshot, as_of)
    scope = ExpiryScope.parse(params.exposures.expiries)
    session = session_of(snapshot.ts_event)
    checked = checked_pricing(snapshot, params.pricing)
    snapshot, priced, warnings = checked.snapshot, checked.priced, checked.warnings
    contracts = contract_exposures(priced, snapshot.spot, params.exposures)
    mask = scope.mask(session)
    require_live_scope(scope, snapshot.expiries, session, snapshot.ts_event, source=snapshot.source)
    by_strike = strike_exposures(contracts, mask)
    in_scope = contracts.filter(mask)
    profile = gamma_profile(in_scope, snapshot.spot, params.zero_gamma)
    return Foundation(
        snapshot=snapshot,
        session=session,
        scope=scope,
        params=params,
        contracts=contracts,
        in_scope=in_scope,
        by_strike=by_strike,
        totals=_totals(in_scope, by_strike),
        walls=gamma_walls(by_strike, snapshot.spot, runners_up=params.runners_up),
        profile=profile,
        zero_gamma=zero_gamma(profile, params.zero_gamma),
        warnings=warnings,
    )


def analyze(
    snapshot: ChainSnapshot,
    params: AnalysisParams | None = None,
    *,
    history: History | None = None,
    as_of: dt.datetime | None = None,
) -> Analysis:
    """Run every stage on one snapshot: ``complete(foundation(snapshot), history)``.

    Parameters
    ----------
    snapshot
        A validated chain.
    params
        Stage parameters (defaults when None).
    history
        Flows and market scalars from stored history (``History()``: none, proxies are used).
    as_of
        Overrides the snapshot's ``ts_event`` as the valuation instant (see ``foundation``).
    """
    return complete(foundation(snapshot, params, as_of=as_of), history)


def complete(base: Foundation, history: History | None = None) -> Analysis:
    """Add what history informs to a foundation: base and adaptive metrics, key levels.

    Parameters
    ----------
    base
        The snapshot's foundation (its parameters are used for every stage).
    history
        Flows and market scalars as of the snapshot's time (``History()``: none, proxies).
    """
    params = base.params
    history = history or History()
    snapshot = base.snapshot
    metric_contracts = _with_flows(base.in_scope, history.flows, _flow_rows(base, history))
    inputs = MetricInputs(
        as_of=snapshot.ts_event,
        spot=snapshot.spot,
        atr=history.atr,
        underlying_iv=history.underlying_iv,
        iv_5d=history.iv_5d,
        iv_percentile_30d=history.iv_percentile_30d,
    )
    known = history.context.term_source if history.context is not None else None
    metrics = base_metrics(metric_contracts, inputs, params.metrics, known_term=known)
    adaptive = adaptive_metrics(
        metrics,
        metric_contracts,
        history.context,
        inputs,
        params.adaptive,
        base_params=params.metrics,
        track_record=history.track_record,
    )
    strike_metrics = _strike_metrics(metrics, adaptive)
    levels = key_levels(
        LevelInputs(
            spot=snapshot.spot,
            contracts=base.in_scope,
            by_strike=base.by_strike,
            strike_metrics=strike_metrics,
            profile=base.profile,
            zero_gamma=base.zero_gamma,
            atr=metrics.atr,
        ),
        history.context,
        params.levels,
        snapshot.ts_event,
        LevelHistory(
            previous=history.previous_levels,
            track_record=history.level_track_record,
            summaries=history.level_summaries,
        ),
    )
    return Analysis(
        snapshot=snapshot,
        as_of=snapshot.ts_event,
        session=base.session,
        scope=base.scope,
        params=params,
        contracts=base.contracts,
        by_strike=base.by_strike,
        totals=base.totals,
        walls=base.walls,
        profile=base.profile,
        zero_gamma=base.zero_gamma,
        metrics=metrics,
        adaptive=adaptive,
        strike_metrics=strike_metrics,
        levels=levels,
        history=history,
        warnings=base.warnings,
    )


def _strike_metrics(metrics: BaseMetrics, adaptive: AdaptiveMetrics) -> pl.DataFrame:
    """Return base and adaptive per-strike metrics side by side.

    Base and adaptive per-strike metrics side by side, and the enhanced MSPI built from the
    adaptive ones (the levels read them by name; ``LevelParams.mspi_source`` chooses).
    """
    base = metrics.strikes
    StageInputError.require(
        adaptive.strikes.columns, ADAPTIVE_STRIKE_SCHEMA, stage="levels", frame="adaptive strike"
    )
    keys: list[str] = [c for c in ("expiry", "strike") if c in base.columns]
    extra = [c for c in adaptive.strikes.columns if c not in base.columns]
    if _same_rows(base, adaptive.strikes, keys):  # the usual case: the same strike rows
        joined = base.hstack([adaptive.strikes.get_column(c) for c in extra])
    else:
        joined = base.join(adaptive.strikes.select(*keys, *extra), on=keys, how="left")
    return joined.with_columns(mspi_enhanced(joined, metrics.mspi_weights))


def _same_rows(left: pl.DataFrame, right: pl.DataFrame, keys: list[str]) -> bool:
    """Return whether ``right`` lists ``left``'s keys in its order, all known and not NaN.

    A left join on such keys (unique, as strike rows are) is then ``right``'s columns beside
    ``left``'s.
    """
    if not keys or left.height != right.height:
        return False
    for k in keys:
        ours, theirs = left.get_column(k), right.get_column(k)
        if ours.null_count() or not ours.equals(theirs, check_dtypes=True):
            return False
        if ours.dtype.is_float() and bool(ours.is_nan().any()):
            return False
    if len(keys) == 1 and left.get_column(keys[0]).dtype.is_numeric():
        values = left.get_column(keys[0]).to_numpy()
        if strictly_increasing(values):  # ascending strikes: unique
            return True
    return not left.select(keys).is_duplicated().any()


def _with_flows(
    contracts: pl.DataFrame, flows: pl.DataFrame | None, rows: np.ndarray | None = None
) -> pl.DataFrame:
    """Join per-contract flow columns (left join: contracts without flow rows get nulls).

    ``rows``: each contract's row in ``flows`` when known (the market context's ``flow_rows``);
    the rows are taken as they are when every contract has one and their keys are the contracts'
    (the rows the join finds, ``flows`` holding each contract once), else the frames are joined.
    """
    if flows is None:
        return contracts
    extra = [c for c in flows.columns if c not in contracts.columns or c in _FLOW_KEY]
    picked = select_columns(flows, extra)
    if rows is not None:
        placed = _placed(contracts, picked, rows)
        if placed is not None:
            return placed
    return contracts.join(picked, on=list(_FLOW_KEY), how="left")


def _placed(contracts: pl.DataFrame, flows: pl.DataFrame, rows: np.ndarray) -> pl.DataFrame | None:
    """Return ``flows``' ``rows`` beside ``contracts`` if they hold the contracts' keys, else None.

    Contracts with a null key are never matched by the join, so they are left to it.
    """
    if len(rows) != contracts.height or contracts.height == 0 or rows.min() < 0:
        return None
    if any(contracts.get_column(k).null_count() for k in _FLOW_KEY):
        return None
    theirs = flows[rows]
    if not equal_on(theirs, contracts, _FLOW_KEY):  # dtypes included
        return None
    return contracts.hstack([s for s in theirs.get_columns() if s.name not in _FLOW_KEY])


def _flow_rows(base: Foundation, history: History) -> np.ndarray | None:
    """Return each in-scope contract's row in ``history.flows`` as the context knows it."""
    context = history.context
    if context is None or context.flow_rows is None or history.flows is None:
        return None
    if history.flows is not context.flows_by_contract:
        return None
    chain = context.flow_rows
    if len(chain) != base.contracts.height:
        return None
    if base.in_scope.height == base.contracts.height:
        return chain
    inside = base.contracts.select(base.scope.mask(base.session).fill_null(value=False))
    rows: np.ndarray = chain[inside.to_series().to_numpy()]
    return rows


def _revalue(snapshot: ChainSnapshot, as_of: dt.datetime) -> ChainSnapshot:
    from eots.core.time import TimeBasis

    live = snapshot.frame.filter(pl.col("expiry_ts") > as_of)
    return replace(snapshot, frame=live, ts_event=as_of, time_basis=TimeBasis.OVERRIDE)


def _totals(in_scope: pl.DataFrame, by_strike: pl.DataFrame) -> Totals:
    # Integer counts: NumPy gives polars' figures (the float sums stay polars' own below).
    without = ~in_scope.get_column("exposure_ok").fill_null(value=True).to_numpy()
    oi = in_scope.get_column("open_interest").fill_null(0).to_numpy()
    no_iv = (int(np.count_nonzero(without)), int(oi[without].sum()))
    sums = by_strike.select(
        pl.col("net_gex").sum(),
        pl.col("call_gex").sum(),
        pl.col("put_gex").sum(),
        pl.col("dex").sum(),
        pl.col("vanna").sum(),
        pl.col("charm").sum(),
    ).row(0)
    return Totals(
        net_gex=float(sums[0]),
        call_gex=float(sums[1]),
        put_gex=float(sums[2]),
        net_dex=float(sums[3]),
        net_vanna=float(sums[4]),
        net_charm=float(sums[5]),
        contracts_in_scope=in_scope.height,
        contracts_without_iv=int(no_iv[0]),
        oi_without_iv=int(no_iv[1]),
    )
