"""Per-strike factor means: shared weights and first rows equal a strike-by-strike reference.

The weighted means reuse what the factors of one metric with the same null rows share, and the
scalar factors take each strike's first row; both must give, per strike, exactly what a direct
computation over that strike's rows gives (the sums in row order), whatever the null patterns.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.adaptive import strikes
from eots.metrics.arrays import Masked
from eots.metrics.strikes import StrikeGroups


def _groups(every: np.ndarray, size: int, inside: np.ndarray) -> StrikeGroups:
    every = np.where(inside, every, size)
    return StrikeGroups(
        keys=pl.DataFrame({"strike": np.arange(size, dtype=float)}),
        codes=every[inside],
        every=every,
        size=size,
        scope=None,  # type: ignore[arg-type]
    )


def _column(rng: np.random.Generator, n: int, null_share: float, zeros: bool) -> Masked:
    v = rng.normal(0, 1, n)
    if zeros:
        v[rng.random(n) < 0.5] = 0.0
    null = rng.random(n) < null_share
    return Masked(np.where(null, np.nan, v), null)


def _reference(x: Masked, w: Masked, rows: list[int]) -> float | None:
    known = [r for r in rows if not x.null[r]]
    both = [r for r in known if not w.null[r]]
    total = weighted = plain = 0.0
    for r in both:
        total += w.v[r]
        weighted += x.v[r] * w.v[r]
    for r in known:
        plain += x.v[r]
    if total > 0 or math.isnan(total):
        return weighted / total
    return plain / len(known) if known else None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), size=st.integers(1, 12))
def test_factor_means_equal_a_strike_by_strike_reference(seed: int, n: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    inside = rng.random(n) < 0.9
    groups = _groups(rng.integers(0, size, n), size, inside)
    shared_null = rng.random(n) < 0.2
    columns: dict[str, Masked] = {}
    for metric in set(strikes.FACTOR_METRIC.values()):
        columns[metric] = _column(rng, n, 0.1, zeros=True)
    for i, factor in enumerate(strikes.FACTOR_METRIC):
        if i % 3:  # most factors share one null pattern, some have their own
            v = rng.normal(1, 0.2, n)
            columns[factor] = Masked(np.where(shared_null, np.nan, v), shared_null)
        else:
            columns[factor] = _column(rng, n, 0.3, zeros=False)
    got = strikes._factor_means(columns, groups, inside)
    for factor, metric in strikes.FACTOR_METRIC.items():
        x, w = columns[factor], abs(columns[metric])
        for s in range(size):
            rows = [r for r in range(n) if inside[r] and groups.every[r] == s]
            out = got[factor]
            if factor in strikes.SCALAR_FACTORS:
                valid = [r for r in rows if not x.null[r]]
                want = x.v[valid[0]] if valid else None
            else:
                want = _reference(x, w, rows)
            if want is None:
                assert out.null[s]
            else:
                assert not out.null[s]
                assert out.v[s] == want or (math.isnan(want) and math.isnan(out.v[s]))
