"""Benchmark ``key_levels``: one ~20k-contract SPX snapshot with 20 prior sessions of history.

The store holds 20 XNYS sessions of March 2024 plus the current one (2024-04-01), one full
synthetic SPX listing per session at 15:55 ET (about 20k contracts each), spot on a random walk.
The market context (``daily_sessions=20``, ``weekly_weeks=4``) is built once outside the timing.

* **warm** (the target, <= 100 ms): an intraday update; the previous update's ``KeyLevels``
  carries the prior sessions' summaries (keyed by content hash), so only the current snapshot is
  worked on: thresholds, intraday/daily/weekly levels, walls, positioning, zero gamma levels, the
  skew-shifted vol-trigger profile, persistence, interaction, clusters and conviction;
* **cold** (reported): the first call of the day, which also reduces the 20 + 4 prior snapshots
  to their summaries (``eots.engine.summaries``, no memo: each is priced).

Correctness check: the intraday call/put walls equal ``gamma_walls``' strikes, the daily call
wall equals the one of the last prior session, the vol trigger lies within 2 % of spot, every
score is in 0..1 and warm equals cold.

    python benchmarks/bench_levels.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.core.time import ET, nyse_calendar
from eots.engine.summaries import Summaries, level_inputs
from eots.history import AsOfReader, ContextParams, market_context
from eots.levels import LevelHistory, LevelKind, Timeframe, gamma_walls, key_levels
from eots.pipeline import AnalysisParams, foundation
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_chain

TARGET_MS = 100.0
CURRENT = dt.date(2024, 4, 1)


def _sessions() -> list[dt.date]:
    cal = nyse_calendar()
    out = [CURRENT]
    while len(out) < 21:
        out.insert(0, cal.previous_session(out[0]))
    return out


def main() -> None:
    rng = random.Random(7)
    spot = 5000.0
    analysis = AnalysisParams()
    params = analysis.levels
    with tempfile.TemporaryDirectory() as tmp:
        store = SnapshotStore(Path(tmp))
        snaps = []
        for i, day in enumerate(_sessions()):
            spot *= 1.0 + rng.gauss(0.0, 0.008)
            as_of = dt.datetime.combine(day, dt.time(15, 55), tzinfo=ET)
            snap = synthetic_chain(SyntheticParams(seed=i, spot=round(spot, 2)), as_of=as_of)
            store.save(snap)
            snaps.append(snap)
        current = snaps[-1]
        as_of = current.ts_event
        ctx_params = ContextParams(daily_sessions=20, weekly_weeks=4, intraday_snapshots=1)
        ctx = market_context(AsOfReader(store, None, as_of), "SPX", as_of, ctx_params)
        inputs = level_inputs(foundation(current, analysis))
        t0 = time.perf_counter()
        known = Summaries(analysis).of_priors((*ctx.daily, *ctx.weekly), "SPX")
        cold = key_levels(inputs, ctx, params, as_of, LevelHistory(summaries=known))
        cold_ms = (time.perf_counter() - t0) * 1e3
        history = LevelHistory(previous=cold)
        warm_ms, warm = median_ms(lambda: key_levels(inputs, ctx, params, as_of, history))

    walls = gamma_walls(inputs.by_strike, current.spot)
    [cw] = warm.of_kind(LevelKind.CALL_WALL, Timeframe.INTRADAY)
    [pw] = warm.of_kind(LevelKind.PUT_WALL, Timeframe.INTRADAY)
    assert (cw.price, pw.price) == (walls.call_wall_strike, walls.put_wall_strike)
    [daily_cw] = warm.of_kind(LevelKind.CALL_WALL, Timeframe.DAILY)
    assert daily_cw.price == warm.sessions[len(ctx.daily) - 1].call_wall
    [vt] = warm.of_kind(LevelKind.VOL_TRIGGER)
    assert abs(vt.price / current.spot - 1.0) < 0.02, vt.price
    assert all(0 <= lv.strength <= 1 and 0 <= lv.conviction <= 1 for lv in warm.levels)
    assert [(lv.kind, lv.price) for lv in warm.levels] == [
        (lv.kind, lv.price) for lv in cold.levels
    ]
    assert len(ctx.daily) == 20, len(ctx.daily)
    print(
        f"key_levels, {current.n_contracts} contracts, {len(ctx.daily)} daily + "
        f"{len(ctx.weekly)} weekly prior snapshots, {len(warm.levels)} levels: "
        f"warm median {warm_ms:.1f} ms (target <= {TARGET_MS:.0f} ms), cold {cold_ms:.0f} ms"
    )
    if warm_ms > TARGET_MS:
        print(f"WARNING: above target ({warm_ms:.1f} ms > {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
