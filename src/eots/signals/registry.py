"""The signal registry: family name -> function; the enabled set is chosen at composition.

Every entry has the signature ``(ctx, state, params, upstream) -> FamilyOutput``, where
``upstream`` holds the continuous scores of the families composed before it (the complex family
reads the directional composite for its cross-signal correlation). ``SIGNALS`` is in composition
order; ``enabled_families(params)`` keeps the families ``signal_activation`` leaves on (a single
signal switched off is dropped from its family's output by ``signals``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from eots.signals.base import base_signals
from eots.signals.complex import complex_signals
from eots.signals.context import SignalContext
from eots.signals.directional import directional
from eots.signals.output import FamilyOutput
from eots.signals.params import SignalParams
from eots.signals.state import SignalState
from eots.signals.time_decay import time_decay
from eots.signals.volatility import volatility

SignalFn = Callable[[SignalContext, SignalState, SignalParams, dict[str, float]], FamilyOutput]

SIGNALS: Mapping[str, SignalFn] = MappingProxyType(
    {
        "directional": directional,
        "volatility": volatility,
        "time_decay": time_decay,
        "base": base_signals,
        "complex": complex_signals,
    }
)


def enabled_families(params: SignalParams) -> tuple[tuple[str, SignalFn], ...]:
    """Return the (name, function) pairs switched on, in composition order."""
    return tuple((name, fn) for name, fn in SIGNALS.items() if params.enabled(name))


__all__ = ["SIGNALS", "SignalFn", "enabled_families"]
