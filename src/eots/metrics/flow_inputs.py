"""Net greek flows the metrics use, direct or proxy, chosen per greek (base_system.md 3.1-3.4).

For delta, gamma, vega and theta the net flow is the customer's ``<greek>s_buy - <greek>s_sell``
(``eots.flows``; share units: greek x contracts x multiplier) when both columns are present and not
entirely missing: the basis is ``direct``. Otherwise it is the unsigned proxy ``<g>xvolm``
(greek x session volume x multiplier): ``proxy``. Charm, vanna and vomma have no side split: their
flow is always the proxy, or, with ``SecondOrderFlow.SIGNED`` and ``volm_bs`` present,
``greek x volm_bs x multiplier`` (``signed``). A greek with neither is ``missing`` (null).

Sign: customer net buying is positive (conventions.md section 5); proxies carry only the greek's
sign. Rows whose direct split is unknown (NaN) stay missing unless ``proxy_fill_missing_rows``,
which uses the proxy for those rows. ``flow_source_expr`` labels each row's basis per metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from eots.metrics.inputs import (
    DIRECT_FLOW_PAIRS,
    NET_VOLUME,
    PROXY_FLOW_COLUMNS,
    SECOND_ORDER_GREEKS,
)
from eots.metrics.params import BaseMetricParams, SecondOrderFlow


class FlowBasis(StrEnum):
    """Where a net greek flow comes from."""

    DIRECT = "direct"
    PROXY = "proxy"
    SIGNED = "signed"
    MISSING = "missing"


#: Per-row label dtype of the ``*_flow`` columns (category order = strength, weakest first).
FLOW_LABELS = pl.Enum(["missing", "proxy", "signed", "direct"])
_RANK = {label: i for i, label in enumerate(FLOW_LABELS.categories)}
_LABEL_SERIES = pl.Series("flow_label", FLOW_LABELS.categories, dtype=FLOW_LABELS)


def flow_column(greek: str) -> str:
    """Return the private working column holding the net flow of ``greek``."""
    return f"_flow_{greek}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowChoice:
    """The basis of one greek's flow and the expressions producing it."""

    greek: str
    basis: FlowBasis
    value: pl.Expr  # net flow, null when unknown
    row_basis: pl.Expr  # per-row strength rank (index into FLOW_LABELS), Int8


def _usable(frame: pl.DataFrame, column: str) -> bool:
    if column not in frame.columns:
        return False
    series = frame.get_column(column)
    if series.null_count() == series.len():
        return False
    return not series.dtype.is_float() or bool(series.is_not_nan().any())


def _col(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64).fill_nan(None)


def _proxy(frame: pl.DataFrame, greek: str) -> pl.Expr | None:
    column = PROXY_FLOW_COLUMNS[greek]
    return _col(column) if column in frame.columns else None


def _rank(basis: FlowBasis) -> pl.Expr:
    return pl.lit(_RANK[basis.value], dtype=pl.Int8)


def _labelled(
    value: pl.Expr, label: FlowBasis, fallback: pl.Expr | None
) -> tuple[pl.Expr, pl.Expr]:
    missing = _rank(FlowBasis.MISSING)
    if fallback is None:
        return value, pl.when(value.is_not_null()).then(_rank(label)).otherwise(missing)
    tag = (
        pl.when(value.is_not_null())
        .then(_rank(label))
        .when(fallback.is_not_null())
        .then(_rank(FlowBasis.PROXY))
        .otherwise(missing)
    )
    return pl.coalesce(value, fallback), tag


def flow_choice(frame: pl.DataFrame, greek: str, params: BaseMetricParams) -> FlowChoice:
    """Choose the flow basis of ``greek`` for this frame (module docstring)."""
    proxy = _proxy(frame, greek)
    if greek in DIRECT_FLOW_PAIRS:
        buy, sell = DIRECT_FLOW_PAIRS[greek]
        if _usable(frame, buy) and _usable(frame, sell):
            fill = proxy if params.proxy_fill_missing_rows else None
            value, tag = _labelled(_col(buy) - _col(sell), FlowBasis.DIRECT, fill)
            return FlowChoice(greek=greek, basis=FlowBasis.DIRECT, value=value, row_basis=tag)
    elif (
        greek in SECOND_ORDER_GREEKS
        and params.second_order_flow is SecondOrderFlow.SIGNED
        and _usable(frame, NET_VOLUME)
    ):
        signed = _col(greek) * _col(NET_VOLUME) * pl.col("multiplier")
        fill = proxy if params.proxy_fill_missing_rows else None
        value, tag = _labelled(signed, FlowBasis.SIGNED, fill)
        return FlowChoice(greek=greek, basis=FlowBasis.SIGNED, value=value, row_basis=tag)
    if proxy is not None and _usable(frame, PROXY_FLOW_COLUMNS[greek]):
        value, tag = _labelled(proxy, FlowBasis.PROXY, None)
        return FlowChoice(greek=greek, basis=FlowBasis.PROXY, value=value, row_basis=tag)
    return FlowChoice(
        greek=greek,
        basis=FlowBasis.MISSING,
        value=pl.lit(None, dtype=pl.Float64),
        row_basis=_rank(FlowBasis.MISSING),
    )


def row_basis_column(greek: str) -> str:
    """Return the private working column holding the per-row basis rank of ``greek``'s flow."""
    return f"_basis_{greek}"


def combined_row_basis(greeks: tuple[str, ...]) -> pl.Expr:
    """Label a metric using several flows: ``missing`` if any is, else the weakest basis used."""
    weakest = pl.min_horizontal([pl.col(row_basis_column(g)) for g in greeks])
    return pl.lit(_LABEL_SERIES).gather(weakest)  # rank -> label by position (no hashing)
