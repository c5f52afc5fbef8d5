"""Frozen base metrics of a fixed synthetic chain: the shared case list and the updater.

A regression guard for refactoring ``eots.metrics`` (e.g. for speed): the per-strike frames and a
per-contract fingerprint (per column: count, sum, sum of |x|, position-weighted sum) of a small
deterministic synthetic SPX chain, with and without side-split flows, under a few parameter sets,
are frozen in ``metrics_synthetic/`` as CSV. They were written by the code before the speed work
and are regenerated only on purpose, with

    python tests/golden/metrics_synthetic_cases.py

and reviewed as a diff; the test (``test_metrics_synthetic_golden.py``) never writes them.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import polars as pl

FOLDER = Path(__file__).with_name("metrics_synthetic")
#: case -> (with flows, BaseMetricParams fields)
CASES: dict[str, tuple[bool, dict[str, object]]] = {
    "proxy_default": (False, {}),
    "flows_default": (True, {}),
    "flows_per_expiry_clip": (True, {"normalisation_scope": "per_expiry", "clip_percentile": 95.0}),
    "flows_options": (
        True,
        {
            "second_order_flow": "signed",
            "arfi_normalise": True,
            "dag": {"volume_weight": 0.5, "flow_ratio": "sigmoid"},
            "sdag": {"use_skew_adjusted": True, "weighted": {"units": "raw_mix"}},
            "tdpi": {"dte_weight": True},
            "vri": {"skew_clip": [0.5, 1.5]},
            "mspi": {"selection": "volatility_based"},
            "sai_method": "tanh_pairs",
            "ssi_method": "std_over_half",
        },
    ),
}
_FLOW_PAIRS = ("deltas", "gammas", "vegas", "thetas")
_PRECISION = 12  # significant digits after the first, in scientific notation


def _chain() -> tuple[pl.DataFrame, float]:
    from eots.core.time import ET
    from eots.pipeline import analyze
    from eots.synthetic import SyntheticParams, synthetic_chain

    params = SyntheticParams(
        daily_sessions=2, weekly_weeks=1, monthly_months=1, quarterly_years=0, leaps_years=0
    )
    snapshot = synthetic_chain(params, as_of=dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET))
    return analyze(snapshot).contracts, snapshot.spot


def _with_flows(contracts: pl.DataFrame) -> pl.DataFrame:
    """Add deterministic side-split flows (no random generator: a fixed arithmetic pattern)."""
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    volume = pl.col("volume").cast(pl.Float64)
    share = ((i * 7919) % 101).cast(pl.Float64) / 100.0  # buy share of volume, 0..1
    unknown = (i % 37) == 0  # some rows with an unknown split
    buy, sell = volume * share, volume * (1.0 - share)
    columns = [
        pl.when(unknown).then(float("nan")).otherwise(buy).alias("volm_buy"),
        pl.when(unknown).then(float("nan")).otherwise(sell).alias("volm_sell"),
        (buy * pl.col("mid")).alias("value_buy"),
        (sell * pl.col("mid")).alias("value_sell"),
        (buy - sell).alias("volm_bs"),
        ((buy - sell) * pl.col("mid")).alias("value_bs"),
    ]
    for prefix, greek in zip(_FLOW_PAIRS, ("delta", "gamma", "vega", "theta"), strict=True):
        unit = pl.col(greek) * pl.col("multiplier")
        known_buy = pl.when(unknown).then(float("nan")).otherwise(unit * buy)
        columns.extend([known_buy.alias(f"{prefix}_buy"), (unit * sell).alias(f"{prefix}_sell")])
    columns.extend(
        ((buy - sell) * window / 60.0).alias(f"{name}_{window}m")
        for name in ("volmbs", "valuebs")
        for window in (5, 15, 30, 60)
    )
    return contracts.with_columns(columns)


def outputs(case: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (per-strike frame, per-contract fingerprint) of ``case`` from the current code."""
    from eots.core.time import ET
    from eots.metrics import BaseMetricParams, MetricInputs, base_metrics

    flows, fields = CASES[case]
    contracts, spot = _chain()
    if flows:
        contracts = _with_flows(contracts)
    inputs = MetricInputs(
        as_of=dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET), spot=spot, iv_percentile_30d=0.3
    )
    out = base_metrics(contracts, inputs, BaseMetricParams.model_validate(fields))
    return out.strikes, fingerprint(out.contracts)


def fingerprint(contracts: pl.DataFrame) -> pl.DataFrame:
    """Per float metric column: non-NaN count, sum, sum of |x| and a position-weighted sum."""
    from eots.metrics import CONTRACT_METRIC_COLUMNS

    floats = [c for c in CONTRACT_METRIC_COLUMNS if contracts.schema[c] == pl.Float64]
    weight = (pl.int_range(pl.len()) % 97 + 1).cast(pl.Float64)
    rows = []
    for column in floats:
        x = pl.col(column).fill_nan(None)
        rows.append(
            contracts.select(
                pl.lit(column).alias("column"),
                x.count().cast(pl.Float64).alias("count"),
                x.sum().alias("sum"),
                x.abs().sum().alias("abs_sum"),
                (x * weight).sum().alias("weighted_sum"),
            )
        )
    return pl.concat(rows)


def _strike_csv(strikes: pl.DataFrame) -> pl.DataFrame:
    return strikes.with_columns(pl.col(pl.Date).cast(pl.String))


def update() -> None:
    """Rewrite every golden CSV from the current code."""
    FOLDER.mkdir(exist_ok=True)
    for case in CASES:
        strikes, prints = outputs(case)
        _strike_csv(strikes).write_csv(
            FOLDER / f"{case}_strikes.csv", float_scientific=True, float_precision=_PRECISION
        )
        prints.write_csv(
            FOLDER / f"{case}_contracts.csv", float_scientific=True, float_precision=_PRECISION
        )


def close(got: float | None, want: float | None, scale: float, rel: float = 1e-9) -> bool:
    """Equal within ``rel`` of ``want`` (NaN equals NaN, null equals null).

    A value that is a cancellation to about 0 (a sum of opposite signs) is compared against
    ``1e-12 * scale`` instead, with ``scale`` the largest |value| of its column: summing in a
    different order moves such a value by rounding noise of the column's size.
    """
    if got is None or want is None:
        return got is None and want is None
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return abs(got - want) <= max(rel * abs(want), 1e-12 * scale)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[2] / "src"))
    update()
