"""Benchmark of ``adaptive_metrics``: a ~20k-contract SPX chain with 20 snapshots of history.

Setup (not timed): a synthetic SPX session with a snapshot every 20 minutes (20 snapshots, ~20k
contracts each) in a temporary store; the market context as of the last one reads all 20
(``intraday_snapshots=20``: flow increments, charm history, intraday term structures); its IV and
ATR ratios and IV percentile are set to sufficient values so every history factor runs. The base
metrics are computed once. Timed: ``adaptive_metrics`` (all four metrics), one core, median.

Checked so a fast wrong answer cannot pass: every history factor is active and not neutral; the
strike sums equal the contract sums; conviction lies in [0, 1]; and A-DAG of the contract with the
largest |a_dag| equals its hand formula, with its recency multiplier recomputed from the raw
increments (``sum d^a |v_a| / sum |v_a| / mean(d^a)``).

    python benchmarks/bench_adaptive.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target is stated

import dataclasses
import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.adaptive import adaptive_metrics
from eots.history import AsOfReader, ContextParams, market_context
from eots.market import Estimate
from eots.metrics import CONTRACT_METRIC_COLUMNS, FLOW_LABEL_COLUMNS, MetricInputs, base_metrics
from eots.pipeline import History, analyze
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_session

BUDGET_MS = 100.0
SESSION = dt.date(2024, 3, 13)


def _known(value: float) -> Estimate:
    return Estimate(value=value, n_obs=20, required=20, sufficient=True, source="bench")


def main() -> int:
    snaps = synthetic_session(SyntheticParams(), session=SESSION, every=dt.timedelta(minutes=20))
    with tempfile.TemporaryDirectory() as root:
        store = SnapshotStore(Path(root))
        for s in snaps:
            store.save(s)
        last = snaps[-1]
        ctx = market_context(
            AsOfReader(store, None, last.ts_event),
            "SPX",
            last.ts_event,
            ContextParams(intraday_snapshots=len(snaps)),
        )
    ctx = dataclasses.replace(
        ctx, atr_ratio=_known(1.3), iv_ratio=_known(1.1), iv_percentile=_known(0.8)
    )
    metrics = analyze(last, history=History(flows=ctx.flows_by_contract)).metrics
    computed = set(CONTRACT_METRIC_COLUMNS) | set(FLOW_LABEL_COLUMNS)
    frame = metrics.contracts.drop([c for c in metrics.contracts.columns if c in computed])
    inputs = MetricInputs(as_of=last.ts_event, spot=last.spot)
    base = base_metrics(frame, inputs)
    ms, out = median_ms(lambda: adaptive_metrics(base, frame, ctx, inputs), repeats=20, warmup=3)

    history = {
        "regime_factor",
        "decay",
        "intraday_skew_factor",
        "gaussian_width",
        "charm_acceleration",
        "vol_context_weight",
        "surface_factor",
    }
    failures = [
        f"{r.metric}.{r.factor} neutral: {r.reason}"
        for r in out.factors
        if r.factor in history and (r.neutral or not r.active)
    ]
    c, s = out.contracts, out.strikes
    for name in ("a_dag", "e_sdag_composite", "d_tdpi", "vri_2_0"):
        total = c.get_column(name).fill_nan(None).sum()
        by_strike = s.get_column(name).fill_nan(None).sum()
        if abs(total - by_strike) > 1e-6 * max(1.0, abs(total)):
            failures.append(f"{name}: strike sum {by_strike} != contract sum {total}")
    if not c.get_column("sdag_conviction_score").drop_nans().is_between(0, 1).all():
        failures.append("conviction outside [0, 1]")

    both = pl.concat([frame, c.select(pl.exclude(frame.columns))], how="horizontal")
    row = both.filter(pl.col("a_dag").is_not_nan()).sort(pl.col("a_dag").abs()).row(-1, named=True)
    key = {k: row[k] for k in ("root", "expiry", "strike", "right")}
    inc = ctx.flow_increments.filter(**key).sort("ts", descending=True)
    stamps = ctx.flow_increments.get_column("ts").unique().sort(descending=True).head(10).to_list()
    weights = {t: 0.85**a for a, t in enumerate(stamps)}
    vol = {t: abs(v) for t, v in inc.select("ts", "volm").iter_rows() if t in weights}
    mean_w = sum(weights.values()) / len(weights)
    decay = sum(weights[t] * v for t, v in vol.items()) / sum(vol.values()) / mean_w
    hand = (
        row["gxoi"]
        * row["a_dag_volume_weight"]
        * math.copysign(1.0, row["dxoi"])
        * (1 + row["a_dag_alpha"] * row["a_dag_flow_ratio"] * row["a_dag_dte_scale"])
        * row["a_dag_norm_gamma_flow"]
        * decay
    )
    if abs(row["a_dag"] - hand) > 1e-9 * abs(hand):
        failures.append(f"a_dag {row['a_dag']} != hand formula {hand} (decay {decay})")

    print(f"contracts: {c.height}, strikes: {s.height}, history snapshots: {len(snaps)}")
    print(f"adaptive_metrics median {ms:7.2f} ms  (budget {BUDGET_MS:.0f} ms, one core)")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
