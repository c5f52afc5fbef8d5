"""The transition table: which event may follow which status of a recommendation.

========== ============================================== ==========
status     event                                          next
========== ============================================== ==========
(none)     idea_proposed                                  proposed
proposed   entry_filled                                   open
proposed   expired                                        expired
open       stop_adjusted, trail_advanced, partial_exit    open
open       target_hit, stop_hit, time_exit, settled       exited
exited     idea_closed                                    closed
closed     outcome_scored                                 scored
========== ============================================== ==========

``scored`` and ``expired`` are terminal: no event leaves them. Anything not in the table is
refused with a ``TransitionError`` naming the idea, its status and the event. Events that are not
about one idea (``marked``, ``weight_changed``, ``outcome_scored`` without an idea) do not pass
through the table.
"""

from __future__ import annotations

from eots.core.errors import EotsError
from eots.tracking.model import TERMINAL, Status

TRANSITIONS: dict[tuple[Status | None, str], Status] = {
    (None, "idea_proposed"): Status.PROPOSED,
    (Status.PROPOSED, "entry_filled"): Status.OPEN,
    (Status.PROPOSED, "expired"): Status.EXPIRED,
    (Status.OPEN, "stop_adjusted"): Status.OPEN,
    (Status.OPEN, "trail_advanced"): Status.OPEN,
    (Status.OPEN, "partial_exit"): Status.OPEN,
    (Status.OPEN, "target_hit"): Status.EXITED,
    (Status.OPEN, "stop_hit"): Status.EXITED,
    (Status.OPEN, "time_exit"): Status.EXITED,
    (Status.OPEN, "settled"): Status.EXITED,
    (Status.EXITED, "idea_closed"): Status.CLOSED,
    (Status.CLOSED, "outcome_scored"): Status.SCORED,
}

#: Event kinds that concern one idea and pass through the table.
IDEA_EVENTS: frozenset[str] = frozenset(kind for _, kind in TRANSITIONS)


class TransitionError(EotsError):
    """An event that may not follow the recommendation's status."""


def next_status(status: Status | None, kind: str, idea_id: str = "?") -> Status:
    """Return the status after event ``kind``; raise ``TransitionError`` if it may not follow.

    Examples
    --------
    >>> next_status(Status.PROPOSED, "entry_filled").value
    'open'
    """
    if status in TERMINAL:
        raise TransitionError(f"idea {idea_id}: {status} is terminal, refused event {kind!r}")
    nxt = TRANSITIONS.get((status, kind))
    if nxt is None:
        raise TransitionError(
            f"idea {idea_id}: event {kind!r} may not follow status {status or 'none'}"
        )
    return nxt


__all__ = ["IDEA_EVENTS", "TRANSITIONS", "TransitionError", "next_status"]
