"""The whole loop on simulated histories where the truth is known.

* With the simulator's dealer feedback off, nothing may claim an edge: every learned weight stays
  within the no-false-discovery band of its prior (``eots.tracking.learning.NULL_BAND``).
* With feedback on, the volatility claims of the signals are right more often than with it off
  (positive dealer gamma damps realised volatility in the simulator; the signals read the gamma
  regime). Marked ``slow`` (four replays; about 3 minutes on 2 cores): ``pytest -m slow``.
  Measured (4 sessions, 15-minute snapshots, small SPX listing, seeds 1 and 2): volatility
  claims right 52-60 % (n = 856, 899) at feedback 0 and 75-76 % (n = 887, 899) at 0.9;
  direction claims about 50 % in both (measured before the simulator's walls existed).
* Level-based weights at high feedback (not achieved; no test yet). With the simulator's walls
  (docs/simulator.md; true walls hold 68-86 % vs 44-53 % for distance-matched levels at 0.8),
  a replay of 12 sessions, 15-minute snapshots, small SPX listing, feedback 0.9 learns (window
  n = 20 per kind): seed 1, ``level_kind/zero_gamma`` 0.5 -> 0.534 (held 20/20 in its last
  window, Wilson [0.74, 1.0]) and ``vol_trigger`` -> 0.517, while call/put walls do not move
  (held 13/20 and 12/21 over the run); seed 2, ``vol_trigger`` -> 0.513, ``support`` -> 0.483,
  walls held 8/20 and 14/26. At feedback 0 (seed 1) ``zero_gamma`` still reaches 0.5099
  (held 37/53: the engine's hold criterion does not give random levels a 0.5 base rate, and the
  rate learning compares with a fixed 0.5 prior), within the 2 % band but only just. The
  engine's walls are not the simulator's: at the same snapshot its intraday call wall equals the
  true call wall in 19 % and the put wall in 38 % of 324 snapshots (seed 2, feedback 0.9), so
  most engine wall observations are of levels with no resting liquidity when recorded.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from scipy.stats import fisher_exact

from eots.engine import EngineParams
from eots.evaluation import evaluate_run, write_evaluation
from eots.replay import ReplaySpec, replay
from eots.simulator import ListingSize, SimulatorParams, listing_preset
from eots.simulator.store import write_history
from eots.tracking.learning import NULL_BAND


def _run(root: Path, feedback: float, seed: int, sessions: int, every: int) -> Path:
    params = SimulatorParams(
        market=listing_preset(ListingSize.SMALL, underlying="SPX"),
        sessions=sessions,
        every_minutes=every,
        gamma_feedback=feedback,
    )
    write_history(root / "store", params, seed)
    spec = ReplaySpec(store=root / "store", underlying="SPX", prices=root / "store" / "_prices")
    replay(spec, EngineParams(), root / "run")
    return root / "run"


def test_without_dealer_feedback_no_weight_leaves_its_noise_band(tmp_path: Path) -> None:
    run = _run(tmp_path, 0.0, seed=1, sessions=2, every=30)
    weights = pl.read_parquet(run / "weights.parquet")
    assert weights.height > 0  # the learning rule did run on the evidence
    first = weights.group_by("name").agg(pl.col("old").first(), pl.col("new").last())
    drift = first.select(((pl.col("new") - pl.col("old")).abs() / pl.col("old")).max()).item()
    assert drift <= NULL_BAND


def _volatility_hits(run: Path) -> tuple[int, int]:
    ev = evaluate_run(run)
    write_evaluation(run, ev)
    sig = pl.read_parquet(run / "evaluation_signals.parquet")
    vol = sig.filter(pl.col("claim_kind") == "volatility")
    return int(vol.get_column("hits").sum()), int(vol.get_column("hit_n").sum())


@pytest.mark.slow
def test_volatility_claims_are_right_more_often_with_dealer_feedback(tmp_path: Path) -> None:
    on = [_run(tmp_path / f"on{s}", 0.9, seed=s, sessions=4, every=15) for s in (1, 2)]
    off = [_run(tmp_path / f"off{s}", 0.0, seed=s, sessions=4, every=15) for s in (1, 2)]
    k_on, n_on = map(sum, zip(*(_volatility_hits(r) for r in on), strict=True))
    k_off, n_off = map(sum, zip(*(_volatility_hits(r) for r in off), strict=True))
    assert n_on > 500
    assert n_off > 500
    _, p = fisher_exact([[k_on, n_on - k_on], [k_off, n_off - k_off]], alternative="greater")
    assert k_on / n_on > k_off / n_off
    assert p < 0.01
