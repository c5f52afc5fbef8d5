"""Evidence on real history: ingest the shared histories, replay them, publish ``docs/evidence.md``.

``ingest`` handles each known fault of the two real histories (``docs/history.md``); ``run``
replays them through the engine and the evaluation with the real bars; ``render`` writes the
Markdown report.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.evidence.ingest import (
        IngestReport,
        import_prices,
        ingest_barchart,
        ingest_zerodte,
        parity_spot,
        quote_table,
        stale_match,
    )

__all__ = [
    "IngestReport",
    "import_prices",
    "ingest_barchart",
    "ingest_zerodte",
    "parity_spot",
    "quote_table",
    "stale_match",
]

lazy_package(
    __name__,
    {
        "eots.evidence.ingest": (
            "IngestReport",
            "import_prices",
            "ingest_barchart",
            "ingest_zerodte",
            "parity_spot",
            "quote_table",
            "stale_match",
        ),
    },
)
