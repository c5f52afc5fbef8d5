"""What one signal family returns (``FamilyOutput``) and how a ``Signal`` value is assembled.

A family reports every continuous score it computed (``scores``, keyed ``family.component``; the
integration and the state read them), the final signals that cleared their thresholds, the
direction of every run it wants persisted (``directions``) and notes on missing inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from eots.signals.context import SignalContext
from eots.signals.model import Claim, ClaimKind, Evidence, Signal, SignalFamily
from eots.signals.scale import stars
from eots.signals.state import SignalState


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyOutput:
    """Continuous scores, final signals, persisted directions and notes of one family."""

    family: str
    scores: dict[str, float] = field(default_factory=dict)
    signals: tuple[Signal, ...] = ()
    directions: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """A signal before its persistence and stars are attached (``finished``)."""

    family: SignalFamily
    name: str
    direction: int
    score: float
    strength: float
    claim: Claim
    evidence: tuple[tuple[str, float], ...]
    strike: float | None = None
    zone: tuple[float, float] | None = None
    baseline: bool = False
    key: str | None = None

    @property
    def run_key(self) -> str:
        """Name under which its persistence is tracked (base signals add their strike)."""
        return self.key or self.name

    @property
    def run_direction(self) -> int:
        """Direction its persistence follows (a pin, direction 0, persists as +1)."""
        return self.direction or 1


def finished(draft: Draft, ctx: SignalContext, state: SignalState) -> Signal:
    """Return the ``Signal`` of a draft: stars from its strength, persistence from the state."""
    strength = min(1.0, max(0.0, draft.strength))
    return Signal(
        family=draft.family,
        name=draft.name,
        direction=draft.direction,
        score=draft.score,
        strength=strength,
        stars=stars(strength),
        ts_event=ctx.inputs.as_of,
        claim=draft.claim,
        evidence=tuple(
            Evidence(metric=m, value=float(v), strike=draft.strike)
            for m, v in draft.evidence
            if v is not None and math.isfinite(v)
        ),
        strike=draft.strike,
        zone=draft.zone,
        persistence=state.persistence(draft.run_key, draft.run_direction),
        baseline=draft.baseline,
    )


def run_key(signal: Signal) -> str:
    """Return the name a signal's persistence is tracked under (per-strike signals add it)."""
    per_strike = signal.baseline or signal.claim.kind is ClaimKind.PIN
    if per_strike and signal.strike is not None:
        return f"{signal.name}@{signal.strike:g}"
    return signal.name


def sign(x: float | None) -> int:
    """Return -1, 0 or +1 (0 for None or NaN)."""
    if x is None or not math.isfinite(x) or x == 0:
        return 0
    return 1 if x > 0 else -1


__all__ = ["Draft", "FamilyOutput", "finished", "run_key", "sign"]
