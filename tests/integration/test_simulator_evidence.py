"""The whole loop on simulated histories where the truth is known.

* With the simulator's dealer feedback off, nothing may claim an edge: every learned weight stays
  within the no-false-discovery band of its prior (``eots.tracking.learning.NULL_BAND``).
* With feedback on, the volatility claims of the signals are right more often than with it off
  (positive dealer gamma damps realised volatility in the simulator; the signals read the gamma
  regime). Marked ``slow`` (four replays; about 3 minutes on 2 cores): ``pytest -m slow``.
  Measured (4 sessions, 15-minute snapshots, small SPX listing, seeds 1 and 2): volatility
  claims right 52-60 % (n = 856, 899) at feedback 0 and 75-76 % (n = 887, 899) at 0.9;
  direction claims about 50 % in both (measured before the simulator's walls existed).
* With feedback on, every level kind's held rate is learned above its prior 0.5 (marked ``slow``;
  one replay of 12 sessions, 15-minute snapshots, small SPX listing, feedback 0.9, about 60 s of
  CPU, 3 minutes on a loaded 2-core machine). It uses the simulator's walls with
  ``wall_depth = 0.03`` and customer flow under which the engine's sign convention holds
  (``CONVENTION``). Measured (window n = 20 per kind; the engine's hold criterion of
  ``eots.engine.evidence``): seed 2, call walls held 18/19 (Wilson of the last window [0.66,
  0.99]), put walls 14/14, support 60/75, resistance 22/30, vol trigger 59/75, zero gamma
  112/146; learned 0.5 -> call wall 0.506, put wall 0.504, support 0.520, resistance 0.503,
  vol trigger 0.525, zero gamma 0.539. Seed 1: walls 11/11 and 16/16, every kind above 0.5
  (largest support 0.519). The same flow at feedback 0 (seed 1): walls held 8/21 and 13/29, every
  weight within 1.6 % of its prior (zero gamma 0.5076). With the default flow (0.48 / 0.55) and
  ``wall_depth = 0.01`` the walls do not move: the engine's intraday walls equal the true ones in
  only 19 % (call) and 38 % (put) of 324 snapshots (seed 2), against 62 % and 52 % with
  ``CONVENTION``; zero gamma's held rate at feedback 0 is 0.70 (37/53, seed 1), so the rate
  learning, which compares with a fixed 0.5 prior rather than a random-level baseline, moves it
  to 0.5099 even without feedback (inside the 2 % band, but only just).
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


def _run(root: Path, feedback: float, seed: int, sessions: int, every: int, **knobs: float) -> Path:
    params = SimulatorParams(
        market=listing_preset(ListingSize.SMALL, underlying="SPX"),
        sessions=sessions,
        every_minutes=every,
        gamma_feedback=feedback,
        **knobs,
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


#: Customer flow under which the engine's sign convention (dealers long calls, short puts) holds
#: strike by strike: customers mostly sell calls and buy puts. With the defaults (0.48 / 0.55)
#: the engine's walls are not the simulator's often enough to be scored (module docstring).
CONVENTION = {"call_buy_share": 0.3, "put_buy_share": 0.7, "initial_put_long_share": 0.7}


@pytest.mark.slow
def test_level_weights_rise_with_dealer_feedback(tmp_path: Path) -> None:
    run = _run(tmp_path, 0.9, seed=2, sessions=12, every=15, wall_depth=0.03, **CONVENTION)
    weights = pl.read_parquet(run / "weights.parquet").filter(
        pl.col("name").str.starts_with("level_kind/")
    )
    last = weights.group_by("name").agg(
        pl.col("old").first(), pl.col("new").last(), pl.col("ci_low").last()
    )
    assert last.height >= 4
    assert (last.get_column("new") > last.get_column("old")).all()
    rise = ((pl.col("new") - pl.col("old")) / pl.col("old")).max()
    assert last.select(rise).item() > NULL_BAND
    walls = last.filter(pl.col("name").is_in(["level_kind/call_wall", "level_kind/put_wall"]))
    assert walls.height == 2
    assert (walls.get_column("ci_low") > 0.5).all()
