"""Benchmark ``trade_ideas``: one ~21k-contract synthetic SPX snapshot, every strategy row.

The snapshot (2024-04-01 11:00 ET, seed 1) goes through ``pipeline.analyze`` once, outside the
timing; then ``trade_ideas`` runs for one integrated view per row of the strategy table
(directional long/debit/credit, straddle/strangle, butterfly/condor, calendar/diagonal). Target:
each call <= 30 ms (the book of executable quotes, strategy choice, series, legs, payoff,
risk-neutral density, plans, size, conviction and rationale).

Correctness check: every scenario yields at least one idea; every leg has a valid two-sided
quote; each idea's price is the sum of its legs at ask (bought) and bid (sold); the P&L at each
breakeven is zero; PoP lies in 0..1; for one-expiry structures the risk-neutral EV at mid is
within the spread of zero (|EV + spread cost| <= spread cost + $40 per unit, the smile fit's
tolerance; calendars value the far leg at today's IV, so their EV carries that model's error).

The machine's load matters: besides the wall-clock median of 15 calls the script prints the
median CPU time of the process (``time.process_time``; the work is single-threaded), which is
what one idle core would take; the target is checked on it when the wall clock is inflated by
other processes (load average above the core count).

    python benchmarks/bench_ideas.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.core.time import ET
from eots.ideas import IdeaInputs, IdeaParams, IdeaReport, trade_ideas
from eots.ideas.payoff import first_expiry, value_at
from eots.pipeline import analyze
from eots.signals.model import SignalIntegration
from eots.synthetic import SyntheticParams, synthetic_chain

TARGET_MS = 30.0
SCENARIOS = {
    "strong bull (long call)": (0.8, 0.0, 0.0, None),
    "bull (debit spread)": (0.4, 0.0, 0.0, None),
    "bear, vol down (credit)": (-0.4, -0.5, 0.0, None),
    "vol up (straddle)": (0.0, 0.7, 0.0, None),
    "pin (butterfly)": (0.0, 0.0, 0.7, 5000.0),
    "vol down (condor)": (0.0, -0.5, 0.0, None),
    "decay (calendar)": (0.0, 0.0, 0.4, None),
    "decay + lean (diagonal)": (0.15, 0.0, 0.4, None),
}


def cpu_median_ms(fn: Callable[[], object], *, repeats: int) -> float:
    """Median process CPU time of ``fn`` in ms (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1e3)
    return statistics.median(times)


def check(report: IdeaReport, rate: float) -> None:
    assert report.ideas, report.skipped
    for idea in report.ideas:
        for g in idea.legs:
            assert g.bid > 0, g
            assert g.ask >= g.bid, g
        net = sum(g.quantity * 100 * (g.ask if g.quantity > 0 else g.bid) for g in idea.legs)
        assert abs(idea.price.net - net) < 1e-6, (idea.price.net, net)
        if idea.breakevens:
            at = value_at(idea.legs, np.array(idea.breakevens), first_expiry(idea.legs), rate)
            assert np.max(np.abs(at - idea.price.net)) < 0.05, (idea.strategy, at)
        assert idea.pop is not None
        assert 0.0 <= idea.pop <= 1.0
        assert idea.ev is not None
        if len({g.expiry_ts for g in idea.legs}) == 1:
            fair = idea.ev + idea.spread_cost
            assert abs(fair) <= idea.spread_cost + 40.0, (idea.strategy, idea.ev)


def main() -> None:
    snap = synthetic_chain(SyntheticParams(seed=1), as_of=dt.datetime(2024, 4, 1, 11, 0, tzinfo=ET))
    analysis = analyze(snap)
    params = IdeaParams()
    load = os.getloadavg()[0]
    loaded = load > (os.cpu_count() or 1)
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"chain: synthetic SPX, {analysis.contracts.height} contracts, spot {snap.spot}")
    worst = 0.0
    for name, (d, v, p, pin) in SCENARIOS.items():
        inputs = IdeaInputs(
            ts_event=snap.ts_event,
            underlying="SPX",
            spot=snap.spot,
            session=analysis.session,
            contracts=analysis.contracts,
            levels=analysis.levels,
            atr=analysis.metrics.atr,
            integration=SignalIntegration(
                ts_event=snap.ts_event,
                regime="bench",
                direction_score=d,
                volatility_score=v,
                time_decay_score=p,
                pin_strike=pin,
            ),
            companion_spot=snap.spot / 10.02,
            rate=analysis.params.pricing.rate,
        )
        ms, report = median_ms(lambda inputs=inputs: trade_ideas(inputs, params), repeats=15)
        cpu = cpu_median_ms(lambda inputs=inputs: trade_ideas(inputs, params), repeats=15)
        check(report, inputs.rate)
        worst = max(worst, cpu if loaded else ms)
        found = ", ".join(i.strategy.value for i in report.ideas)
        print(f"  {name:26s} {ms:7.2f} ms wall {cpu:7.2f} ms cpu  {found}")
    basis = "cpu" if loaded else "wall"
    verdict = "ok" if worst <= TARGET_MS else "OVER TARGET"
    print(f"  worst median {worst:.2f} ms {basis} (target <= {TARGET_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
