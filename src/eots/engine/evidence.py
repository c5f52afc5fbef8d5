"""Walk-forward evidence for the learning rule: key levels held or breached, E-SDAG methods right.

The lifecycle learns from idea outcomes (signal families, the conviction mapping); the other
learned values need observations the engine makes itself, strictly after the fact:

* **Level kinds and level metrics.** Every level of kind call/put wall, support, resistance,
  zero gamma or vol trigger within ``band_atr`` ATR of spot becomes a pending observation at its
  first appearance in a session (one per kind and price per session). It resolves at the session
  close, from the snapshot spot path after it: **tested** when spot came within ``touch_atr`` ATR;
  **held** when tested and spot never went beyond it by more than ``breach_atr`` ATR (the side is
  where spot was when the level was recorded). Untested levels give no evidence. A metric's hit
  is ``sign(alignment) == held`` (the alignment a_m of ``levels.conviction`` at the level).
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
from pydantic import BaseModel, ConfigDict, Field

from eots.core.time import nyse_calendar
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


class EvidenceParams(BaseModel):
    """How the engine scores levels and E-SDAG methods for the learning rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    touch_atr: float = Field(0.10, gt=0, le=2, description="a level is tested within this, ATR")
    breach_atr: float = Field(0.25, gt=0, le=5, description="beyond this a test is a breach, ATR")
    band_atr: float = Field(3.0, gt=0, le=50, description="levels and strikes within this of spot")
    horizon_minutes: int = Field(30, ge=1, le=390, description="E-SDAG direction horizon")


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingLevel:
    """A level waiting for its session's close."""

    key: tuple[dt.date, str, float]
    kind: str
    price: float
    side: int  # +1: spot was above (a floor), -1: below (a ceiling)
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
    for lv in analysis.levels.levels:
        key = (analysis.session, lv.kind.value, round(lv.price, 2))
        if lv.kind not in _KINDS or key in seen or abs(lv.price - spot) > params.band_atr * atr:
            continue
        if closes <= ts or lv.price == spot:
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
                side=1 if spot > lv.price else -1,
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
        if ts < p.closes and not _breached(p, path, params):
            keep_levels.append(p)
            continue
        items += _level_items(p, path, ts, params)
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


def _breached(
    p: PendingLevel, path: tuple[tuple[dt.datetime, float], ...], params: EvidenceParams
) -> bool:
    spots = _after(p, path)
    return bool(spots.size) and bool(
        np.any(p.side * (spots - p.price) < -params.breach_atr * p.atr)
    )


def _level_items(
    p: PendingLevel,
    path: tuple[tuple[dt.datetime, float], ...],
    ts: dt.datetime,
    params: EvidenceParams,
) -> list[EvidenceItem]:
    spots = _after(p, path)
    if spots.size == 0:
        return []
    distance = p.side * (spots - p.price)
    tested = bool(np.any(distance <= params.touch_atr * p.atr))
    if not tested:
        return []
    held = not bool(np.any(distance < -params.breach_atr * p.atr))
    items = [EvidenceItem(group=WeightGroup.LEVEL_KIND, name=p.kind, hit=held, observed_at=ts)]
    items += [
        EvidenceItem(group=WeightGroup.LEVEL_METRIC, name=m, hit=(a > 0) == held, observed_at=ts)
        for m, a in p.alignments
        if a != 0.0
    ]
    return items


__all__ = ["EvidenceParams", "EvidenceState", "PendingCall", "PendingLevel", "record", "resolve"]
