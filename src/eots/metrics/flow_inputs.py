"""Net greek flows the metrics use, direct or proxy, chosen per greek (base_system.md 3.1-3.4).

For delta, gamma, vega and theta the net flow is the customer's ``<greek>s_buy - <greek>s_sell``
(``eots.flows``; share units: greek x contracts x multiplier) when both columns are present and not
entirely missing: the basis is ``direct``. Otherwise it is the unsigned proxy ``<g>xvolm``
(greek x session volume x multiplier): ``proxy``. Charm, vanna and vomma have no side split: their
flow is always the proxy, or, with ``SecondOrderFlow.SIGNED`` and ``volm_bs`` present,
``greek x volm_bs x multiplier`` (``signed``). A greek with neither is ``missing`` (null).

Sign: customer net buying is positive (conventions.md section 5); proxies carry only the greek's
sign. Rows whose direct split is unknown (NaN) stay missing unless ``proxy_fill_missing_rows``,
which uses the proxy for those rows. ``flow_label`` labels each row's basis per metric.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import polars as pl

from eots.metrics.arrays import Bools, Masked, constant, from_series
from eots.metrics.arrays import working as working_array
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


def _usable(frame: pl.DataFrame, column: str) -> bool:
    if column not in frame.columns:
        return False
    series = frame.get_column(column)
    if series.null_count() == series.len():
        return False
    if not series.dtype.is_float():
        return True
    return not bool(np.isnan(series.cast(pl.Float64).to_numpy()).all())


def flow_basis(frame: pl.DataFrame, greek: str, params: BaseMetricParams) -> FlowBasis:
    """Choose the flow basis of ``greek`` for this frame (module docstring)."""
    if greek in DIRECT_FLOW_PAIRS:
        buy, sell = DIRECT_FLOW_PAIRS[greek]
        if _usable(frame, buy) and _usable(frame, sell):
            return FlowBasis.DIRECT
    elif (
        greek in SECOND_ORDER_GREEKS
        and params.second_order_flow is SecondOrderFlow.SIGNED
        and _usable(frame, NET_VOLUME)
    ):
        return FlowBasis.SIGNED
    if _usable(frame, PROXY_FLOW_COLUMNS[greek]):
        return FlowBasis.PROXY
    return FlowBasis.MISSING


def _rank_array(value: Masked, label: FlowBasis, fallback: Masked | None) -> npt.NDArray[np.int8]:
    rank = np.where(value.null, _RANK[FlowBasis.MISSING.value], _RANK[label.value])
    if fallback is not None:
        proxy_rank = _RANK[FlowBasis.PROXY.value]
        rank = np.where(value.null & ~fallback.null, proxy_rank, rank)
    return rank.astype(np.int8)


def _coalesce(value: Masked, fallback: Masked | None) -> Masked:
    if fallback is None:
        return value
    return Masked(np.where(value.null, fallback.v, value.v), value.null & fallback.null)


def flow_arrays(
    frame: pl.DataFrame,
    greek: str,
    basis: FlowBasis,
    params: BaseMetricParams,
    inside: Bools,
    working: dict[str, Masked],
) -> tuple[Masked, npt.NDArray[np.int8]]:
    """Return ``greek``'s net flow (null out of scope) and per-row basis rank (0 out of scope).

    ``basis`` is ``flow_basis(frame, greek, params)``; ``working`` holds working copies already
    made (by input column name).
    """
    rows = frame.height

    def column(name: str) -> Masked:
        if name in working:
            return working[name]
        return working_array(frame.get_column(name), inside)

    proxy_name = PROXY_FLOW_COLUMNS[greek]
    proxy = column(proxy_name) if proxy_name in frame.columns else None
    fill = proxy if params.proxy_fill_missing_rows else None
    if basis is FlowBasis.DIRECT:
        buy, sell = DIRECT_FLOW_PAIRS[greek]
        value = column(buy) - column(sell)
        rank = _rank_array(value, FlowBasis.DIRECT, fill)
        value = _coalesce(value, fill)
    elif basis is FlowBasis.SIGNED:
        value = column(greek) * column(NET_VOLUME) * from_series(frame.get_column("multiplier"))
        rank = _rank_array(value, FlowBasis.SIGNED, fill)
        value = _coalesce(value, fill)
    elif basis is FlowBasis.PROXY and proxy is not None:
        value = proxy
        rank = _rank_array(value, FlowBasis.PROXY, None)
    else:
        value = constant(None, rows)
        rank = np.zeros(rows, dtype=np.int8)
    return value, np.where(inside, rank, 0).astype(np.int8)


def flow_label(ranks: list[npt.NDArray[np.int8]]) -> pl.Series:
    """Label a metric using several flows: ``missing`` if any is, else the weakest basis used."""
    return flow_labels([ranks])[0]


def flow_labels(metrics: list[list[npt.NDArray[np.int8]]]) -> list[pl.Series]:
    """Return ``flow_label`` of each metric's flow ranks; metrics with equal labels share one."""
    made: list[tuple[npt.NDArray[np.int8], pl.Series]] = []
    out = []
    for ranks in metrics:
        weakest = ranks[0]
        for rank in ranks[1:]:
            weakest = np.minimum(weakest, rank)
        label = next((s for w, s in made if np.array_equal(w, weakest)), None)
        if label is None:
            label = _LABEL_SERIES[weakest.astype(np.int64)]  # rank -> label by position
            made.append((weakest, label))
        out.append(label)
    return out
