"""The base metric engine: per-contract and per-strike DAG, SDAG, TDPI, VRI, MSPI, SAI, SSI, ARFI.

``base_metrics(contracts, inputs, params)`` takes the per-contract frame of
``eots.pipeline.analyze`` (with or without the flow columns of ``eots.flows``) and returns a frozen
``BaseMetrics``: the contracts with every metric column appended, the per-strike aggregate, and
notes saying which proxies and fallbacks were used and which metrics are NaN and why. Each metric's
formula, units and sign are in its own module (``dag``, ``sdag``, ``tdpi``, ``vri``, ``mspi``,
``sai``, ``ssi``, ``arfi``, ``flow_columns``); this module wires them in eager
stages (eager beats the lazy optimiser on these wide expression lists). Missing values are NaN in
the output, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from eots.core.errors import SchemaError
from eots.core.time import session_of
from eots.metrics.arfi import arfi_value
from eots.metrics.context import Note, metric_context
from eots.metrics.dag import dag_factors, dag_value
from eots.metrics.flow_columns import FLOW_COLUMN_NAMES
from eots.metrics.flow_inputs import (
    FlowBasis,
    FlowChoice,
    combined_row_basis,
    flow_choice,
    flow_column,
    row_basis_column,
)
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
    working,
)
from eots.metrics.mspi import MSPI_COMPONENTS, component_norms, mspi_value, mspi_weights
from eots.metrics.normalise import IN_SCOPE, SCOPE_GROUP
from eots.metrics.params import BaseMetricParams, NormalisationScope
from eots.metrics.sai import sai_value
from eots.metrics.sdag import sdag_factors, sdag_values
from eots.metrics.ssi import ssi_value
from eots.metrics.strikes import strike_keys, strike_metrics
from eots.metrics.tdpi import tdpi_factors, tdpi_values
from eots.metrics.vri import vol_trend_factor, vri_factors, vri_values
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
_CONTEXT_COLUMNS = ("expiry", "strike", "forward", "t_years", "iv")

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
    """

    contracts: pl.DataFrame
    strikes: pl.DataFrame
    notes: tuple[Note, ...]
    mspi_weights: dict[str, float]
    mspi_weight_set: str


def _prepared(
    contracts: pl.DataFrame, as_of: dt.datetime, params: BaseMetricParams
) -> tuple[pl.DataFrame, list[Note]]:
    missing_keys = [k for k in _KEYS if k not in contracts.columns]
    if missing_keys:
        raise SchemaError(f"expected contract key columns {_KEYS}, missing {missing_keys}")
    notes: list[Note] = []
    absent = [c for c in (*EXPOSURE_COLUMNS, *CHAIN_COLUMNS) if c not in contracts.columns]
    if absent:
        notes.append(("inputs", f"absent input columns (treated as missing): {absent}"))
        contracts = contracts.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in absent)
    live = pl.col("exposure_ok") if "exposure_ok" in contracts.columns else pl.lit(value=True)
    scope = params.normalisation_scope
    if scope is NormalisationScope.ZERO_DTE:
        live = live & (pl.col("expiry") == pl.lit(session_of(as_of)))
    group = pl.col("expiry") if scope is NormalisationScope.PER_EXPIRY else pl.lit(0, pl.Int32)
    return contracts.with_columns(
        live.fill_null(value=False).alias(IN_SCOPE), group.alias(SCOPE_GROUP)
    ), notes


def _working_columns(frame: pl.DataFrame, choices: list[FlowChoice]) -> list[pl.Expr]:
    inside = pl.col(IN_SCOPE)
    names = [*EXPOSURE_COLUMNS, "iv", "volume", *(c for c in _FLOW_INPUTS if c in frame.columns)]
    out = [
        pl.when(inside).then(pl.col(c).cast(pl.Float64).fill_nan(None)).alias(working(c))
        for c in names
    ]
    for choice in choices:
        out.append(pl.when(inside).then(choice.value).alias(flow_column(choice.greek)))
        out.append(
            pl.when(inside)
            .then(choice.row_basis)
            .otherwise(pl.lit(0, dtype=pl.Int8))
            .alias(row_basis_column(choice.greek))
        )
    return out


def _flow_notes(choices: dict[str, FlowChoice]) -> list[Note]:
    notes: list[Note] = []
    for metric, greeks in METRIC_FLOWS.items():
        for greek in greeks:
            c = choices[greek]
            if c.basis is FlowBasis.PROXY:
                why = (
                    "no side split exists for this greek"
                    if greek not in DIRECT_FLOW_PAIRS
                    else f"no {'/'.join(DIRECT_FLOW_PAIRS[greek])} columns"
                )
                notes.append((metric, f"{greek} flow: proxy {PROXY_FLOW_COLUMNS[greek]} ({why})"))
            elif c.basis is FlowBasis.SIGNED:
                notes.append((metric, f"{greek} flow: {greek} x {NET_VOLUME} x multiplier"))
            elif c.basis is FlowBasis.MISSING:
                notes.append((metric, f"{greek} flow: no direct columns and no proxy: NaN"))
    return notes


def _nan_notes(contracts: pl.DataFrame, strikes: pl.DataFrame) -> list[Note]:
    columns = [*MSPI_COMPONENTS, "ctr", "tdfi", "vvr", "vfi", "arfi", "mspi", "sai", "ssi"]
    notes = [
        (c, "NaN for every in-scope contract (see the notes on its inputs)")
        for c in columns
        if contracts.get_column(c).null_count() == contracts.height  # null counts are stored
    ]
    if contracts.height and not contracts.get_column(IN_SCOPE).any():
        notes.append(("scope", "no live contract in the normalisation scope: every metric is NaN"))
    absent = [c for c in FLOW_COLUMN_NAMES if strikes.get_column(c).null_count() == strikes.height]
    if absent:
        notes.append(("flow_columns", f"NaN (needs side-classified flow): {absent}"))
    return notes


def _with_flow_columns(
    scored: pl.DataFrame,
    strikes: pl.DataFrame,
    params: BaseMetricParams,
    present_flows: frozenset[str],
) -> pl.DataFrame:
    if not present_flows:
        nan = pl.lit(None, dtype=pl.Float64)
        return scored.with_columns(nan.alias(c) for c in FLOW_COLUMN_NAMES)
    keys = strike_keys(params)
    flows = strikes.select(*keys, *FLOW_COLUMN_NAMES)
    return scored.join(flows, on=keys, how="left", maintain_order="left").with_columns(
        pl.when(pl.col(IN_SCOPE)).then(pl.col(FLOW_COLUMN_NAMES)).name.keep()
    )


def _nulls_to_nan(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Fill nulls in ``columns`` with NaN; Float64 columns without nulls are left as they are."""
    schema = frame.schema  # built anew on each access: read it once
    todo = [c for c in columns if schema[c] != pl.Float64 or frame.get_column(c).null_count() > 0]
    return frame.with_columns(pl.col(todo).fill_null(float("nan"))) if todo else frame


def base_metrics(
    contracts: pl.DataFrame, inputs: MetricInputs, params: BaseMetricParams | None = None
) -> BaseMetrics:
    """Compute every base metric per contract and per strike.

    Parameters
    ----------
    contracts
        ``Analysis.contracts`` (CHAIN_SCHEMA + priced + exposure columns), optionally with the
        ``eots.flows`` columns (``inputs`` module lists the names).
    inputs
        ``as_of``, spot and the optional market scalars (ATR, underlying IV, IV_5d, IV percentile).
    params
        Metric parameters (defaults: ITS v2.4.1 with the adopted fixes).

    Returns
    -------
    BaseMetrics
        Per-contract and per-strike frames with notes.
    """
    params = params or BaseMetricParams()
    frame, notes = _prepared(contracts, inputs.as_of, params)
    context_columns = [c for c in _CONTEXT_COLUMNS if c in frame.columns]
    ctx = metric_context(
        frame.select(*context_columns, IN_SCOPE).filter(pl.col(IN_SCOPE)), inputs, params
    )
    notes.extend(ctx.notes)
    trend, fallback = vol_trend_factor(params, ctx.underlying_iv, ctx.iv_5d)
    if fallback:
        notes.append(("vri", f"vol trend: no IV_5d, original constant fallback {trend:.4f}"))
    choices = {g: flow_choice(frame, g, params) for g in _GREEKS}
    notes.extend(_flow_notes(choices))
    present_flows = frozenset(c for c in _FLOW_INPUTS if c in frame.columns)

    spot = inputs.spot
    staged = (
        frame.with_columns(_working_columns(frame, list(choices.values())))
        .with_columns(
            **dag_factors(params, spot=spot, atr=ctx.atr),
            **sdag_factors(params, underlying_iv=ctx.underlying_iv),
            **tdpi_factors(
                params, spot=spot, atr=ctx.atr, time_weight=time_of_day_weight(inputs.as_of, params)
            ),
            **vri_factors(params, trend=trend),
            **arfi_value(params),
        )
        .with_columns(
            **dag_value(),
            **sdag_values(params),
            **tdpi_values(),
            **vri_values(),
            **{f"{m}_flow": combined_row_basis(g) for m, g in METRIC_FLOWS.items()},
        )
        .with_columns(**component_norms(params))
    )
    missing = frozenset(
        m for m in MSPI_COMPONENTS if staged.get_column(m).null_count() == staged.height
    )
    choice = mspi_weights(params, inputs.as_of, inputs.iv_percentile_30d, missing)
    notes.extend(choice.notes)
    scored = staged.with_columns(
        mspi=mspi_value(choice, params),
        sai=sai_value(choice, params),
        ssi=ssi_value(choice, params),
    )
    strikes, _ = strike_metrics(scored, params, choice, present_flows)
    out = _with_flow_columns(scored, strikes, params, present_flows)
    notes.extend(_nan_notes(out, strikes))
    private = [c for c in out.columns if c.startswith(("_", WORKING_PREFIX))]
    final = _nulls_to_nan(out.drop(private), CONTRACT_METRIC_COLUMNS)
    keys = strike_keys(params)
    metric_strike_cols = [c for c in strikes.columns if c not in keys and c != "n_contracts"]
    return BaseMetrics(
        contracts=final,
        strikes=_nulls_to_nan(strikes, metric_strike_cols),
        notes=tuple(notes),
        mspi_weights=dict(choice.weights),
        mspi_weight_set=choice.label,
    )
