"""The lifecycle and the learning rule carried across sessions: a fold over per-session results.

A session's expensive part (foundation, market context, metrics, levels, signal scores, the
trade ideas the snapshot would propose, the evidence it records) is a pure function of the
store, the params and the **learned weights** it reads, so sessions can run in parallel
(``analyse_session``, on Dask workers or here). The stateful part, the recommendation book (open
positions, their exits and settlements), the random-entry baseline's book, the pending evidence
and the learning rule, folds over the sessions' ``StepPart`` values **in session order** on one
process (``CarryFold``), so a recommendation opened in one session is managed and settled in the
next ones exactly as one process would.

**The block rule.** Every stage that reads learned weights (the E-SDAG methodology weights and
the levels' track record in the analysis, the signal-family weights, the ideas' conviction
mapping) reads the weights **as of the start of its block** of ``block_sessions`` consecutive
sessions. The fold over block *b* (which learns continuously, one snapshot at a time, exactly as
``eots.tracking.advance`` does) yields the weights of block *b + 1*. Sessions of one block run in
parallel; blocks run one after the other. ``block_sessions = 1`` is "weights updated at session
boundaries" (serial); a block as long as the run fixes every decision to the run's starting
weights (fully parallel) while the book still learns and records every ``WeightChanged``.

Bars for the lifecycle: the price store's finest interval over the run (as the continuous
replay), else the run's snapshot spots as a proxy; each snapshot's marks hold the bars of the
last ``BAR_DAYS`` days up to its quote time (the lifecycle reads the bars since its previous
snapshot and the settlement prints of the last five sessions).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.engine import EngineParams, HistoryState, Skipped, Step
from eots.engine.evidence import EvidenceState, PendingCall, PendingLevel, record, resolve
from eots.engine.stages import (
    baseline_integration,
    idea_params,
    idea_stage,
    settlement_prints,
    signal_stage,
)
from eots.engine.state import SPOT_SCHEMA
from eots.engine.step import analyse, neutral_book, proxy_bars
from eots.ideas import IdeaReport, TradeIdea
from eots.storage import SnapshotRef
from eots.tracking import advance
from eots.tracking.book import Book
from eots.tracking.events import Event
from eots.tracking.learning import LearnedWeights
from eots.tracking.model import Marks, Status

#: Days of bars before a snapshot handed to the lifecycle with its marks.
BAR_DAYS = 10

_QUOTES = ("root", "expiry", "strike", "right", "bid", "ask")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepPart:
    """What the cross-session fold needs of one analysed snapshot (small: no chain analysis).

    ``ideas`` are the snapshot's ideas before the held-thesis filter (None when the engine
    stops before the ideas: no signals, or ideas switched off), ``baseline`` the random-entry
    baseline's (when ``ideas`` has any); ``levels``/``calls`` the evidence the
    snapshot records (``eots.engine.evidence.record``); ``quotes`` the chain's quotes.
    """

    snapshot_id: str
    ts_event: dt.datetime
    underlying: str
    spot: float
    atr: float | None
    quotes: pl.DataFrame
    ideas: IdeaReport | None = None
    baseline: IdeaReport | None = None
    levels: tuple[PendingLevel, ...] = ()
    calls: tuple[PendingCall, ...] = ()


@dataclass(slots=True)
class _Session:
    """A session's parallel part as it is folded: its level pairs pending so far.

    A kind and side opens its next pair once the previous one resolved (``engine.evidence``),
    and pairs never outlive their session, so the session's own path decides what it records.
    """

    weights: LearnedWeights
    evidence: EvidenceState = field(default_factory=EvidenceState)


def analyse_step(
    item: tuple[Step, ChainSnapshot, HistoryState],
    params: EngineParams,
    bars: pl.DataFrame | None,
    session: _Session,
) -> tuple[Step, HistoryState, StepPart]:
    """Run a step's parallel part after the levels: signals, ideas (unfiltered), evidence.

    ``engine.step.downstream``'s stages up to the lifecycle, with the block's weights.
    """
    result, snapshot, state = item
    analysis, on, weights = result.analysis, params.components, session.weights
    part = StepPart(
        snapshot_id=result.snapshot_id,
        ts_event=analysis.as_of,
        underlying=snapshot.underlying,
        spot=snapshot.spot,
        atr=analysis.metrics.atr,
        quotes=snapshot.frame.select(_QUOTES),
    )
    if not on.signals:
        return result, state, part
    known = bars if bars is not None and bars.height else proxy_bars(state)
    notes = list(result.notes)
    if bars is None or not bars.height:
        notes.append("bars: none stored; momentum and settlement from snapshot spots (proxy)")
    known = known.filter(pl.col("ts") <= analysis.as_of)
    report, sig_state, said = signal_stage(
        analysis, state.signal_state, known, weights, params.signals
    )
    state = replace(state, signal_state=sig_state)
    result = replace(result, signals=report, notes=(*notes, *said))
    if report is None or not on.ideas:
        return result, state, part
    empty = Book(weights=weights)
    ideas = idea_stage(
        analysis, report.integration, report, empty, idea_params(params.ideas, weights)
    )
    part = replace(part, ideas=ideas)
    if not on.tracking:
        return result, state, part
    before = session.evidence
    recorded = record(before, analysis, params.evidence)
    part = replace(part, levels=recorded.levels[len(before.levels) :], calls=recorded.calls)
    pending = replace(recorded, calls=())
    session.evidence, _ = resolve(pending, analysis.as_of, snapshot.spot, params.evidence)
    if on.baseline and ideas.ideas:
        fake = baseline_integration(report.integration, result.snapshot_id)
        part = replace(part, baseline=idea_stage(analysis, fake, None, empty, params.ideas))
    return result, state, part


def analysed_steps(
    stream: Iterable[tuple[SnapshotRef, ChainSnapshot]],
    state: HistoryState,
    params: EngineParams,
    weights: LearnedWeights,
    bars: pl.DataFrame | None,
) -> Iterator[tuple[Step | Skipped, StepPart | None]]:
    """Fold one session's stream through the parallel part (``fold``'s skipping rule)."""
    session = _Session(weights=weights)
    for ref, snapshot in stream:
        if state.last_ts is not None and snapshot.ts_event <= state.last_ts:
            what = "the same quote time as" if snapshot.ts_event == state.last_ts else "before"
            reason = f"quoted {what} the previous snapshot ({state.last_ts.isoformat()})"
            yield Skipped(ref=ref, reason=reason), None
            continue
        result, state = analyse(ref, snapshot, state, params, weights=weights)
        result, state, part = analyse_step((result, snapshot, state), params, bars, session)
        yield result, part


@dataclass(frozen=True, slots=True, kw_only=True)
class FoldedStep:
    """What the fold added for one snapshot: its ideas (after the filter) and events."""

    ideas: int
    events: tuple[Event, ...] = ()
    baseline_events: tuple[Event, ...] = ()


@dataclass(slots=True)
class CarryFold:
    """The cross-session state: both books, the pending evidence, the step count, the bars."""

    params: EngineParams
    bars: pl.DataFrame | None
    book: Book
    baseline: Book
    evidence: EvidenceState = field(default_factory=EvidenceState)
    steps: int = 0
    spots: list[tuple[dt.datetime, float]] = field(default_factory=list)

    @classmethod
    def start(cls, params: EngineParams, bars: pl.DataFrame | None) -> CarryFold:
        """Return the fold before the first session (empty books, neutral weights)."""
        ordered = bars.sort("ts") if bars is not None and bars.height else None
        book = neutral_book(params)
        return cls(params=params, bars=ordered, book=book, baseline=Book(weights=book.weights))

    def weights(self) -> LearnedWeights:
        """Return the learned weights now (the next block's)."""
        return self.book.weights

    def step(self, part: StepPart) -> FoldedStep:
        """Fold one snapshot's part in (``engine.step.downstream`` from the ideas on)."""
        self.steps += 1
        self.spots.append((part.ts_event, part.spot))
        on = self.params.components
        if part.ideas is None:
            return FoldedStep(ideas=0)
        ideas = _fresh(part.ideas, self.book)
        if not on.tracking:
            return FoldedStep(ideas=len(ideas))
        ev = self.evidence
        ev = EvidenceState(
            levels=ev.levels + part.levels,
            calls=ev.calls + part.calls,
            path=(*ev.path, (part.ts_event, part.spot)),
        )
        self.evidence, items = resolve(ev, part.ts_event, part.spot, self.params.evidence)
        known = self._known(part.ts_event)
        fingerprint = self.params.fingerprint()
        marks = Marks(
            ts_event=part.ts_event,
            ts_init=self.steps,
            snapshot_id=part.snapshot_id,
            fingerprint=fingerprint,
            underlying=part.underlying,
            spot=part.spot,
            quotes=part.quotes,
            bars=known.select("ts", "high", "low", "close") if known is not None else None,
            settlements=settlement_prints(part.underlying, part.ts_event, known),
            atr=part.atr,
            evidence=items,
        )
        self.book, events = advance(self.book, marks, ideas, self.params.tracking)
        if not on.baseline:
            return FoldedStep(ideas=len(ideas), events=events)
        new = _fresh(part.baseline, self.baseline)[: len(ideas)] if ideas else ()
        tracking = self.params.tracking
        frozen = tracking.model_copy(
            update={"learning": tracking.learning.model_copy(update={"enabled": False})}
        )
        shadow = replace(marks, snapshot_id=f"baseline:{part.snapshot_id}", evidence=())
        self.baseline, base_events = advance(self.baseline, shadow, new, frozen)
        return FoldedStep(ideas=len(ideas), events=events, baseline_events=base_events)

    def _known(self, ts: dt.datetime) -> pl.DataFrame | None:
        start = ts - dt.timedelta(days=BAR_DAYS)
        if self.bars is not None:
            stamps = self.bars.get_column("ts")
            lo = int(stamps.search_sorted(start, side="left"))
            hi = int(stamps.search_sorted(ts, side="right"))
            return self.bars.slice(lo, hi - lo)
        times = [t for t, _ in self.spots]
        lo = bisect.bisect_left(times, start)
        recent = self.spots[lo:]
        spots = pl.DataFrame(
            {"ts_event": [t for t, _ in recent], "spot": [s for _, s in recent]},
            schema=SPOT_SCHEMA,
        )
        return proxy_bars(HistoryState(spots=spots))


def _fresh(report: IdeaReport | None, book: Book) -> tuple[TradeIdea, ...]:
    """Return the report's ideas minus theses ``book`` holds (``idea_stage``'s filter)."""
    if report is None:
        return ()
    held = {
        (p.idea.strategy, p.idea.direction)
        for p in book.positions.values()
        if p.status in (Status.PROPOSED, Status.OPEN)
    }
    return tuple(i for i in report.ideas if (i.strategy, i.direction) not in held)


__all__ = [
    "BAR_DAYS",
    "CarryFold",
    "FoldedStep",
    "StepPart",
    "analyse_step",
    "analysed_steps",
]
