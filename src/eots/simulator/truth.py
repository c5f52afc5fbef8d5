"""Scoring against the simulator's ground truth.

Does the market behave as designed, and how well
does inference from snapshots recover the true flow?

* `flip_vol_split`: realised vol of the 1-minute log returns that start above vs below the true
  zero-gamma level (the level of the latest step at or before the minute, so nothing later is
  used), with a 95 % interval for ``ln(rv_below / rv_above)`` from a bootstrap over sessions
  (sessions are resampled whole, keeping vol clustering within a session); optionally with each
  return standardised by the true pre-feedback vol (see the function).
* `wall_holds`: each session's call wall (when above the open) *holds* when the session's high
  stays at or below it, its put wall (when below the open) when the low stays at or above it
  (the test of `eots.levels.evaluate`). The baseline is a *distance-matched random level*: each
  wall's distance from its own session's open (log ratio) applied to every other session
  (``held_ij`` for sessions ``i != j``), i.e. a level with the same distance distribution but no
  relation to positioning. The 95 % interval of ``wall_rate - baseline_rate`` is a bootstrap over
  sessions.
* `flow_accuracy`: for each pair of consecutive snapshots of a session, the flow `eots.flows`
  infers from the snapshots (volume increments split by the quote rule) against the true net
  customer volume of the trades in between: the share of contract-intervals whose inferred net
  sign matches the true one, with a Wilson 95 % interval, beside the majority-sign baseline.

The bootstraps use a fixed seed, so every result is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.stats import wilson_interval
from eots.core.time import session_of
from eots.flows.inference import inferred_flow_frames
from eots.flows.schema import FLOW_KEY
from eots.simulator.simulate import SimStep

FloatArray = NDArray[np.float64]
_BOOT = 2000
_BOOT_SEED = 20240311


@dataclass(frozen=True, slots=True, kw_only=True)
class VolSplit:
    """Realised vol above and below the true zero-gamma level (annualised, decimal)."""

    n_above: int  # 1-minute returns starting above the level
    n_below: int
    rv_above: float
    rv_below: float
    log_ratio: float  # ln(rv_below / rv_above)
    ci_low: float  # 95 % bootstrap interval of log_ratio
    ci_high: float
    sessions: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WallHolds:
    """Hold rate of the true walls against distance-matched random levels."""

    n_walls: int
    n_held: int
    wall_rate: float
    baseline_rate: float
    difference: float  # wall_rate - baseline_rate
    ci_low: float  # 95 % bootstrap interval of the difference
    ci_high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowAccuracy:
    """Sign accuracy of snapshot-inferred net flow against the trade truth."""

    n: int  # contract-intervals with a non-zero true and inferred net flow
    n_correct: int
    rate: float
    ci_low: float  # Wilson 95 %
    ci_high: float
    baseline_rate: float  # share of the majority true sign (always guessing it)


def _minutes(steps: Sequence[SimStep]) -> pl.DataFrame:
    rows = []
    level, vol = float("nan"), float("nan")
    for step in steps:
        if step.bars.height and not step.truth.event_day:
            rows.append(
                step.bars.select("open", "close").with_columns(
                    level=pl.lit(level), vol=pl.lit(vol), session=pl.lit(step.truth.session)
                )
            )
        level, vol = step.truth.zero_gamma, step.truth.realised_vol
    return pl.concat(rows)


def flip_vol_split(steps: Sequence[SimStep], *, standardise: bool = False) -> VolSplit:
    """Return realised vol above vs below the true zero-gamma level (module docstring).

    With ``standardise`` each return is first divided by the true pre-feedback realised vol of
    the latest step (and reported as a multiple of it): this removes the selection effect of
    stochastic volatility (reaching a level below spot takes a large move, and large moves
    happen when vol is high, so raw vol below the flip is higher even without feedback) and
    leaves exactly the feedback's multiplier. Event sessions are left out either way.
    """
    minutes = _minutes(steps).filter(pl.col("level").is_not_nan())
    r = np.log(minutes.get_column("close").to_numpy() / minutes.get_column("open").to_numpy())
    if standardise:
        r = r / minutes.get_column("vol").to_numpy()
    below = minutes.get_column("open").to_numpy() < minutes.get_column("level").to_numpy()
    _, session = np.unique(minutes.get_column("session").to_numpy(), return_inverse=True)
    n_sessions = int(session.max()) + 1
    sq = r * r
    sums = np.stack(
        [
            np.bincount(session, weights=sq * ~below, minlength=n_sessions),
            np.bincount(session, weights=sq * below, minlength=n_sessions),
            np.bincount(session, weights=1.0 * ~below, minlength=n_sessions),
            np.bincount(session, weights=1.0 * below, minlength=n_sessions),
        ]
    )
    point = _log_ratio(sums.sum(axis=1))
    rng = np.random.default_rng(_BOOT_SEED)
    draws = rng.integers(0, n_sessions, size=(_BOOT, n_sessions))
    boot = np.array([_log_ratio(sums[:, d].sum(axis=1)) for d in draws])
    boot = boot[np.isfinite(boot)]
    annual = math.sqrt(252.0 * 390.0)
    total = sums.sum(axis=1)
    return VolSplit(
        n_above=int(total[2]),
        n_below=int(total[3]),
        rv_above=math.sqrt(total[0] / total[2]) * annual if total[2] else float("nan"),
        rv_below=math.sqrt(total[1] / total[3]) * annual if total[3] else float("nan"),
        log_ratio=point,
        ci_low=float(np.quantile(boot, 0.025)) if len(boot) else float("nan"),
        ci_high=float(np.quantile(boot, 0.975)) if len(boot) else float("nan"),
        sessions=n_sessions,
    )


def _log_ratio(s: FloatArray) -> float:
    if s[2] == 0 or s[3] == 0 or s[0] == 0:
        return float("nan")
    return 0.5 * math.log((s[1] / s[3]) / (s[0] / s[2]))


def _sessions(steps: Sequence[SimStep], *, peaks: bool) -> pl.DataFrame:
    # The open (no bars yet): the walls known before the session trades.
    rows = [
        {
            "session": step.truth.session,
            "open": step.snapshot.spot,
            "call_wall": step.truth.gamma_peak_above if peaks else step.truth.call_wall,
            "put_wall": step.truth.gamma_peak_below if peaks else step.truth.put_wall,
        }
        for step in steps
        if not step.bars.height
    ]
    levels = pl.DataFrame(rows)
    bars = pl.concat([s.bars.with_columns(session=pl.lit(s.truth.session)) for s in steps])
    extremes = bars.group_by("session").agg(high=pl.col("high").max(), low=pl.col("low").min())
    return levels.join(extremes, on="session").sort("session")


def wall_holds(steps: Sequence[SimStep], *, peaks: bool = False) -> WallHolds:
    """Return the walls' hold rate against distance-matched random levels (module docstring).

    With ``peaks`` the levels tested are the true net-gamma peaks above and below the open
    (`SimTruth.gamma_peak_above` / ``_below``) instead of the conventional walls.
    """
    s = _sessions(steps, peaks=peaks)
    open_ = s.get_column("open").to_numpy()
    up = np.log(s.get_column("high").to_numpy() / open_)  # how far each session rose
    down = np.log(open_ / s.get_column("low").to_numpy())  # how far it fell
    call_d = np.log(s.get_column("call_wall").to_numpy() / open_)
    put_d = np.log(open_ / s.get_column("put_wall").to_numpy())
    # held[i, j]: session i against wall distance d_j (resistance above, support below).
    call_ok = np.isfinite(call_d) & (call_d > 0)
    put_ok = np.isfinite(put_d) & (put_d > 0)
    call_held = up[:, None] <= call_d[None, :]
    put_held = down[:, None] <= put_d[None, :]
    n = len(open_)
    own = np.eye(n, dtype=np.bool_)

    def rates(idx: NDArray[np.int64]) -> tuple[float, float, int, int]:
        ci, pi = idx[call_ok[idx]], idx[put_ok[idx]]
        wall = np.r_[np.diag(call_held)[ci], np.diag(put_held)[pi]]
        base = np.r_[
            call_held[np.ix_(idx, ci)][~own[np.ix_(idx, ci)]],
            put_held[np.ix_(idx, pi)][~own[np.ix_(idx, pi)]],
        ]
        if not len(wall) or not len(base):
            return float("nan"), float("nan"), 0, 0
        return float(wall.mean()), float(base.mean()), len(wall), int(wall.sum())

    wall_rate, base_rate, n_walls, n_held = rates(np.arange(n))
    rng = np.random.default_rng(_BOOT_SEED)
    diffs = []
    for _ in range(_BOOT // 4):
        w, b, _, _ = rates(rng.integers(0, n, size=n))
        if math.isfinite(w) and math.isfinite(b):
            diffs.append(w - b)
    return WallHolds(
        n_walls=n_walls,
        n_held=n_held,
        wall_rate=wall_rate,
        baseline_rate=base_rate,
        difference=wall_rate - base_rate,
        ci_low=float(np.quantile(diffs, 0.025)) if diffs else float("nan"),
        ci_high=float(np.quantile(diffs, 0.975)) if diffs else float("nan"),
    )


def flow_accuracy(steps: Sequence[SimStep]) -> FlowAccuracy:
    """Return how often snapshot-inferred net flow has the true sign (module docstring)."""
    hits = 0
    n = 0
    n_positive = 0
    for prev, curr in pairwise(steps):
        if session_of(prev.snapshot.ts_event) != session_of(curr.snapshot.ts_event):
            continue
        frame = curr.snapshot.frame
        greeks = frame.select(
            *FLOW_KEY,
            delta=pl.col("delta_src").fill_null(float("nan")),
            gamma=pl.col("gamma_src").fill_null(float("nan")),
            vega=pl.lit(float("nan")),
            theta=pl.lit(float("nan")),
        )
        inferred = inferred_flow_frames(
            prev.snapshot.frame,
            frame,
            greeks,
            prev_ts=prev.snapshot.ts_event,
            curr_ts=curr.snapshot.ts_event,
        ).select(*FLOW_KEY, inferred="volm_bs")
        truth = curr.trades.group_by(list(FLOW_KEY)).agg(
            true=pl.when(pl.col("side") == "buy")
            .then(pl.col("size"))
            .otherwise(-pl.col("size"))
            .sum()
            .cast(pl.Float64)
        )
        both = truth.join(inferred, on=list(FLOW_KEY), how="inner").filter(
            (pl.col("true") != 0) & pl.col("inferred").is_not_nan() & (pl.col("inferred") != 0)
        )
        true_sign = np.sign(both.get_column("true").to_numpy())
        hits += int((true_sign == np.sign(both.get_column("inferred").to_numpy())).sum())
        n += len(true_sign)
        n_positive += int((true_sign > 0).sum())
    if n == 0:
        nan = float("nan")
        return FlowAccuracy(n=0, n_correct=0, rate=nan, ci_low=nan, ci_high=nan, baseline_rate=nan)
    ci_low, ci_high = wilson_interval(hits, n)
    return FlowAccuracy(
        n=n,
        n_correct=hits,
        rate=hits / n,
        ci_low=ci_low,
        ci_high=ci_high,
        baseline_rate=max(n_positive, n - n_positive) / n,
    )


__all__ = [
    "FlowAccuracy",
    "VolSplit",
    "WallHolds",
    "flip_vol_split",
    "flow_accuracy",
    "wall_holds",
]
