"""Stored history as of an instant: the as-of-guarded reader and the market-context builder.

``AsOfReader`` wraps the snapshot and price stores and refuses (``ReplayError``) any query for data
after its ``as_of``; ``market_context`` reads through such a reader and returns the
``MarketContext`` (defined in ``eots.market``, re-exported here) that the adaptive metrics and the
levels consume. See ``docs/context.md``.
"""

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
