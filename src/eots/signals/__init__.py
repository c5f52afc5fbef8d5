"""Signals (framework.md section 3) and their integration (section 4.2)."""

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

__all__ = [
    "Claim",
    "ClaimKind",
    "Conflict",
    "Evidence",
    "Horizon",
    "Signal",
    "SignalFamily",
    "SignalIntegration",
]
