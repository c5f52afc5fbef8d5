"""Signals (framework.md section 3) and their integration (section 4.2).

``signals(inputs, state, params) -> (SignalReport, SignalState)`` is the stage's one entry:
``SignalInputs`` carries what it reads from one analysed snapshot, ``SignalState`` what it carries
to the next, ``SignalParams`` every threshold and weight. See docs/signals.md.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.signals.frame import SIGNALS_FRAME_SCHEMA, signals_frame, signals_to_json
    from eots.signals.inputs import SignalInputs, atm_term
    from eots.signals.model import (
        Claim,
        ClaimKind,
        Conflict,
        Evidence,
        Horizon,
        Signal,
        SignalFamily,
        SignalIntegration,
    )
    from eots.signals.params import FAMILIES, SIGNAL_NAMES, SignalParams
    from eots.signals.registry import SIGNALS, enabled_families
    from eots.signals.report import SignalReport, signals
    from eots.signals.state import SignalState

__all__ = [
    "FAMILIES",
    "SIGNALS",
    "SIGNALS_FRAME_SCHEMA",
    "SIGNAL_NAMES",
    "Claim",
    "ClaimKind",
    "Conflict",
    "Evidence",
    "Horizon",
    "Signal",
    "SignalFamily",
    "SignalInputs",
    "SignalIntegration",
    "SignalParams",
    "SignalReport",
    "SignalState",
    "atm_term",
    "enabled_families",
    "signals",
    "signals_frame",
    "signals_to_json",
]

lazy_package(
    __name__,
    {
        "eots.signals.frame": ("SIGNALS_FRAME_SCHEMA", "signals_frame", "signals_to_json"),
        "eots.signals.inputs": ("SignalInputs", "atm_term"),
        "eots.signals.model": (
            "Claim",
            "ClaimKind",
            "Conflict",
            "Evidence",
            "Horizon",
            "Signal",
            "SignalFamily",
            "SignalIntegration",
        ),
        "eots.signals.params": ("FAMILIES", "SIGNAL_NAMES", "SignalParams"),
        "eots.signals.registry": ("SIGNALS", "enabled_families"),
        "eots.signals.report": ("SignalReport", "signals"),
        "eots.signals.state": ("SignalState",),
    },
)
