"""Live collection: poll a ``ChainSource`` on the session calendar and store every snapshot.

``collect(source, store, underlyings, every=..., clock=..., sleep=...)`` is the loop behind
``eots collect``; it reports progress through ``CollectEvent`` values and returns a
``CollectSummary``. ``docs/sources.md`` describes the sources it can poll.
"""

from eots.collect.loop import (
    CollectEvent,
    CollectSummary,
    EventKind,
    SnapshotSink,
    StopReason,
    UnderlyingTally,
    collect,
    content_fingerprint,
)

__all__ = [
    "CollectEvent",
    "CollectSummary",
    "EventKind",
    "SnapshotSink",
    "StopReason",
    "UnderlyingTally",
    "collect",
    "content_fingerprint",
]
