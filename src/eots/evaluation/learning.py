"""What the system learned.

Each weight's path with the evidence behind it, and how accurate the
inferred flow was against a trade feed.

Weights change only through logged updates (``weights.parquet``: when, old, new, and the evidence
n / hit rate / interval that justified it). ``weight_paths`` summarises each weight: where it
started and ended, how many updates, and the evidence at its last update; ``chain_breaks`` counts
updates whose ``old`` is not the previous update's ``new`` (something else moved the weight
between logged updates: reported, since it cannot be traced). ``flow_accuracy_summary`` pools the
per-snapshot accuracy of inferred flow (``flow_accuracy.parquet``): classified contracts
correctly signed / classified, with a Wilson interval, plus the per-snapshot mean with a t
interval.
"""

from __future__ import annotations

import polars as pl

from eots.core.errors import SchemaError
from eots.evaluation.intervals import mean_interval, wilson

#: Output of ``weight_paths``: one row per weight.
WEIGHT_PATHS_SCHEMA = pl.Schema(
    {
        "name": pl.String(),
        "n_updates": pl.Int64(),
        "first_ts": pl.Datetime("us", "UTC"),
        "last_ts": pl.Datetime("us", "UTC"),
        "initial": pl.Float64(),
        "final": pl.Float64(),
        "change": pl.Float64(),
        "min": pl.Float64(),
        "max": pl.Float64(),
        "evidence_n": pl.Int64(),  # at the last update
        "hit_rate": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "chain_breaks": pl.Int64(),
    }
)

#: Output of ``flow_accuracy_summary``: one row (none when the run has no flow accuracy).
FLOW_SUMMARY_SCHEMA = pl.Schema(
    {
        "n_snapshots": pl.Int64(),
        "n_classified": pl.Int64(),
        "accuracy": pl.Float64(),  # pooled
        "accuracy_low": pl.Float64(),
        "accuracy_high": pl.Float64(),
        "mean_snapshot_accuracy": pl.Float64(),
        "mean_low": pl.Float64(),
        "mean_high": pl.Float64(),
    }
)


def weight_paths(weights: pl.DataFrame) -> pl.DataFrame:
    """Return ``WEIGHT_PATHS_SCHEMA``: each weight's start, end and last evidence.

    Raises
    ------
    SchemaError
        When an update's hit rate lies outside 0..1 or its evidence n is negative.
    """
    bad = weights.filter((pl.col("hit_rate") < 0) | (pl.col("hit_rate") > 1) | (pl.col("n") < 0))
    if bad.height:
        r = bad.row(0, named=True)
        raise SchemaError(
            f"weight {r['name']!r} at {r['ts_event']}: hit rate {r['hit_rate']}, n {r['n']}",
            source="weights.parquet",
            field="hit_rate",
        )
    w = weights.sort("name", "ts_event").with_columns(
        _break=(pl.col("old") - pl.col("new").shift(1).over("name")).abs() > 1e-12
    )
    out = w.group_by("name").agg(
        n_updates=pl.len().cast(pl.Int64),
        first_ts=pl.col("ts_event").first(),
        last_ts=pl.col("ts_event").last(),
        initial=pl.col("old").first(),
        final=pl.col("new").last(),
        min=pl.min_horizontal(pl.col("old").min(), pl.col("new").min()),
        max=pl.max_horizontal(pl.col("old").max(), pl.col("new").max()),
        evidence_n=pl.col("n").last(),
        hit_rate=pl.col("hit_rate").last(),
        ci_low=pl.col("ci_low").last(),
        ci_high=pl.col("ci_high").last(),
        chain_breaks=pl.col("_break").fill_null(False).sum().cast(pl.Int64),
    )
    out = out.with_columns(change=pl.col("final") - pl.col("initial")).sort("name")
    return out.select(list(WEIGHT_PATHS_SCHEMA)).cast(WEIGHT_PATHS_SCHEMA)


def flow_accuracy_summary(flow: pl.DataFrame) -> pl.DataFrame:
    """Return ``FLOW_SUMMARY_SCHEMA`` (one row; empty when ``flow`` has no classified contract).

    Raises
    ------
    SchemaError
        When an accuracy lies outside 0..1 or a count is negative.
    """
    bad = flow.filter(
        (pl.col("accuracy") < 0) | (pl.col("accuracy") > 1) | (pl.col("n_classified") < 0)
    )
    if bad.height:
        r = bad.row(0, named=True)
        raise SchemaError(
            f"at {r['ts_event']}: accuracy {r['accuracy']}, n_classified {r['n_classified']}",
            source="flow_accuracy.parquet",
            field="accuracy",
        )
    f = flow.filter((pl.col("n_classified") > 0) & pl.col("accuracy").is_not_null())
    n = int(f.get_column("n_classified").sum())
    if n == 0:
        return pl.DataFrame(schema=FLOW_SUMMARY_SCHEMA)
    correct = round(float((f.get_column("accuracy") * f.get_column("n_classified")).sum()))
    p = wilson(min(correct, n), n)
    m = mean_interval(f.get_column("accuracy").to_numpy())
    return pl.DataFrame(
        [
            {
                "n_snapshots": f.height,
                "n_classified": n,
                "accuracy": correct / n,
                "accuracy_low": p.low,
                "accuracy_high": p.high,
                "mean_snapshot_accuracy": m.mean,
                "mean_low": m.low,
                "mean_high": m.high,
            }
        ],
        schema=FLOW_SUMMARY_SCHEMA,
    )


__all__ = [
    "FLOW_SUMMARY_SCHEMA",
    "WEIGHT_PATHS_SCHEMA",
    "flow_accuracy_summary",
    "weight_paths",
]
