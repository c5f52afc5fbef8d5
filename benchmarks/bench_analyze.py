"""Benchmark the foundation pipeline stage by stage on the largest real SPX snapshot.

Reads $EOTS_REAL_DATA in place (falls back to the synthetic SPX chain when unset). Each stage's
result is checked so a fast wrong answer cannot pass: the zero-gamma crossings must be roots of a
dense brute-force profile, and totals must be finite.

    python benchmarks/bench_analyze.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets are stated

import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.exposures import ExposureParams, contract_exposures, strike_exposures
from eots.greeks.frame import priced_chain
from eots.greeks.params import PricingParams
from eots.levels import ZeroGammaParams, gamma_profile, gamma_walls, zero_gamma
from eots.metrics import MetricInputs, base_metrics
from eots.pipeline import analyze, complete
from eots.pipeline import foundation as foundation_stage


def _cpu_ms(fn: Callable[[], object], repeats: int = 15) -> tuple[float, float, float]:
    """Return the median, 25th and 75th percentile CPU ms (``time.process_time``) of ``fn``."""
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    return statistics.median(times), q[0], q[2]


def _stages(snap: object) -> None:
    """Print CPU medians of ``analyze`` and its stages (n = 15), and check their answers.

    The A-DAG strike sums must add up to the contract sum, and the volatility trigger must be a
    root of its own skew-shifted profile (a fast wrong answer fails here).
    """
    from eots.adaptive import adaptive_metrics
    from eots.chain.snapshot import ChainSnapshot
    from eots.levels import LevelInputs, LevelKind, LevelParams, key_levels
    from eots.levels.vol_trigger import skew_profile
    from eots.pipeline import _strike_metrics

    assert isinstance(snap, ChainSnapshot)
    base = foundation_stage(snap)
    p = base.params
    inputs = MetricInputs(as_of=snap.ts_event, spot=snap.spot)
    metrics = base_metrics(base.in_scope, inputs, p.metrics)
    adaptive = adaptive_metrics(
        metrics, base.in_scope, None, inputs, p.adaptive, base_params=p.metrics
    )
    # the strike sums of A-DAG must add up to the contract sum (a fast wrong answer fails here)
    per_contract = float(adaptive.contracts.get_column("a_dag").fill_nan(0.0).sum())
    per_strike = float(adaptive.strikes.get_column("a_dag").fill_nan(0.0).sum())
    assert abs(per_contract - per_strike) <= 1e-9 * max(1.0, abs(per_contract)), "A-DAG sums"
    level_inputs = LevelInputs(
        spot=base.snapshot.spot,
        contracts=base.in_scope,
        by_strike=base.by_strike,
        strike_metrics=_strike_metrics(metrics, adaptive),
        profile=base.profile,
        zero_gamma=base.zero_gamma,
        atr=metrics.atr,
    )
    level_params = LevelParams()

    def levels() -> object:
        return key_levels(level_inputs, None, level_params, snap.ts_event)

    band, d1 = base.zero_gamma.band, base.profile.negligible_d1
    skew = skew_profile(base.in_scope, base.snapshot.spot, band, d1)
    found = levels()
    scale = float(np.max(np.abs(skew.net_gex(np.linspace(band[0], band[1], 201)))))
    for lv in getattr(found, "levels", ()):
        if lv.kind is LevelKind.VOL_TRIGGER:
            assert abs(float(skew.net_gex(np.array([lv.price]))[0])) < 1e-6 * scale, lv.price
    grid = np.linspace(band[0], band[1], level_params.wall_detection.trigger_grid_points)
    rows = [
        ("analyze (no history)", lambda: analyze(snap)),
        ("  foundation", lambda: foundation_stage(snap)),
        ("  complete", lambda: complete(base)),
        ("    base metrics", lambda: base_metrics(base.in_scope, inputs, p.metrics)),
        (
            "    adaptive metrics",
            lambda: adaptive_metrics(
                metrics, base.in_scope, None, inputs, p.adaptive, base_params=p.metrics
            ),
        ),
        ("    key levels", levels),
        (
            "      skew profile terms",
            lambda: skew_profile(base.in_scope, base.snapshot.spot, band, d1),
        ),
        ("      skew profile grid", lambda: skew.net_gex(grid)),
    ]
    print("CPU ms (time.process_time), median [q25, q75] of 15, one BLAS thread:")
    for name, fn in rows:
        med, lo, hi = _cpu_ms(fn)
        print(f"  {name:<28} {med:8.1f}  [{lo:.1f}, {hi:.1f}]")


def _largest_spx(root: Path) -> Path:
    manifest = json.loads((root / "manifest.json").read_text())
    spx = [e for e in manifest if e["underlying"] == "SPX" and "nogreeks" not in e["id"]]
    return root / str(max(spx, key=lambda e: e["bytes"])["file"])


def _kernels(priced: pl.DataFrame, spot: float) -> tuple[float, float]:
    """Time the IV solver on every contract with a mid, and all greeks on every contract."""
    from eots.greeks import black_scholes as bs
    from eots.greeks.implied_vol import IvStatus, implied_vol

    quoted = priced.filter(pl.col("mid").is_not_null())
    is_call = (quoted.get_column("right") == "C").to_numpy()
    k = quoted.get_column("strike").to_numpy()
    t = quoted.get_column("t_years").to_numpy()
    q = quoted.get_column("carry_q").to_numpy()
    mid = quoted.get_column("mid").to_numpy()
    r = PricingParams().rate
    iv_ms, res = median_ms(lambda: implied_vol(mid, is_call, spot, k, t, r, q))
    ok = res.status == IvStatus.OK
    back = bs.price(is_call[ok], spot, k[ok], t[ok], res.iv[ok], r, q[ok])
    assert np.max(np.abs(back - mid[ok])) < 1e-6, "IV round trip failed"
    all_call = (priced.get_column("right") == "C").to_numpy()
    sigma = np.nan_to_num(priced.get_column("iv").to_numpy(), nan=0.2)
    args = (
        all_call,
        spot,
        priced.get_column("strike").to_numpy(),
        priced.get_column("t_years").to_numpy(),
        sigma,
        r,
        priced.get_column("carry_q").to_numpy(),
    )
    greeks_ms, g = median_ms(lambda: bs.greeks(*args))
    assert np.all(g.gamma >= 0)
    return iv_ms, greeks_ms


def main() -> None:
    """Print median timings (ms) per stage."""
    from eots import load_chain
    from eots.core.memory import keep_freed_memory

    keep_freed_memory()  # as every eots command does (eots.core.memory; EOTS_MALLOC=default: not)

    data = os.environ.get("EOTS_REAL_DATA")
    if data:
        path = _largest_spx(Path(data))
        label = path.parent.name
        parse_ms, snap = median_ms(lambda: load_chain(path), repeats=9)
    else:
        from eots.synthetic import SyntheticParams, synthetic_chain

        when = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
        label = "synthetic SPX (EOTS_REAL_DATA unset)"
        parse_ms, snap = median_ms(
            lambda: synthetic_chain(SyntheticParams(), as_of=when), repeats=5
        )
    pricing = PricingParams()
    priced_ms, priced = median_ms(lambda: priced_chain(snap, pricing))
    iv_ms, greeks_ms = _kernels(priced, snap.spot)
    exp_ms, contracts = median_ms(lambda: contract_exposures(priced, snap.spot, ExposureParams()))
    zp = ZeroGammaParams()
    flip_ms, zg = median_ms(lambda: zero_gamma(gamma_profile(contracts, snap.spot, zp)))

    def foundation() -> object:
        priced_ = priced_chain(snap, pricing)
        contracts_ = contract_exposures(priced_, snap.spot, ExposureParams())
        by_strike = strike_exposures(contracts_, pl.lit(value=True))
        gamma_walls(by_strike, snap.spot)
        return zero_gamma(gamma_profile(contracts_, snap.spot, zp))

    found_ms, _ = median_ms(foundation)
    total_ms, analysis = median_ms(lambda: analyze(snap), repeats=9)

    dense = gamma_profile(contracts, snap.spot, zp.model_copy(update={"grid_points": 2001}))
    scale = float(np.max(np.abs(dense.net_gex)))
    for c in zg.crossings:
        assert abs(float(dense.terms.net_gex(np.array([c]))[0])) < 1e-6 * scale, c
    assert np.isfinite(analysis.totals.net_gex)

    print(f"chain: {label}: {snap.n_contracts} live contracts, spot {snap.spot}")
    print(f"  load + validate        {parse_ms:8.2f} ms")
    print(f"  forwards + IV + greeks {priced_ms:8.2f} ms")
    print(
        f"    of which: IV solve for every quoted contract {iv_ms:.2f} ms, "
        f"all 9 greeks for every contract {greeks_ms:.2f} ms"
    )
    print(f"  exposures              {exp_ms:8.2f} ms")
    print(f"  zero gamma (profile)   {flip_ms:8.2f} ms  ({zg.describe(snap.spot)})")
    print(
        f"  foundation: pricing, exposures, walls, zero gamma {found_ms:8.2f} ms "
        f"(with the load {parse_ms + found_ms:.1f} ms)"
    )
    print(f"  analyze: foundation + base and adaptive metrics + key levels {total_ms:8.2f} ms")
    _stages(snap)


if __name__ == "__main__":
    main()
