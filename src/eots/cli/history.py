"""What stored history, a price history and a trade feed supply to one CLI analysis."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.pipeline import AnalysisParams, History


@dataclass(frozen=True, slots=True)
class HistoryInputs:
    """Where history comes from: a snapshot store, a price history, a trades file (all optional)."""

    store: Path | None = None
    prices: Path | None = None
    trades: Path | None = None


def history_for(
    snapshot: ChainSnapshot, params: AnalysisParams, inputs: HistoryInputs
) -> History | None:
    """Read what history supplies: the store's context, and flows from a trades file if given.

    With a store, ``snapshot`` is first added to it (duplicates skipped). A trade feed is the best
    flow source (conventions section 5), so its flows replace the ones inferred from snapshots.
    """
    from eots.pipeline import History

    history: History | None = None
    if inputs.store is not None:
        from eots.core.errors import SchemaError
        from eots.history import AsOfReader, market_context
        from eots.storage import LevelStore, PriceStore, SnapshotStore

        snapshots = SnapshotStore(inputs.store)
        snapshots.save(snapshot)
        bars = PriceStore(inputs.prices) if inputs.prices is not None else None
        reader = AsOfReader(snapshots, bars, snapshot.ts_event)
        history = History.from_context(
            market_context(reader, snapshot.underlying, snapshot.ts_event)
        )
        try:
            previous = LevelStore(inputs.store).previous(snapshot.underlying, snapshot.ts_event)
        except SchemaError as e:  # a damaged sidecar costs persistence, never the analysis
            previous = None
            history = replace(history, description=f"{history.description}; {e}")
        history = replace(history, previous_levels=previous)
    if inputs.trades is not None:
        from eots.flows import parse_trades, trade_flows
        from eots.greeks.frame import priced_chain

        trades = parse_trades(inputs.trades.read_bytes(), source=str(inputs.trades))
        flows = trade_flows(trades, priced_chain(snapshot, params.pricing), snapshot.ts_event)
        base = history or History(description="no stored history")
        history = replace(
            base,
            flows=flows,
            description=f"{base.description}; flows from {trades.height} trades in "
            f"{inputs.trades.name}",
        )
    return history
