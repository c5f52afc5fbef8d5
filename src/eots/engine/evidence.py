"""Walk-forward evidence for the learning rule: key levels against a matched control, E-SDAG calls.

The lifecycle learns from idea outcomes (signal families, the conviction mapping); the other
learned values need observations the engine makes itself, strictly after the fact:

* **Level kinds and level metrics: a paired comparison with a mirrored control.** Every level ``L``
  of kind call/put wall, support, resistance, zero gamma or vol trigger within ``band_atr`` ATR of
  spot ``S0`` can become a pending observation, **one per kind and side of spot a session**: the
  nearest level of the kind on that side at the first snapshot that has one. It is recorded with its
  **control** ``C = 2 S0 - L``: the same distance on the other side of spot, a ceiling where ``L``
  is a floor and a floor where ``L`` is a ceiling. Each of the two is **breached** when a later
  snapshot spot of the session went beyond it, on the far side from ``S0``, by more than
  ``breach_atr`` ATR (the ATR at recording). The pair resolves at the session's close, or earlier
  once both are breached (an early breach of ``L`` alone is not final: ``C`` may still break before
  the close). Only a **discordant** pair is evidence: ``L`` intact and ``C`` breached is a hit ("the
  level stopped price where a matched random level did not"), ``L`` breached and ``C`` intact a
  miss; concordant pairs (both intact, both breached) give none. A metric's hit is
  ``(alignment > 0) == hit`` (the alignment a_m of ``levels.conviction`` at the level; none for a
  zero alignment), on discordant pairs only.

  Why paired: "held" alone is not 50 % without any level effect. How often a positioning-blind
  walk stays on one side of a level depends on the level's distance, the breach width and the
  session time left (on the simulator without dealer feedback zero gamma "held" 37 of 53 tests),
  so a rate compared with the learning rule's fixed prior 0.5 drifts even under the null. With
  the control, a driftless walk whose increments are symmetric (the path reflected about ``S0``
  is as likely as the path itself) swaps "only ``L`` breached" and "only ``C`` breached", so a
  discordant pair is a hit with probability exactly 1/2 whatever the distance, width, volatility
  and time left, and the learned ``level_kind`` value is a paired win rate against a random
  level at the same distance (0.5: no better than chance).

  Why once a session: the pairs of one session share its path, so their outcomes move together
  (on the simulator without feedback, 12 sessions, zero gamma recorded at every new price gave
  77 discordant pairs from 8 sessions, 8/8 hits in one and 4/17 in another). The learning rule's
  interval counts items as independent, so clustered items let a weight leave its band under
  the null; pairs from different sessions of a driftless null are independent. A floor and a
  ceiling pair of one kind in the same session are still dependent, but negatively: a move up
  is a hit for the floor pair and a miss for the ceiling pair.

  The bias that remains: the reflection symmetry needs a driftless session. A session drift
  (a trend up or down) breaks ceilings more than floors or the reverse, so a floor-type level
  (a put wall, support below spot) wins its pairs in an up-trending session and loses them in a
  down-trending one; this averages out over sessions with no net drift, not within one. Likewise
  momentum or reversal (increments that depend on the recent move) biases a kind whose side
  goes with the recent move (a level above spot after a fall). A multiplicative walk is
  symmetric about ``S0`` only to first order in the distance over spot: on 400,000 Monte Carlo
  sessions (26 quarter hours, 16 % vol, ATR 1.2 % of spot, levels within 3 ATR) a floor won
  0.4995 of 87,230 discordant pairs (se 0.0017) when price is a martingale (the simulator's
  case) and 0.504 of 87,109 when log price is. A control that falls on another real level (a
  put wall mirrored onto a call wall) compares two levels; that adds noise, not bias, under the
  null. Power: where real levels stand on both sides of spot (the simulator's walls under
  dealer feedback), the control is often shielded by the opposite level, the pair stays intact
  on both sides and gives no evidence (tests/integration/test_simulator_evidence.py).
* **E-SDAG methods.** At each snapshot, each method's strike-level E-SDAG summed over strikes
  within ``band_atr`` ATR of spot predicts the direction of the next ``horizon_minutes``; it
  resolves at the first snapshot at or after that horizon in the same session: hit when the sign
  of the spot change agrees (no evidence for a zero sum or no move).

Every item is stamped with its resolution time, so ``Marks.evidence`` never carries an outcome
not yet known at the snapshot it is handed in with.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.core.time import nyse_calendar
from eots.engine.params import EvidenceParams
from eots.levels import LevelKind
from eots.levels.conviction import MetricGrid, alignment
from eots.pipeline import Analysis
from eots.tracking.model import EvidenceItem, WeightGroup

_KINDS = {
    LevelKind.CALL_WALL,
    LevelKind.PUT_WALL,
    LevelKind.SUPPORT,
    LevelKind.RESISTANCE,
    LevelKind.ZERO_GAMMA,
    LevelKind.VOL_TRIGGER,
}
_METHODS = ("multiplicative", "directional", "weighted", "volatility_focused")


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingLevel:
    """A level and its mirrored control waiting for the session's close (module docstring)."""

    key: tuple[dt.date, str, float]  # (session, kind, side): one pair per kind and side a session
    kind: str
    price: float
    control: float  # 2 * spot - price at recording: the matched random level
    side: int  # +1: spot was above the level (a floor; the control a ceiling), -1: the reverse
    atr: float
    recorded: dt.datetime
    closes: dt.datetime
    alignments: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingCall:
    """An E-SDAG method's direction call waiting for its horizon."""

    method: str
    sign: int
    spot: float
    recorded: dt.datetime
    due: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceState:
    """Pending observations and the session's spot path since the oldest of them."""

    levels: tuple[PendingLevel, ...] = ()
    calls: tuple[PendingCall, ...] = ()
    seen: frozenset[tuple[dt.date, str, float]] = frozenset()
    path: tuple[tuple[dt.datetime, float], ...] = ()


def record(state: EvidenceState, analysis: Analysis, params: EvidenceParams) -> EvidenceState:
    """Add this snapshot's levels and E-SDAG calls as pending observations."""
    atr = analysis.metrics.atr
    spot, ts = analysis.snapshot.spot, analysis.as_of
    path = (*state.path, (ts, spot))
    if atr is None or not atr > 0:
        return EvidenceState(levels=state.levels, calls=state.calls, seen=state.seen, path=path)
    bounds = nyse_calendar().session_bounds(analysis.session)
    closes = bounds[1] if bounds else ts
    sm = analysis.strike_metrics
    weights = tuple(analysis.levels.metric_weights)
    grid = MetricGrid(sm, [m for m, _ in weights])
    levels, seen = list(state.levels), set(state.seen)
    near = sorted(
        (
            lv
            for lv in analysis.levels.levels
            if lv.kind in _KINDS and 0 < abs(lv.price - spot) <= params.band_atr * atr
        ),
        key=lambda lv: abs(lv.price - spot),
    )
    for lv in near if ts < closes else ():
        side = 1 if spot > lv.price else -1
        key = (analysis.session, lv.kind.value, float(side))
        if key in seen:
            continue
        seen.add(key)
        aligned = tuple(
            (m, a) for m, _ in weights if math.isfinite(a := alignment(lv, spot, grid, ((m, 1.0),)))
        )
        levels.append(
            PendingLevel(
                key=key,
                kind=lv.kind.value,
                price=lv.price,
                control=2.0 * spot - lv.price,
                side=side,
                atr=atr,
                recorded=ts,
                closes=closes,
                alignments=aligned,
            )
        )
    calls = list(state.calls) + _calls(analysis, atr, params, closes)
    return EvidenceState(levels=tuple(levels), calls=tuple(calls), seen=frozenset(seen), path=path)


def _calls(
    analysis: Analysis, atr: float, params: EvidenceParams, closes: dt.datetime
) -> list[PendingCall]:
    sm = analysis.strike_metrics
    spot, ts = analysis.snapshot.spot, analysis.as_of
    due = ts + dt.timedelta(minutes=params.horizon_minutes)
    if due > closes:
        return []
    near = sm.filter((pl.col("strike") - spot).abs() <= params.band_atr * atr)
    out = []
    for m in _METHODS:
        col = f"e_sdag_{m}"
        if col not in near.columns:
            continue
        total = float(np.nansum(near.get_column(col).cast(pl.Float64).to_numpy()))
        if total != 0.0 and math.isfinite(total):
            sign = 1 if total > 0 else -1
            out.append(PendingCall(method=m, sign=sign, spot=spot, recorded=ts, due=due))
    return out


def resolve(
    state: EvidenceState, ts: dt.datetime, spot: float, params: EvidenceParams
) -> tuple[EvidenceState, tuple[EvidenceItem, ...]]:
    """Resolve what is due at ``ts`` (spot ``spot`` appended to the path); return the items."""
    path = (*state.path, (ts, spot))
    items: list[EvidenceItem] = []
    keep_levels = []
    for p in state.levels:
        level, control = breaches(p, path, params)
        if ts < p.closes and not (level and control):
            keep_levels.append(p)
            continue
        items += pair_items(p, level=level, control=control, ts=ts)
    keep_calls = []
    for c in state.calls:
        if ts < c.due:
            keep_calls.append(c)
            continue
        if ts.date() == c.recorded.date() and spot != c.spot:
            hit = (spot > c.spot) == (c.sign > 0)
            items.append(
                EvidenceItem(group=WeightGroup.ESDAG_METHOD, name=c.method, hit=hit, observed_at=ts)
            )
    oldest = min([p.recorded for p in keep_levels] + [c.recorded for c in keep_calls], default=ts)
    path = tuple(x for x in path if x[0] >= oldest)
    seen = frozenset(k for k in state.seen if k[0] >= ts.date() - dt.timedelta(days=7))
    new = EvidenceState(levels=tuple(keep_levels), calls=tuple(keep_calls), seen=seen, path=path)
    return new, tuple(items)


def _after(p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...]) -> np.ndarray:
    return np.array([s for t, s in path if p.recorded < t <= p.closes], dtype=np.float64)


def breaches(
    p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...], params: EvidenceParams
) -> tuple[bool, bool]:
    """Return whether the level and its control were breached on ``path`` after recording.

    Only the spots after ``p.recorded`` and up to the session's close count; each is breached
    when spot went beyond it, on the far side from the recording spot, by more than
    ``breach_atr`` ATR.
    """
    spots = _after(p, path)
    if spots.size == 0:
        return False, False
    tol = params.breach_atr * p.atr
    level = bool(np.any(p.side * (spots - p.price) < -tol))
    control = bool(np.any(p.side * (p.control - spots) < -tol))
    return level, control


def pair_items(
    p: PendingLevel, *, level: bool, control: bool, ts: dt.datetime
) -> list[EvidenceItem]:
    """Return the evidence of a resolved pair: none when concordant (module docstring)."""
    if level == control:
        return []
    hit = control  # discordant: the level stood where the control broke, or the reverse
    items = [EvidenceItem(group=WeightGroup.LEVEL_KIND, name=p.kind, hit=hit, observed_at=ts)]
    items += [
        EvidenceItem(group=WeightGroup.LEVEL_METRIC, name=m, hit=(a > 0) == hit, observed_at=ts)
        for m, a in p.alignments
        if a != 0.0
    ]
    return items


__all__ = [
    "EvidenceParams",
    "EvidenceState",
    "PendingCall",
    "PendingLevel",
    "breaches",
    "pair_items",
    "record",
    "resolve",
]
