"""The whole loop on simulated histories where the truth is known.

* With the simulator's dealer feedback off, nothing may claim an edge: every learned weight stays
  within the no-false-discovery band of its prior (``eots.tracking.learning.NULL_BAND``).
* With feedback on, the volatility claims of the signals are right more often than with it off
  (positive dealer gamma damps realised volatility in the simulator; the signals read the gamma
  regime). Marked ``slow`` (four replays; about 3 minutes on 2 cores): ``pytest -m slow``.
  Measured (4 sessions, 15-minute snapshots, small SPX listing, seeds 1 and 2): volatility
  claims right 52-60 % (n = 856, 899) at feedback 0 and 75-76 % (n = 887, 899) at 0.9;
  direction claims about 50 % in both (measured before the simulator's walls existed).
* Level evidence is a race between a level and its mirrored control (``eots.engine.evidence``:
  the control ``2 S0 - L`` at the same distance on the other side of spot, not recorded while
  a call or put wall stands in front of it; the first of the two breached by more than 0.1 ATR
  decides, a hit when it is the control; one pending pair per kind and side at a time). Without
  feedback, over 12 sessions, no level weight may leave its band and every kind's win rate
  has 0.5 inside its (Bonferroni) interval (marked ``slow``). Measured (12 sessions, 15-minute
  snapshots, small SPX listing, ``wall_depth = 0.03``, ``CONVENTION`` flow, feedback 0, seed
  2): call wall 29/52, put wall 23/52, resistance 22/46, support 54/115, vol trigger 5/10, zero
  gamma 7/10 (285 pairs); no level kind changed, the level metrics at most 0.41 % (sai), the
  largest move of any weight 1.6 % (conviction mapping). 40 sessions (not a test: 239 s of CPU):
  call wall 85/150, put wall 81/166, resistance 42/93, support 159/336, vol trigger 22/41, zero
  gamma 37/60 (846 pairs, 426 hits), zero gamma 0.5 -> 0.50038 the only level kind that moved,
  level metrics at most 0.24 %. The conviction mapping's signal strength moved 2.16 % there
  while its components were scored "right when >= 0.5 on a win" (a null of q h + (1 - q)(1 - h),
  not 0.5); scored on discordant pairs (``tracking.outcomes``) it does not move at all, and the
  largest move of any weight in those 40 sessions is 1.33 % (signal family volatility, whose
  ideas won 16 of its last 20 while complex won 0 of 20: strategies differ in win rate, within
  the band). Seed 1 (the same
  rule applied offline to the recorded levels): no level kind moved, 372/814 pairs won, floors
  152/394 and ceilings 220/420 in 40 sessions of which 15 rose (floor pairs of different kinds
  resolve on the same fall; each kind's own interval contains 0.5).
* With feedback 0.9 the walls' learned values rise beyond the band
  (``test_level_weights_rise_with_dealer_feedback``, 40 sessions, the same settings; 252 s of
  CPU, 9 minutes wall on the loaded 2-core machine). Measured, seed 2: call wall 63/75 = 0.84,
  put wall 61/76 = 0.80 (walls 124/151 = 0.82, Wilson [0.75, 0.87]), resistance 45/58, support
  138/197, vol trigger 8/15, zero gamma 27/42 (463 pairs); learned call wall 0.5 -> 0.5192 (+3.8
  %, beyond the band after session 22), put wall 0.5 -> 0.5166 (+3.3 %, after session 31),
  support +2.6 %, resistance +2.5 %, zero gamma +0.6 %, vol trigger unchanged; the last
  updates' windows were 17/20 for both walls (Bonferroni interval [0.56, 0.96]). Among the
  level metrics sai fell 6.0 % and ssi rose 1.2 %. Seed 1 (offline, the same recorded-levels
  method): walls 154/204 = 0.75 [0.69, 0.81], call wall +2.1 %, put wall +4.3 %.
  Before the race (issue 15's first paired rule: one pair per kind and side a session,
  resolved at the close, evidence only when exactly one of the two was breached) the walls won
  11 of 15 discordant pairs in 40 sessions ([0.48, 0.89]) and no level weight moved: the
  simulator's walls reflect spot from both sides, so a wall's mirrored control usually sat
  behind the opposite wall and both stayed intact (no evidence), and dealer gamma damped the
  moves that break either. Before any pairing, the unpaired "held when tested" rule had shown
  every kind above 0.5 at feedback 0.9, but that rule's null is not 0.5: at feedback 0 zero
  gamma "held" 37/53 = 0.70 (seed 1) and its weight drifted to 0.5099; recording every new
  level price while earlier pairs were open gave zero gamma 53/77 from 8 sessions at feedback
  0 (seed 2), clustered by session, and a weight of 0.5155 (3.1 %, outside the band).
* With the default flow (0.48 / 0.55) and ``wall_depth = 0.01`` the engine's intraday walls
  equal the true ones in only 19 % (call) and 38 % (put) of 324 snapshots (seed 2), against 62 %
  and 52 % with ``CONVENTION``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from scipy.stats import binomtest, fisher_exact

from eots.engine import EngineParams
from eots.evaluation import evaluate_run, write_evaluation
from eots.replay import ReplaySpec, replay
from eots.simulator import ListingSize, SimulatorParams, listing_preset
from eots.simulator.store import write_history
from eots.storage.events import EventLog
from eots.tracking.events import OutcomeScored
from eots.tracking.learning import NULL_BAND
from eots.tracking.model import WeightGroup


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


def _drift(run: Path, prefix: str = "") -> float:
    weights = pl.read_parquet(run / "weights.parquet").filter(
        pl.col("name").str.starts_with(prefix)
    )
    first = weights.group_by("name").agg(pl.col("old").first(), pl.col("new").last())
    moved = first.select(((pl.col("new") - pl.col("old")).abs() / pl.col("old")).max()).item()
    return float(moved or 0.0)


def _level_pairs(run: Path) -> dict[str, tuple[int, int]]:
    """Return each level kind's (hits, n) of discordant pairs in the run's event log."""
    out: dict[str, tuple[int, int]] = {}
    with EventLog(run / "events.sqlite", create=False) as log:
        for event in log.events(kind="outcome_scored"):
            assert isinstance(event, OutcomeScored)
            for item in event.evidence:
                if item.group == WeightGroup.LEVEL_KIND:
                    k, n = out.get(item.name, (0, 0))
                    out[item.name] = (k + item.hit, n + 1)
    return out


@pytest.mark.slow
def test_without_dealer_feedback_level_weights_stay_in_band_over_twelve_sessions(
    tmp_path: Path,
) -> None:
    run = _run(tmp_path, 0.0, seed=2, sessions=12, every=15, wall_depth=0.03, **CONVENTION)
    pairs = _level_pairs(run)
    assert sum(n for _, n in pairs.values()) > 200  # measured 285
    for k, n in pairs.values():
        ci = binomtest(k, n).proportion_ci(confidence_level=1 - 0.05 / len(pairs), method="wilson")
        assert ci.low <= 0.5 <= ci.high
    assert _drift(run) <= NULL_BAND


@pytest.mark.slow
def test_level_weights_rise_with_dealer_feedback(tmp_path: Path) -> None:
    run = _run(tmp_path, 0.9, seed=2, sessions=40, every=15, wall_depth=0.03, **CONVENTION)
    pairs = _level_pairs(run)
    hits, n = map(sum, zip(*(pairs[k] for k in ("call_wall", "put_wall")), strict=True))
    assert binomtest(hits, n).proportion_ci(method="wilson").low > 0.5  # measured 124/151
    weights = pl.read_parquet(run / "weights.parquet").filter(
        pl.col("name").str.starts_with("level_kind/")
    )
    last = weights.group_by("name").agg(
        pl.col("old").first(), pl.col("new").last(), pl.col("ci_low").max()
    )
    rise = ((pl.col("new") - pl.col("old")) / pl.col("old")).alias("rise")
    last = last.with_columns(rise)
    walls = last.filter(pl.col("name").is_in(["level_kind/call_wall", "level_kind/put_wall"]))
    assert walls.height == 2
    assert (walls.get_column("rise") > NULL_BAND).all()  # beyond what noise explains
    assert (walls.get_column("ci_low") > 0.5).all()  # each moved on evidence above chance
    assert (last.get_column("rise") > -NULL_BAND).all()  # and no level kind fell
