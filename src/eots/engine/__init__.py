"""The engine: one runner from a snapshot stream to analyses, under every entry point.

``step`` folds one snapshot into a ``HistoryState`` (foundation once, context from the state,
metrics and levels); ``run``/``fold`` drive it over a stream; ``stored_stream`` and ``warm_state``
connect it to a store. ``analyze --store``, ``collect --analyze`` and ``replay`` all call these.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.engine.params import Components, EngineParams, HistoryLimits
    from eots.engine.run import (
        Skipped,
        analyze_snapshot,
        fold,
        run,
        snapshot_ref,
        stored_stream,
        warm_state,
    )
    from eots.engine.state import Held, HistoryState, admit
    from eots.engine.step import Step, step

__all__ = [
    "Components",
    "EngineParams",
    "Held",
    "HistoryLimits",
    "HistoryState",
    "Skipped",
    "Step",
    "admit",
    "analyze_snapshot",
    "fold",
    "run",
    "snapshot_ref",
    "step",
    "stored_stream",
    "warm_state",
]

lazy_package(
    __name__,
    {
        "eots.engine.params": ("Components", "EngineParams", "HistoryLimits"),
        "eots.engine.run": (
            "Skipped",
            "analyze_snapshot",
            "fold",
            "run",
            "snapshot_ref",
            "stored_stream",
            "warm_state",
        ),
        "eots.engine.state": ("Held", "HistoryState", "admit"),
        "eots.engine.step": ("Step", "step"),
    },
)
