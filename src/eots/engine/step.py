"""``step``: one snapshot through the engine, given the history folded so far.

``step(snapshot, state, params) -> (Step, HistoryState)``: the snapshot's foundation is computed
once (``eots.pipeline.foundation``) and put in the state's cache, the state admits the snapshot
(session roll, age limits), the market context is built from the state (``StateReader``: no store
reads, nothing re-priced), and ``eots.pipeline.complete`` adds the metrics and levels. The levels
become the next step's "previous update". Pure apart from the cache, which only saves work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.engine.params import EngineParams
from eots.engine.reader import StateReader
from eots.engine.state import HistoryState, admit
from eots.flows import trade_flows
from eots.history import market_context
from eots.pipeline import Analysis, Foundation, History, complete, foundation
from eots.storage import PriceStore
from eots.storage.snapshots import SnapshotRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What one step produced: the snapshot's ref, its foundation and analysis, and what the
    history state said (age limits applied, history dropped)."""

    ref: SnapshotRef
    foundation: Foundation
    analysis: Analysis
    notes: tuple[str, ...] = ()


def step(
    ref: SnapshotRef,
    snapshot: ChainSnapshot,
    state: HistoryState,
    params: EngineParams,
    *,
    prices: PriceStore | None = None,
    trades: pl.DataFrame | None = None,
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
    analysis = complete(base, history)
    state = replace(state, previous_levels=analysis.levels)
    return Step(ref=ref, foundation=base, analysis=analysis, notes=notes), state


__all__ = ["Step", "step"]
