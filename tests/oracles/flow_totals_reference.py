"""Reference: the original polars group-by implementation of ``flows.session.flow_totals``.

Kept only as a test oracle for the NumPy version (same sums, NaN rules, labels and order).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.flows.schema import (
    FLOW_KEY,
    FLOW_REASONS,
    FLOW_SCHEMA,
    FLOW_SOURCES,
    SIDE_COLUMNS,
    WINDOWS_MIN,
    FlowSource,
)

NAN = float("nan")


def _known_sum(values: pl.Expr) -> pl.Expr:
    kept = values.fill_nan(None)
    return pl.when(kept.count() > 0).then(kept.sum()).otherwise(NAN)


def flow_totals_reference(events: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """Return ``FLOW_SCHEMA`` sums of ``events`` up to ``as_of`` (the slow, obvious way)."""
    as_of = as_of.astimezone(dt.UTC)
    known = pl.col("flow_source") != FlowSource.NONE.value
    totals = [_known_sum(pl.col(c)).alias(c) for c in SIDE_COLUMNS]
    windows = []
    for w in WINDOWS_MIN:
        inside = pl.col("ts") > as_of - dt.timedelta(minutes=w)
        windows += [
            _known_sum(pl.col("volm_bs").filter(inside)).alias(f"volmbs_{w}m"),
            _known_sum(pl.col("value_bs").filter(inside)).alias(f"valuebs_{w}m"),
        ]
    out = (
        events.sort("ts")
        .group_by(list(FLOW_KEY), maintain_order=True)
        .agg(
            pl.col("symbol").last(),
            *totals,
            *windows,
            flow_source=pl.col("flow_source").filter(known).last(),
            flow_reason=pl.col("flow_reason").filter(~known).last(),
            n_unknown=(~known).sum().cast(pl.Int64),
        )
    )
    return (
        out.with_columns(
            flow_source=pl.col("flow_source")
            .cast(pl.String)
            .fill_null(FlowSource.NONE.value)
            .cast(FLOW_SOURCES),
            flow_reason=pl.col("flow_reason").cast(FLOW_REASONS),
        )
        .select([pl.col(c).cast(t) for c, t in FLOW_SCHEMA.items()])
        .sort(list(FLOW_KEY))
    )
