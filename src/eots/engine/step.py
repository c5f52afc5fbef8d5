"""``step``: one snapshot through the engine, given the history folded so far.

``step(snapshot, state, params) -> (Step, HistoryState)``: the snapshot's foundation is computed
once (``eots.pipeline.foundation``) and put in the state's cache, the state admits the snapshot
(session roll, age limits), the market context is built from the state (``StateReader``: no store
reads, nothing re-priced), and ``eots.pipeline.complete`` adds the metrics and levels. The levels
become the next step's "previous update". Pure apart from the cache, which only saves work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.engine.evidence import record, resolve
from eots.engine.params import EngineParams
from eots.engine.reader import StateReader
from eots.engine.stages import baseline_integration, idea_params, idea_stage, marks, signal_stage
from eots.engine.state import HistoryState, admit
from eots.flows import trade_flows
from eots.history import market_context
from eots.ideas import IdeaReport, TradeIdea
from eots.levels.params import ConvictionParams
from eots.pipeline import Analysis, Foundation, History, complete, foundation
from eots.signals import SignalReport
from eots.storage.snapshots import SnapshotRef
from eots.tracking.book import Book
from eots.tracking.learning import LearnedWeights
from eots.tracking.model import Marks, WeightGroup

if TYPE_CHECKING:
    from eots.storage import PriceStore
    from eots.tracking.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What one step produced.

    The snapshot's ref, its foundation and analysis, its signals,
    new trade ideas and lifecycle events (and the random-entry baseline's), and what the history
    state said (age limits applied, history dropped, stages skipped).
    """

    ref: SnapshotRef
    foundation: Foundation
    analysis: Analysis
    notes: tuple[str, ...] = ()
    signals: SignalReport | None = None
    ideas: IdeaReport | None = None
    events: tuple[Event, ...] = ()
    baseline_events: tuple[Event, ...] = ()
    snapshot_id: str = ""


def step(  # noqa: PLR0913  (keyword-only optional feeds (prices, trades, bars))
    ref: SnapshotRef,
    snapshot: ChainSnapshot,
    state: HistoryState,
    params: EngineParams,
    *,
    prices: PriceStore | None = None,
    trades: pl.DataFrame | None = None,
    bars: pl.DataFrame | None = None,
) -> tuple[Step, HistoryState]:
    """Analyse ``snapshot`` with the history in ``state``; return the result and the next state.

    Parameters
    ----------
    ref
        The snapshot's identity (``engine.snapshot_ref`` for one that is not stored).
    snapshot
        The chain; quoted at or after the state's last snapshot.
    state
        History folded so far (``HistoryState()`` to start empty).
    params
        Engine parameters.
    prices
        Optional price store for daily bars (ATR, realised vol); read as of the quote time.
    trades
        Optional side-classified trades (``eots.flows.parse_trades``): the best flow source
        (conventions section 5), so their flows replace the ones inferred between snapshots.
    bars
        Every underlying bar known to the caller (``ts`` = bar close; sliced to the quote time
        here): momentum for the signals, stops between snapshots and settlement prints for the
        lifecycle. None: the snapshots' spot path stands in (said in the notes).
    """
    book = state.book or neutral_book(params)
    result, state = analyse(
        ref, snapshot, state, params, weights=book.weights, prices=prices, trades=trades
    )
    return downstream(result, snapshot, replace(state, book=book), params, bars)


def analyse(  # noqa: PLR0913  (keyword-only weights and optional feeds)
    ref: SnapshotRef,
    snapshot: ChainSnapshot,
    state: HistoryState,
    params: EngineParams,
    *,
    weights: LearnedWeights,
    prices: PriceStore | None = None,
    trades: pl.DataFrame | None = None,
) -> tuple[Step, HistoryState]:
    """Return ``step``'s part before the signals: foundation, context, metrics and levels.

    Reads learned ``weights`` (E-SDAG methodology, the levels' track record) but no other part
    of the book, so a run that fixes the weights for a block of sessions can analyse those
    sessions in parallel (``eots.replay.carry``). The state's book is left as it was.
    """
    base = foundation(snapshot, params.analysis)
    state, notes = admit(state, ref, snapshot, params)
    state.cache.priced[ref.content_hash] = base.contracts
    context = market_context(
        StateReader(state, prices, snapshot.ts_event),
        snapshot.underlying,
        snapshot.ts_event,
        params.context_params(),
        cache=state.cache,
    )
    history = History.from_context(context)
    previous, why = state.fresh_previous(base.session, params)
    notes += (why,) if why else ()
    description = "; ".join((history.description, *notes))
    history = replace(
        history,
        previous_levels=previous,
        level_summaries=state.summaries,
        description=description,
    )
    if trades is not None:
        flows = trade_flows(trades, base.contracts, snapshot.ts_event)
        history = replace(
            history,
            flows=flows,
            description=f"{history.description}; flows from {trades.height} trades",
        )
    history = replace(history, level_track_record=weights.level_track_record(_conviction(params)))
    analysis = complete(_with_learned(base, weights), history)
    state = replace(state, previous_levels=analysis.levels)
    result = Step(ref=ref, foundation=base, analysis=analysis, notes=notes, snapshot_id=sid(ref))
    return result, state


def sid(ref: SnapshotRef) -> str:
    """Return the id a run uses for a snapshot: underlying, quote time and content hash."""
    return f"{ref.underlying}-{ref.ts_event.strftime('%Y%m%dT%H%M%S')}-{ref.content_hash[:10]}"


def _conviction(params: EngineParams) -> ConvictionParams:
    return params.analysis.levels.conviction_framework


def neutral_book(params: EngineParams) -> Book:
    """Return the empty book with the learning rule's neutral (prior) weights."""
    weights = LearnedWeights.neutral(
        esdag=params.analysis.adaptive.e_sdag,
        conviction=_conviction(params),
        learning=params.tracking.learning,
    )
    return Book(weights=weights)


def _with_learned(base: Foundation, weights: LearnedWeights) -> Foundation:
    """Return the foundation with the learned E-SDAG methodology weights in its adaptive params."""
    if weights.source(WeightGroup.ESDAG_METHOD) == "prior":
        return base
    adaptive = base.params.adaptive
    learned = adaptive.model_copy(update={"e_sdag": weights.esdag_params(adaptive.e_sdag)})
    return replace(base, params=base.params.model_copy(update={"adaptive": learned}))


def proxy_bars(state: HistoryState) -> pl.DataFrame:
    """Return the state's spot path as bars (open = high = low = close = spot): the proxy."""
    spots = state.spots
    return spots.select(
        pl.col("ts_event").alias("ts"),
        *(pl.col("spot").alias(c) for c in ("open", "high", "low", "close")),
    )


def downstream(
    result: Step,
    snapshot: ChainSnapshot,
    state: HistoryState,
    params: EngineParams,
    bars: pl.DataFrame | None,
) -> tuple[Step, HistoryState]:
    """Run the stages after the levels on ``result``.

    Signals, ideas, the lifecycle with
    learning, and the baseline (as ``params.components`` say).
    """
    on = params.components
    analysis, notes = result.analysis, list(result.notes)
    if not on.signals:
        return result, state
    known = bars if bars is not None and bars.height else proxy_bars(state)
    if bars is None or not bars.height:
        notes.append("bars: none stored; momentum and settlement from snapshot spots (proxy)")
    known = known.filter(pl.col("ts") <= analysis.as_of)
    book = state.book or neutral_book(params)
    report, sig_state, said = signal_stage(
        analysis, state.signal_state, known, book.weights, params.signals
    )
    notes += said
    state = replace(state, signal_state=sig_state)
    result = replace(result, signals=report, notes=tuple(notes))
    if report is None or not on.ideas:
        return result, state
    ideas = idea_stage(
        analysis, report.integration, report, book, idea_params(params.ideas, book.weights)
    )
    result = replace(result, ideas=ideas)
    if not on.tracking:
        return result, state
    from eots.tracking import advance  # (tracking.lifecycle: not imported by one-off analyses)

    ev_state = record(state.evidence, analysis, params.evidence)
    ev_state, items = resolve(ev_state, analysis.as_of, analysis.snapshot.spot, params.evidence)
    ids = (result.snapshot_id, params.fingerprint())
    m = marks(analysis, snapshot, state.steps, ids, known, items)
    book, events = advance(book, m, ideas.ideas, params.tracking)
    state = replace(state, book=book, evidence=ev_state)
    result = replace(result, events=events)
    if on.baseline:
        result, state = _baseline(result, state, params, m)
    return result, state


def _baseline(
    result: Step, state: HistoryState, params: EngineParams, marked: Marks
) -> tuple[Step, HistoryState]:
    """Random-entry baseline: the same idea rules and sizing on random scores, same times.

    ``marked``: the step's marks for the main book; the baseline's are the same quotes, bars and
    settlements under its own snapshot id, without the main book's evidence (it does not learn).
    """
    from eots.tracking import advance

    analysis, report = result.analysis, result.signals
    assert report is not None
    ideas = result.ideas.ideas if result.ideas is not None else ()
    book = state.baseline_book or Book(weights=neutral_book(params).weights)
    fake = baseline_integration(report.integration, result.snapshot_id)
    new: tuple[TradeIdea, ...] = ()
    if ideas:
        random_ideas = idea_stage(analysis, fake, None, book, params.ideas)
        new = random_ideas.ideas[: len(ideas)]
    frozen = params.tracking.model_copy(
        update={"learning": params.tracking.learning.model_copy(update={"enabled": False})}
    )
    m = replace(marked, snapshot_id=f"baseline:{result.snapshot_id}", evidence=())
    book, events = advance(book, m, new, frozen)
    return replace(result, baseline_events=events), replace(state, baseline_book=book)


__all__ = ["Step", "analyse", "downstream", "neutral_book", "proxy_bars", "sid", "step"]
