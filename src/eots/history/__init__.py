"""Stored history as of an instant: the as-of-guarded reader and the market-context builder.

``AsOfReader`` wraps the snapshot and price stores and refuses (``ReplayError``) any query for data
after its ``as_of``; ``market_context`` reads through such a reader and returns the
``MarketContext`` (defined in ``eots.market``, re-exported here) that the adaptive metrics and the
levels consume. See ``docs/context.md``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.history.context import ContextCache, market_context
    from eots.history.reader import AsOfReader, HistoryReader, Visibility
    from eots.market import ContextParams, Coverage, Estimate, MarketContext, PriorSnapshot

__all__ = [
    "AsOfReader",
    "ContextCache",
    "ContextParams",
    "Coverage",
    "Estimate",
    "HistoryReader",
    "MarketContext",
    "PriorSnapshot",
    "Visibility",
    "market_context",
]

lazy_package(
    __name__,
    {
        "eots.history.context": ("ContextCache", "market_context"),
        "eots.history.reader": ("AsOfReader", "HistoryReader", "Visibility"),
        "eots.market": ("ContextParams", "Coverage", "Estimate", "MarketContext", "PriorSnapshot"),
    },
)
