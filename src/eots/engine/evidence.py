"""Walk-forward evidence for the learning rule: key levels against a matched control, E-SDAG calls.

The lifecycle learns from idea outcomes (signal families, the conviction mapping); the other
learned values need observations the engine makes itself, strictly after the fact:

* **Level kinds and level metrics: a race against a mirrored, unshielded control.** A level
  ``L`` of kind call/put wall, support, resistance, zero gamma or vol trigger within ``band_atr``
  ATR of spot ``S0`` is recorded with its **control** ``C = 2 S0 - L``: the same distance on the
  other side of spot, a ceiling where ``L`` is a floor and the reverse. Each of the two is
  **breached** at a later snapshot of the session whose spot is beyond it, on the far side from
  ``S0``, by more than ``breach_atr`` ATR (the ATR at recording). The pair resolves at the
  **first** snapshot that breaches either: a **hit** when it is ``C`` ("the level stood where a
  random level at the same distance broke"), a **miss** when it is ``L``; a pair neither of
  which is breached by the session's close gives no evidence. A metric's hit is
  ``(alignment > 0) == hit`` (the alignment a_m of ``levels.conviction`` at the level; none for
  a zero alignment).

  **One pair per kind and side at a time, then the next.** A kind and side of spot holds at
  most one pending pair; once it resolves, the next snapshot records the nearest eligible level
  of that kind and side again. So the pairs of one kind and side never overlap in time: each is
  recorded after the previous one's outcome is known and is decided by the path after it.

  **Unshielded.** A level is not recorded (its kind and side waits for a later snapshot; a
  level of the kind farther out would be shielded too) while a call or put wall of the snapshot
  stands on the control's side of spot no farther than the control's breach point
  (``|C - S0| + breach_atr`` ATR): such a control is not a
  random level, it stands behind a level that claims to stop price, and the pair would compare
  two levels (under dealer feedback the simulator's walls reflect spot from both sides, so a
  call wall's mirrored control usually sat behind the put wall and both stayed intact).

  **Why the null is exact.** Reflecting a driftless symmetric path about ``S0`` (the path
  reflected is as likely as the path) swaps "``C`` breached first" and "``L`` breached first"
  and keeps "neither by the close", whatever the distance, width, volatility and time left. The
  decisions that make a pair (which level, whether shielded, whether its kind and side is free)
  use only what is known at recording. So without a level effect a resolved pair is a hit with
  probability exactly 1/2 given everything before it was recorded, and the hits of one kind and
  side form a sequence of fair coins, independent of each other, as the learning rule's
  interval assumes (the pairs recorded once a session before this rule were independent for
  the same reason; recording every new price while earlier pairs were open clustered them: 77
  zero-gamma pairs from 8 sessions, 8/8 hits in one, 4/17 in another). Pairs of different kinds
  or sides open at the same time share the path: a floor and a ceiling pair move against each
  other, two ceilings together; the level-metric items pool the kinds and carry that
  dependence. The learned ``level_kind`` value is a paired win rate against a random level at
  the same distance (0.5: no better than chance).

  The bias that remains: the reflection symmetry needs a driftless session. A session drift
  breaks ceilings more than floors or the reverse, so a floor-type level wins in an up-trending
  session and loses in a down-trending one (this averages out over sessions with no net drift,
  not within one); momentum or reversal biases a kind whose side goes with the recent move. A
  multiplicative walk is symmetric about ``S0`` only to first order in the distance over spot.

  Why a race and not "exactly one of the two breached at the close" (the rule before): under
  the simulator's dealer feedback moves are damped and walls reflect, so most such pairs were
  concordant (walls 11 of 15 discordant pairs won in 40 sessions, too few to learn from); the
  race also scores a pair whose level gives way after its control broke, resolves as soon as it
  is decided and frees the kind and side for the next pair (measured figures in
  docs/tracking.md).
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
from collections.abc import Collection, Sequence
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
#: Levels that shield a control standing behind them (module docstring, "Unshielded").
_SHIELDS = {LevelKind.CALL_WALL, LevelKind.PUT_WALL}


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingLevel:
    """A level and its mirrored control waiting for the first breach (module docstring)."""

    key: tuple[dt.date, str, float]  # (session, kind, side): one pending pair per kind and side
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
    path: tuple[tuple[dt.datetime, float], ...] = ()


def shielded(
    price: float, spot: float, atr: float, walls: Sequence[float], params: EvidenceParams
) -> bool:
    """Return whether a wall stands between spot and the breach point of the level's control.

    The control is ``2 spot - price``; a wall shields it when it is on the control's side of
    spot and no farther from spot than ``|control - spot| + breach_atr * atr``.

    Examples
    --------
    >>> p = EvidenceParams(breach_atr=0.1)
    >>> shielded(99.0, 100.0, 1.0, [101.05], p), shielded(99.0, 100.0, 1.0, [101.2, 98.0], p)
    (True, False)
    """
    reach = abs(spot - price) + params.breach_atr * atr
    w = np.asarray(walls, dtype=np.float64)
    return bool(np.any(((w - spot) * (spot - price) > 0) & (np.abs(w - spot) <= reach)))


def choose(
    busy: Collection[tuple[str, int]],
    levels: Sequence[tuple[str, float]],
    spot: float,
    atr: float,
    walls: Sequence[float],
    params: EvidenceParams,
) -> list[tuple[str, float, int]]:
    """Return the ``(kind, price, side)`` pairs a snapshot opens (module docstring).

    Per kind and side of spot not in ``busy``: the nearest level within ``band_atr`` ATR of spot
    whose control is not shielded by ``walls``. Side +1: spot above the level (a floor).
    """
    near = sorted(
        ((k, p) for k, p in levels if 0 < abs(p - spot) <= params.band_atr * atr),
        key=lambda kp: abs(kp[1] - spot),
    )
    taken = set(busy)
    out = []
    for kind, price in near:
        side = 1 if spot > price else -1
        if (kind, side) in taken or shielded(price, spot, atr, walls, params):
            continue
        taken.add((kind, side))
        out.append((kind, price, side))
    return out


def record(state: EvidenceState, analysis: Analysis, params: EvidenceParams) -> EvidenceState:
    """Add this snapshot's new level pairs and E-SDAG calls as pending observations."""
    atr = analysis.metrics.atr
    spot, ts = analysis.snapshot.spot, analysis.as_of
    path = (*state.path, (ts, spot))
    if atr is None or not atr > 0:
        return EvidenceState(levels=state.levels, calls=state.calls, path=path)
    bounds = nyse_calendar().session_bounds(analysis.session)
    closes = bounds[1] if bounds else ts
    levels = list(state.levels)
    if ts < closes:
        by_price = {(lv.kind.value, lv.price): lv for lv in analysis.levels.levels}
        walls = [lv.price for lv in analysis.levels.levels if lv.kind in _SHIELDS]
        busy = {(p.kind, p.side) for p in state.levels if p.key[0] == analysis.session}
        candidates = [
            (lv.kind.value, lv.price) for lv in analysis.levels.levels if lv.kind in _KINDS
        ]
        weights = tuple(analysis.levels.metric_weights)
        grid = MetricGrid(analysis.strike_metrics, [m for m, _ in weights])
        for kind, price, side in choose(busy, candidates, spot, atr, walls, params):
            lv = by_price[kind, price]
            aligned = tuple(
                (m, a)
                for m, _ in weights
                if math.isfinite(a := alignment(lv, spot, grid, ((m, 1.0),)))
            )
            levels.append(
                PendingLevel(
                    key=(analysis.session, kind, float(side)),
                    kind=kind,
                    price=price,
                    control=2.0 * spot - price,
                    side=side,
                    atr=atr,
                    recorded=ts,
                    closes=closes,
                    alignments=aligned,
                )
            )
    calls = list(state.calls) + _calls(analysis, atr, params, closes)
    return EvidenceState(levels=tuple(levels), calls=tuple(calls), path=path)


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
        hit = outcome(p, path, params)
        if hit is None and ts < p.closes:
            keep_levels.append(p)
        elif hit is not None:
            items += pair_items(p, hit=hit, ts=ts)
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
    new = EvidenceState(levels=tuple(keep_levels), calls=tuple(keep_calls), path=path)
    return new, tuple(items)


def _after(p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...]) -> np.ndarray:
    return np.array([s for t, s in path if p.recorded < t <= p.closes], dtype=np.float64)


def breaches(
    p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...], params: EvidenceParams
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per spot of ``path`` after recording, whether it breaches the level and the control.

    Only the spots after ``p.recorded`` and up to the session's close count (in path order);
    a spot breaches a level when it is beyond it, on the far side from the recording spot, by
    more than ``breach_atr`` ATR. One spot cannot breach both (they are on opposite sides).
    """
    spots = _after(p, path)
    tol = params.breach_atr * p.atr
    return p.side * (spots - p.price) < -tol, p.side * (p.control - spots) < -tol


def outcome(
    p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...], params: EvidenceParams
) -> bool | None:
    """Return True when the control was breached first, False the level, None neither yet."""
    level, control = breaches(p, path, params)
    either = level | control
    if not either.any():
        return None
    return bool(control[int(np.argmax(either))])


def pair_items(p: PendingLevel, *, hit: bool, ts: dt.datetime) -> list[EvidenceItem]:
    """Return the evidence of a resolved pair: the kind's and each aligned metric's hit."""
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
    "choose",
    "outcome",
    "pair_items",
    "record",
    "resolve",
    "shielded",
]
