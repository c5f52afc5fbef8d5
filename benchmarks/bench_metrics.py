"""Benchmark of ``eots.metrics.base_metrics`` on one SPX-sized chain (one core, median of repeats).

Uses the largest real SPX snapshot under $EOTS_REAL_DATA, else the synthetic SPX chain (~20k
contracts). The result is checked so a fast wrong answer cannot pass: per-strike sums must equal
per-contract totals, MSPI/SAI/SSI must lie in their ranges, and SDAG-multiplicative of the largest
|gxoi| contract must equal its hand formula ``gxoi * (1 + 0.5 * dxoi / max|dxoi|)``.

    python benchmarks/bench_metrics.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target is stated

import datetime as dt
import json
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.core.time import ET
from eots.metrics import MetricInputs, base_metrics
from eots.pipeline import analyze

BUDGET_MS = 20.0


def _snapshot():  # type: ignore[no-untyped-def]
    root = os.environ.get("EOTS_REAL_DATA")
    if root:
        from eots.sources import load_chain

        manifest = json.loads((Path(root) / "manifest.json").read_text())
        spx = [e for e in manifest if e["underlying"] == "SPX" and "nogreeks" not in e["id"]]
        return load_chain(Path(root) / max(spx, key=lambda e: e["bytes"])["file"])
    from eots.synthetic import SyntheticParams, synthetic_chain

    return synthetic_chain(SyntheticParams(), as_of=dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET))


def main() -> int:
    snapshot = _snapshot()
    analysis = analyze(snapshot)
    contracts = analysis.contracts
    inputs = MetricInputs(as_of=analysis.as_of, spot=snapshot.spot)
    ms, out = median_ms(lambda: base_metrics(contracts, inputs), repeats=30, warmup=3)

    failures = []
    c, s = out.contracts, out.strikes
    for name in ("dag_custom", "tdpi", "vri", "sdag_multiplicative"):
        total = c.get_column(name).fill_nan(None).sum()
        by_strike = s.get_column(name).fill_nan(None).sum()
        if abs(total - by_strike) > 1e-6 * max(1.0, abs(total)):
            failures.append(f"{name}: strike sum {by_strike} != contract sum {total}")
    for frame in (c, s):
        if not frame.get_column("mspi").drop_nans().is_between(-1, 1).all():
            failures.append("mspi outside [-1, 1]")
        if not frame.get_column("ssi").drop_nans().is_between(0, 1).all():
            failures.append("ssi outside [0, 1]")
    live = c.filter(pl.col("exposure_ok"))
    d_max = live.get_column("dxoi").abs().max()
    row = live.sort(pl.col("gxoi").abs(), descending=True).row(0, named=True)
    expected = row["gxoi"] * (1 + 0.5 * row["dxoi"] / d_max)  # type: ignore[operator]
    if abs(row["sdag_multiplicative"] - expected) > 1e-9 * abs(expected):
        failures.append(f"sdag_multiplicative {row['sdag_multiplicative']} != {expected}")
    if not live.get_column("mspi").is_finite().all():
        failures.append("non-finite MSPI on a live contract")

    print(f"contracts: {c.height}, strikes: {s.height}, weights: {out.mspi_weight_set}")
    print(f"base_metrics median {ms:7.2f} ms  (budget {BUDGET_MS:.0f} ms, one core)")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
