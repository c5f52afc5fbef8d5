"""The base metric engine: per-contract and per-strike DAG, SDAG, TDPI, VRI, MSPI, SAI, SSI, ARFI.

``base_metrics(contracts, inputs, params)`` takes the per-contract frame of
``eots.pipeline.analyze`` (with or without the flow columns of ``eots.flows``) and returns a frozen
``BaseMetrics``: the contracts with every metric column appended, the per-strike aggregate, and
notes saying which proxies and fallbacks were used and which metrics are NaN and why. Each metric's
formula, units and sign are in its own module (``dag``, ``sdag``, ``tdpi``, ``vri``, ``mspi``,
``sai``, ``ssi``, ``arfi``, ``flow_columns``), each as an array kernel (``arrays``: NumPy with
polars' null/NaN semantics); this module is the thin polars layer: it pulls the input columns
once, runs the kernels and builds the output frames once. Missing values are NaN in the output,
never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.core.errors import StageInputError
from eots.core.ordered import strictly_increasing
from eots.core.time import session_of
from eots.market.term import KnownTerm
from eots.metrics.arfi import arfi_columns
from eots.metrics.arrays import (
    Bools,
    ContractArrays,
    Masked,
    Scope,
    constant,
    from_series,
    nullable_series,
    physical,
)
from eots.metrics.arrays import working as working_array
from eots.metrics.context import Note, metric_context
from eots.metrics.dag import dag_columns
from eots.metrics.flow_columns import FLOW_COLUMN_NAMES, strike_flow_summands
from eots.metrics.flow_inputs import FLOW_LABELS, FlowBasis, flow_arrays, flow_basis, flow_labels
from eots.metrics.inputs import (
    CHAIN_COLUMNS,
    DIRECT_FLOW_PAIRS,
    EXPOSURE_COLUMNS,
    NET_VALUE,
    NET_VOLUME,
    PROXY_FLOW_COLUMNS,
    ROLLING_COLUMNS,
    VALUE_SIDES,
    VOLUME_SIDES,
    WORKING_PREFIX,
    MetricInputs,
)
from eots.metrics.mspi import (
    MSPI_COMPONENTS,
    MspiWeightChoice,
    component_norms,
    mspi_array,
    mspi_weights,
)
from eots.metrics.params import BaseMetricParams, GammaBasis, NormalisationScope
from eots.metrics.sai import sai_array
from eots.metrics.sdag import sdag_columns
from eots.metrics.ssi import ssi_array
from eots.metrics.strikes import (
    ADDITIVE_METRICS,
    STRIKE_EXPOSURES,
    STRIKE_FLOW_GREEKS,
    StrikeGroups,
    strike_groups,
    strike_keys,
    strike_metrics,
)
from eots.metrics.tdpi import tdpi_columns
from eots.metrics.vri import vol_trend_factor, vri_columns
from eots.metrics.weights import time_of_day_weight

_KEYS = ("strike", "right", "expiry")
_GREEKS = ("delta", "gamma", "vega", "theta", "charm", "vanna", "vomma")
#: Flows each flow-using metric reads (its ``<metric>_flow`` label column).
METRIC_FLOWS: dict[str, tuple[str, ...]] = {
    "dag": ("delta", "gamma"),
    "tdpi": ("theta", "charm"),
    "vri": ("vanna", "vomma"),
    "vfi": ("vega",),
    "arfi": ("delta", "charm", "vanna"),
}
_FLOW_INPUTS = (
    *(c for pair in DIRECT_FLOW_PAIRS.values() for c in pair),
    *VOLUME_SIDES,
    *VALUE_SIDES,
    NET_VOLUME,
    NET_VALUE,
    *ROLLING_COLUMNS,
)

#: Columns ``metric_context`` reads (selected before filtering, so only these are copied).
_CONTEXT_COLUMNS = (
    "expiry",
    "settlement",
    "expiry_ts",
    "strike",
    "right",
    "forward",
    "t_years",
    "iv",
)

#: Per-contract metric columns appended by ``base_metrics`` (float unless noted).
CONTRACT_METRIC_COLUMNS = (
    "dag_alpha",
    "net_delta_flow_to_dxoi_ratio",
    "norm_net_gamma_flow",
    "dag_proximity",
    "dag_custom",
    "dxoi_norm_for_sdag",
    "sdag_multiplicative",
    "sdag_directional",
    "sdag_weighted",
    "sdag_volatility_focused",
    "tdpi_beta",
    "charm_flow_to_charm_oi_ratio",
    "norm_net_theta_flow",
    "time_weight",
    "strike_proximity",
    "tdpi_dte_weight",
    "tdpi",
    "ctr",
    "norm_txoi_abs",
    "norm_raw_theta_flow_abs_for_tdfi",
    "tdfi",
    "gamma_coeff",
    "vanna_flow_to_vanna_oi_ratio",
    "norm_net_vomma_flow",
    "skew_factor",
    "vol_trend_factor",
    "vri",
    "vvr",
    "norm_vxoi_abs",
    "norm_vega_flow_abs_for_vfi",
    "vfi",
    "arfi",
    *(f"{m}_norm" for m in MSPI_COMPONENTS),
    "mspi",
    "sai",
    "ssi",
    *FLOW_COLUMN_NAMES,
)
#: Per-row flow-basis labels (Enum missing|proxy|signed|direct), one per flow-using metric.
FLOW_LABEL_COLUMNS = tuple(f"{m}_flow" for m in METRIC_FLOWS)
#: Columns of the exposure frame the base metrics read (``eots.exposures.EXPOSURE_SCHEMA``);
#: the flow columns of ``eots.flows`` are optional (their absence selects the proxies).
REQUIRED_INPUTS = tuple(dict.fromkeys((*_KEYS, *EXPOSURE_COLUMNS, *CHAIN_COLUMNS)))
#: The per-contract columns ``base_metrics`` appends to the exposure frame (the metric frame is
#: the input's columns plus these; the flow columns that are also inputs keep their input dtype).
METRIC_SCHEMA = pl.Schema(
    {
        **dict.fromkeys(CONTRACT_METRIC_COLUMNS, pl.Float64()),
        **dict.fromkeys(FLOW_LABEL_COLUMNS, FLOW_LABELS),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseMetrics:
    """Output of ``base_metrics``.

    Attributes
    ----------
    contracts
        The input frame plus ``CONTRACT_METRIC_COLUMNS`` and ``FLOW_LABEL_COLUMNS`` (the per-strike
        flow columns broadcast to each contract). Out-of-scope and no-IV contracts have NaN.
    strikes
        One row per strike (per expiry and strike with the ``per_expiry`` scope): summed additive
        metrics, ratios recomputed from strike sums, strike-level MSPI/SAI/SSI, flow columns.
    notes
        (metric, message) pairs: proxies and fallbacks used, metrics that are NaN and why.
    mspi_weights
        The MSPI weights used (component -> weight) and ``mspi_weight_set`` their set's name.
    atr
        The ATR ($) the metrics used (the input's, or its documented proxy; None: none), so the
        stages after them (key levels) can measure distances with the same one.
    arrays
        The bridge: the input columns as the kernels read them (working copies, net flows, scope),
        pulled from the frame once; the adaptive metrics run on the same arrays.
    columns
        Every per-contract metric column as the kernels produced it (null and NaN apart).
    groups
        The strike rows of the in-scope contracts (``strikes``' rows), for the adaptive metrics.
    term
        The ATM term structure of the in-scope contracts (``eots.market.TERM_SCHEMA``) when the
        metric context computed it (None when the inputs supplied every scalar).
    """

    contracts: pl.DataFrame
    strikes: pl.DataFrame
    notes: tuple[Note, ...]
    mspi_weights: dict[str, float]
    mspi_weight_set: str
    arrays: ContractArrays
    columns: dict[str, Masked]
    groups: StrikeGroups
    atr: float | None = None
    term: pl.DataFrame | None = None


def _prepared(
    contracts: pl.DataFrame, as_of: dt.datetime, params: BaseMetricParams
) -> tuple[Bools, Scope]:
    """Check the inputs; return the in-scope rows and the normalisation groups.

    Raises
    ------
    StageInputError
        If the frame lacks a column of ``REQUIRED_INPUTS`` (or ``dealer_sign`` with the dealer
        gamma basis): a missing input is an error, never a column of nulls.
    """
    required = list(REQUIRED_INPUTS)
    if params.sdag.gamma_basis is GammaBasis.DEALER:
        required.append("dealer_sign")
    StageInputError.require(contracts.columns, required, stage="metrics", frame="exposure")
    if "exposure_ok" in contracts.columns:
        ok = contracts.get_column("exposure_ok")
        inside = (ok.fill_null(value=False) if ok.null_count() else ok).to_numpy()
    else:
        inside = np.ones(contracts.height, dtype=np.bool_)
    scope = params.normalisation_scope
    if scope is NormalisationScope.ZERO_DTE:
        today = contracts.get_column("expiry") == session_of(as_of)
        inside = inside & today.fill_null(value=False).to_numpy()
    if scope is NormalisationScope.PER_EXPIRY:
        expiry = physical(contracts.get_column("expiry"))
        _, codes = np.unique(expiry, return_inverse=True)
        groups = Scope(codes.astype(np.intp), int(codes.max(initial=-1)) + 1)
    else:
        groups = Scope(None, 1)
    return inside.astype(np.bool_), groups


def _flow_notes(choices: dict[str, FlowBasis]) -> list[Note]:
    notes: list[Note] = []
    for metric, greeks in METRIC_FLOWS.items():
        for greek in greeks:
            c = choices[greek]
            if c is FlowBasis.PROXY:
                why = (
                    "no side split exists for this greek"
                    if greek not in DIRECT_FLOW_PAIRS
                    else f"no {'/'.join(DIRECT_FLOW_PAIRS[greek])} columns"
                )
                notes.append((metric, f"{greek} flow: proxy {PROXY_FLOW_COLUMNS[greek]} ({why})"))
            elif c is FlowBasis.SIGNED:
                notes.append((metric, f"{greek} flow: {greek} x {NET_VOLUME} x multiplier"))
            elif c is FlowBasis.MISSING:
                notes.append((metric, f"{greek} flow: no direct columns and no proxy: NaN"))
    return notes


def _nan_notes(
    columns: dict[str, Masked], inside: Bools, strike_flows: dict[str, Masked]
) -> list[Note]:
    names = [*MSPI_COMPONENTS, "ctr", "tdfi", "vvr", "vfi", "arfi", "mspi", "sai", "ssi"]
    notes = [
        (c, "NaN for every in-scope contract (see the notes on its inputs)")
        for c in names
        if columns[c].all_null()
    ]
    if len(inside) and not inside.any():
        notes.append(("scope", "no live contract in the normalisation scope: every metric is NaN"))
    absent = [c for c in FLOW_COLUMN_NAMES if strike_flows[c].all_null()]
    if absent:
        notes.append(("flow_columns", f"NaN (needs side-classified flow): {absent}"))
    return notes


def _arrays(
    frame: pl.DataFrame,
    inside: Bools,
    scope: Scope,
    choices: dict[str, FlowBasis],
    params: BaseMetricParams,
) -> tuple[ContractArrays, dict[str, np.ndarray]]:
    """Pull every input column once; return the kernels' arrays and the flow basis ranks."""
    names = [*EXPOSURE_COLUMNS, "iv", "volume", *(c for c in _FLOW_INPUTS if c in frame.columns)]
    work = {c: working_array(frame.get_column(c), inside) for c in names}
    flows: dict[str, Masked] = {}
    ranks: dict[str, np.ndarray] = {}
    for greek, choice in choices.items():
        flows[greek], ranks[greek] = flow_arrays(frame, greek, choice, params, inside, work)
    raw_names = ["strike", "delta", "t_years"]
    if params.sdag.gamma_basis is GammaBasis.DEALER:
        raw_names.append("dealer_sign")
    raw = {c: from_series(frame.get_column(c)) for c in raw_names}
    sides = frame.select(
        is_put=(pl.col("right") == "P").fill_null(value=False),
        is_call=(pl.col("right") == "C").fill_null(value=False),
    )
    arrays = ContractArrays(
        working=work,
        flows=flows,
        raw=raw,
        is_put=sides.get_column("is_put").to_numpy(),
        is_call=sides.get_column("is_call").to_numpy(),
        inside=inside,
        scope=scope,
        rows=frame.height,
    )
    return arrays, ranks


def _strikes(  # noqa: PLR0913  (the contract arrays and their masks, private)
    frame: pl.DataFrame,
    a: ContractArrays,
    inside: Bools,
    columns: dict[str, Masked],
    params: BaseMetricParams,
    choice: MspiWeightChoice,
    present_flows: frozenset[str],
) -> tuple[pl.DataFrame, dict[str, Masked], dict[str, Masked], StrikeGroups]:
    """Per-strike frame, its flow columns, those broadcast back to the contracts, the groups."""
    rows = np.flatnonzero(inside)
    flow_summands, _ = strike_flow_summands(a.working, a.is_call, present_flows)
    summands: dict[str, Masked] = {m: columns[m] for m in ADDITIVE_METRICS}
    summands["mspi"] = columns["mspi"]
    summands.update({f"_s_{g}": a.flows[g] for g in STRIKE_FLOW_GREEKS})
    summands.update({f"_s_{x}": a.working[x] for x in STRIKE_EXPOSURES})
    summands.update(flow_summands)
    groups = strike_groups(frame.select(strike_keys(params)), inside, params)
    strikes, sums = strike_metrics(groups, inside, summands, params, choice)
    codes = groups.codes
    broadcast: dict[str, Masked] = {}
    if not present_flows:  # every flow column is null: one all-null column serves them all
        broadcast = dict.fromkeys(FLOW_COLUMN_NAMES, constant(None, a.rows))
    for c in FLOW_COLUMN_NAMES if present_flows else ():
        v = np.full(a.rows, np.nan)
        v[rows] = sums[c].v[codes]
        broadcast[c] = Masked(v, np.isnan(v))
    return strikes, {c: sums[c] for c in FLOW_COLUMN_NAMES}, broadcast, groups


def base_metrics(
    contracts: pl.DataFrame,
    inputs: MetricInputs,
    params: BaseMetricParams | None = None,
    *,
    known_term: KnownTerm | None = None,
) -> BaseMetrics:
    """Compute every base metric per contract and per strike.

    Parameters
    ----------
    contracts
        The exposure frame (``eots.exposures.EXPOSURE_SCHEMA``: at least ``REQUIRED_INPUTS``),
        optionally with the ``eots.flows`` columns (``inputs`` module lists the names).
    inputs
        ``as_of``, spot and the optional market scalars (ATR, underlying IV, IV_5d, IV percentile).
    params
        Metric parameters (defaults: ITS v2.4.1 with the adopted fixes).
    known_term
        An ATM term structure already computed (the market context's ``term_source``): reused
        when the in-scope contracts' term inputs equal its rows, else the term is computed here.

    Returns
    -------
    BaseMetrics
        Per-contract and per-strike frames with notes.

    Raises
    ------
    StageInputError
        If a required input column is absent (named in the message).
    """
    params = params or BaseMetricParams()
    frame = contracts
    inside, scope = _prepared(frame, inputs.as_of, params)
    notes: list[Note] = []
    context_columns = [c for c in _CONTEXT_COLUMNS if c in frame.columns]
    in_scope = pl.Series(inside)  # the context's rows, filtered column by column (no query)
    ctx = metric_context(
        pl.DataFrame([frame.get_column(c).filter(in_scope) for c in context_columns]),
        inputs,
        params,
        known=known_term,
    )
    notes.extend(ctx.notes)
    trend, fallback = vol_trend_factor(params, ctx.underlying_iv, ctx.iv_5d)
    if fallback:
        notes.append(("vri", f"vol trend: no IV_5d, original constant fallback {trend:.4f}"))
    choices = {g: flow_basis(frame, g, params) for g in _GREEKS}
    notes.extend(_flow_notes(choices))
    present_flows = frozenset(c for c in _FLOW_INPUTS if c in frame.columns)

    a, ranks = _arrays(frame, inside, scope, choices, params)
    spot = inputs.spot
    time_weight = time_of_day_weight(inputs.as_of, params)
    dag = dag_columns(a, params, spot=spot, atr=ctx.atr)
    sdag = sdag_columns(a, params, underlying_iv=ctx.underlying_iv)
    tdpi = tdpi_columns(a, params, spot=spot, atr=ctx.atr, time_weight=time_weight)
    vri = vri_columns(a, params, trend=trend)
    columns: dict[str, Masked] = {**dag, **sdag, **tdpi, **vri, **arfi_columns(a, params)}
    norms = component_norms(columns, scope, params)
    columns.update(norms)
    missing = frozenset(m for m in MSPI_COMPONENTS if columns[m].all_null())
    choice = mspi_weights(params, inputs.as_of, inputs.iv_percentile_30d, missing)
    notes.extend(choice.notes)
    columns["mspi"] = mspi_array(choice, params, columns, scope)
    columns["sai"] = sai_array(choice, params, norms)
    columns["ssi"] = ssi_array(choice, params, norms)
    strikes, strike_flows, broadcast, groups = _strikes(
        frame, a, inside, columns, params, choice, present_flows
    )
    columns.update(broadcast)
    notes.extend(_nan_notes(columns, inside, strike_flows))
    flows_used = [[ranks[g] for g in greeks] for greeks in METRIC_FLOWS.values()]
    labels = dict(zip(FLOW_LABEL_COLUMNS, flow_labels(flows_used), strict=True))
    private = [c for c in frame.columns if c.startswith(("_", WORKING_PREFIX))]
    kept = frame.drop(private) if private else frame
    series = _series_of(columns)
    output = [series(c) for c in _STAGE_ONE]
    output += [series(c) for c in _STAGE_TWO]
    output += [label.alias(name) for name, label in labels.items()]
    output += [series(c) for c in _STAGE_THREE if c not in FLOW_COLUMN_NAMES]
    clashing = [c for c in FLOW_COLUMN_NAMES if present_flows and c in frame.columns]
    joined = _clashing_flow_columns(frame, inside, strikes, strike_flows, clashing, params)
    output += [
        joined[f"{c}_strike"] if f"{c}_strike" in joined else series(c) for c in FLOW_COLUMN_NAMES
    ]
    output += [joined[c] for c in clashing]
    contracts_out = _with_columns(kept, output)
    return BaseMetrics(
        contracts=contracts_out,
        strikes=strikes,
        notes=tuple(notes),
        mspi_weights=dict(choice.weights),
        mspi_weight_set=choice.label,
        arrays=a,
        columns=columns,
        groups=groups,
        atr=ctx.atr,
        term=ctx.term,
    )


def _with_columns(frame: pl.DataFrame, output: list[pl.Series]) -> pl.DataFrame:
    """Return ``frame.with_columns(output)`` without its query.

    An output column named like an input takes its place; the others follow in order (with
    flows present the per-contract flow inputs are replaced). Repeated output names are left
    to ``with_columns`` (its error).
    """
    by_name = {s.name: s for s in output}
    if len(by_name) != len(output):
        return frame.with_columns(output)
    present = set(frame.columns)
    if not present & by_name.keys():
        return frame.hstack(output)
    kept = [by_name.get(c, frame.get_column(c)) for c in frame.columns]
    return pl.DataFrame([*kept, *(s for s in output if s.name not in present)])


def _series_of(columns: dict[str, Masked]) -> Callable[[str], pl.Series]:
    """Return name -> ``columns[name].series(name)``; columns of one array share one Series.

    Without flows every flow column is the same all-null array: wrapped once, then renamed.
    """
    made: dict[int, pl.Series] = {}

    def series(name: str) -> pl.Series:
        values = columns[name].v
        kept = made.get(id(values))
        if kept is None:
            kept = made[id(values)] = columns[name].series(name)
            return kept
        return kept.alias(name)

    return series


def _clashing_flow_columns(
    frame: pl.DataFrame,
    inside: Bools,
    strikes: pl.DataFrame,
    strike_flows: dict[str, Masked],
    clashing: list[str],
    params: BaseMetricParams,
) -> dict[str, pl.Series]:
    """Per-contract output of the flow columns that are also inputs (``volmbs_5m``, ...).

    The contract keeps its own input under the name (in scope, else NaN); the strike's sum, null
    where unknown, is broadcast to every row with that strike as ``<name>_strike``.
    """
    if not clashing:
        return {}
    keys = strike_keys(params)
    out = _strike_lookup(frame, strikes, strike_flows, clashing) if keys == ["strike"] else None
    if out is None:
        out = _strike_join(frame, strikes, strike_flows, clashing, keys)
    for c in clashing:
        own = np.where(inside, frame.get_column(c).cast(pl.Float64).to_numpy(), np.nan)
        out[c] = pl.Series(c, own)
    return out


def _strike_lookup(
    frame: pl.DataFrame,
    strikes: pl.DataFrame,
    strike_flows: dict[str, Masked],
    clashing: list[str],
) -> dict[str, pl.Series] | None:
    """``_strike_join`` by binary search in the strike frame's sorted unique strikes.

    None when a strike is null or NaN on either side (the join's matching rules then apply) or
    there is no strike row.
    """
    if frame.get_column("strike").dtype != strikes.get_column("strike").dtype:
        return None
    row = frame.get_column("strike").cast(pl.Float64).to_numpy()  # nulls are NaN
    known = strikes.get_column("strike").cast(pl.Float64).to_numpy()
    if not known.size or np.isnan(row).any() or np.isnan(known).any():
        return None
    if not strictly_increasing(known):
        return None
    at = np.minimum(np.searchsorted(known, row), known.size - 1)
    missing = known[at] != row
    out = {}
    for c in clashing:
        sums = strike_flows[c]
        value, null = sums.v[at], missing | sums.null[at]
        out[f"{c}_strike"] = nullable_series(f"{c}_strike", value, null)
    return out


def _strike_join(
    frame: pl.DataFrame,
    strikes: pl.DataFrame,
    strike_flows: dict[str, Masked],
    clashing: list[str],
    keys: list[str],
) -> dict[str, pl.Series]:
    """Each contract's strike sums, null where unknown or the strike is not in ``strikes``."""
    right = strikes.select(keys).with_columns(
        nullable_series(f"{c}_strike", strike_flows[c].v, strike_flows[c].null) for c in clashing
    )
    joined = frame.select(keys).join(right, on=keys, how="left", maintain_order="left")
    return {f"{c}_strike": joined.get_column(f"{c}_strike") for c in clashing}


#: Output order of the per-contract columns (as the staged expression version appended them).
_STAGE_ONE = (
    "dag_alpha",
    "net_delta_flow_to_dxoi_ratio",
    "norm_net_gamma_flow",
    "dag_proximity",
    "dxoi_norm_for_sdag",
    "tdpi_beta",
    "charm_flow_to_charm_oi_ratio",
    "norm_net_theta_flow",
    "time_weight",
    "strike_proximity",
    "tdpi_dte_weight",
    "ctr",
    "norm_txoi_abs",
    "norm_raw_theta_flow_abs_for_tdfi",
    "gamma_coeff",
    "vanna_flow_to_vanna_oi_ratio",
    "norm_net_vomma_flow",
    "skew_factor",
    "vol_trend_factor",
    "vvr",
    "norm_vxoi_abs",
    "norm_vega_flow_abs_for_vfi",
    "arfi",
)
_STAGE_TWO = (
    "dag_custom",
    "sdag_multiplicative",
    "sdag_directional",
    "sdag_weighted",
    "sdag_volatility_focused",
    "tdpi",
    "tdfi",
    "vri",
    "vfi",
)
_STAGE_THREE = (
    *(f"{m}_norm" for m in MSPI_COMPONENTS),
    "mspi",
    "sai",
    "ssi",
    *FLOW_COLUMN_NAMES,
)
