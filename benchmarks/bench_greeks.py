"""Benchmark of the greeks stage on one SPX-sized chain: implied vols, then every greek.

Run with ``python benchmarks/bench_greeks.py``. It builds 19,000 synthetic SPX contracts
(spot 4100, strikes 1000..8000, 1 hour to 5 years, a skewed smile), prices them with the kernel,
times the implied-vol solve and the greeks bundle (median of repeats, one core), and checks the
answers against the known vols so that a fast wrong answer fails loudly.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from eots.greeks import black_scholes as bs
from eots.greeks.implied_vol import IvStatus, implied_vol

N_CONTRACTS = 19_000
REPEATS = 30
SPOT = 4100.0
RATE = 0.05
CARRY = 0.015
IV_BUDGET_MS = 10.0


def _chain(seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    k = np.round(rng.uniform(1000.0, 8000.0, N_CONTRACTS) / 5.0) * 5.0
    t = np.exp(rng.uniform(np.log(1.0 / 24.0 / 365.0), np.log(5.0), N_CONTRACTS))
    z = np.log(k / SPOT) / np.sqrt(t)
    sigma = np.clip(0.16 - 0.12 * z + 0.05 * z * z, 0.06, 4.0)
    is_call = rng.random(N_CONTRACTS) < 0.5
    return is_call, k, t, sigma


def _median_ms(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> int:
    is_call, k, t, sigma = _chain()
    price = bs.price(is_call, SPOT, k, t, sigma, RATE, CARRY)
    vega = bs.vega(is_call, SPOT, k, t, sigma, RATE, CARRY)

    res = implied_vol(price, is_call, SPOT, k, t, RATE, CARRY)
    informative = vega > 1e-8 * np.maximum(price, 1e-300) + 1e-10
    bad_status = int((res.status[informative] != IvStatus.OK).sum())
    max_err = float(np.max(np.abs(res.iv[informative] - sigma[informative])))
    g = bs.greeks(is_call, SPOT, k, t, np.where(np.isfinite(res.iv), res.iv, sigma), RATE, CARRY)
    gamma_ok = bool(np.all(g.gamma[informative] >= 0))

    iv_ms = _median_ms(lambda: implied_vol(price, is_call, SPOT, k, t, RATE, CARRY))
    greeks_ms = _median_ms(lambda: bs.greeks(is_call, SPOT, k, t, sigma, RATE, CARRY))
    price_ms = _median_ms(lambda: bs.price(is_call, SPOT, k, t, sigma, RATE, CARRY))

    counts = np.bincount(res.status, minlength=len(IvStatus))
    print(f"contracts: {N_CONTRACTS}, identifiable (vega not negligible): {int(informative.sum())}")
    print("status counts: " + ", ".join(f"{s.name}={counts[s]}" for s in IvStatus))
    print(f"implied_vol  median {iv_ms:7.2f} ms  (budget {IV_BUDGET_MS:.0f} ms)")
    print(f"greeks (all) median {greeks_ms:7.2f} ms")
    print(f"price        median {price_ms:7.2f} ms")
    print(f"IV round trip max |error| on identifiable contracts: {max_err:.2e}")

    failures = []
    if bad_status:
        failures.append(f"{bad_status} identifiable contracts not solved")
    if not max_err < 1e-6:
        failures.append(f"IV round-trip error {max_err:.2e} >= 1e-6")
    if not gamma_ok:
        failures.append("negative gamma")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
