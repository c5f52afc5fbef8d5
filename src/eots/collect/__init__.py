"""Live collection: poll a ``ChainSource`` on the session calendar and store every snapshot.

``collect(source, store, underlyings, every=..., clock=..., sleep=...)`` is the loop behind
``eots collect``; it reports progress through ``CollectEvent`` values and returns a
``CollectSummary``. ``docs/sources.md`` describes the sources it can poll.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.collect.loop import (
        CollectEvent,
        CollectSummary,
        EventKind,
        SnapshotSink,
        StopReason,
        UnderlyingTally,
        collect,
        content_fingerprint,
        et_text,
    )
    from eots.collect.params import CollectParams

__all__ = [
    "CollectEvent",
    "CollectParams",
    "CollectSummary",
    "EventKind",
    "SnapshotSink",
    "StopReason",
    "UnderlyingTally",
    "collect",
    "content_fingerprint",
    "et_text",
]

lazy_package(
    __name__,
    {
        "eots.collect.loop": (
            "CollectEvent",
            "CollectSummary",
            "EventKind",
            "SnapshotSink",
            "StopReason",
            "UnderlyingTally",
            "collect",
            "content_fingerprint",
            "et_text",
        ),
        "eots.collect.params": ("CollectParams",),
    },
)
