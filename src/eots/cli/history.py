"""What stored history, a price history and a trade feed supply to one CLI analysis.

The CLI only opens the stores and reads the trade file; the analysis itself is the engine's
(``eots.engine.analyze_snapshot``), the same runner replay and the collector use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.engine import EngineParams, Step


@dataclass(frozen=True, slots=True)
class HistoryInputs:
    """Where history comes from: a snapshot store, a price history, a trades file (all optional)."""

    store: Path | None = None
    prices: Path | None = None
    trades: Path | None = None


def analysis_for(snapshot: ChainSnapshot, params: EngineParams, inputs: HistoryInputs) -> Step:
    """Analyse ``snapshot`` through the engine with what ``inputs`` name.

    Signals and ideas included, no tracking: a one-off analysis follows nothing.

    With a store, the snapshot is first added to it and its levels are saved beside it afterwards
    (the next run's "previous update"). A trade feed is the best flow source (conventions section
    5), so its flows replace the ones inferred from snapshots.
    """
    from eots.engine import analyze_snapshot

    trades = None
    if inputs.trades is not None:
        from eots.flows import parse_trades

        trades = parse_trades(inputs.trades.read_bytes(), source=str(inputs.trades))
    store = prices = None  # the stores' modules are imported only when one is given
    if inputs.store is not None:
        from eots.storage import SnapshotStore

        store = SnapshotStore(inputs.store)
    if inputs.prices is not None:
        from eots.storage import PriceStore

        prices = PriceStore(inputs.prices)
    once = params.components.model_copy(update={"tracking": False})
    params = params.model_copy(update={"components": once})
    step = analyze_snapshot(snapshot, params, store=store, prices=prices, trades=trades)
    if inputs.store is not None:
        from eots.storage import LevelStore

        LevelStore(inputs.store).save(snapshot.underlying, step.analysis.levels)
    return step
