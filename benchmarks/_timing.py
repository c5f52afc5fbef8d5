"""Tiny timing helper shared by the benchmark scripts (median of repeats, in ms)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def median_ms(fn: Callable[[], T], *, repeats: int = 15, warmup: int = 2) -> tuple[float, T]:
    """Run ``fn`` ``warmup + repeats`` times; return (median ms, last result)."""
    result = fn()
    for _ in range(warmup - 1):
        result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), result
