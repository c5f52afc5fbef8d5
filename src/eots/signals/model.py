"""Signal values: what a signal says, how strongly, on what evidence, and the claim it makes.

Every signal is a frozen value (framework.md section 3, conventions.md section 6). Its ``claim`` is
stated so that it can be scored later against what the market did: a direction over a horizon,
volatility expansion or contraction over a horizon, or a pin within a distance of a strike at a
settlement. The evaluation (``eots.evaluation``) scores claims; the integration (section 4.2) turns
the signals of one snapshot into one ``SignalIntegration``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class SignalFamily(StrEnum):
    """The framework's signal families (framework.md sections 3.1-3.4)."""

    DIRECTIONAL = "directional"
    VOLATILITY = "volatility"
    TIME_DECAY = "time_decay"
    COMPLEX = "complex"


class ClaimKind(StrEnum):
    """What a signal asserts about the future."""

    DIRECTION = "direction"  # the underlying moves in ``direction`` over the horizon
    VOLATILITY = "volatility"  # realised vol over the horizon above (+1) / below (-1) a reference
    PIN = "pin"  # the underlying settles within ``distance`` of ``strike`` at ``settles_at``


class Horizon(StrEnum):
    """When a claim is scored (evaluation horizons of the replay)."""

    MIN_5 = "5m"
    MIN_30 = "30m"
    CLOSE = "close"  # the session's close
    NEXT_SESSION = "next_session"  # the next session's close


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """A scorable statement.

    Attributes
    ----------
    kind
        Direction, volatility or pin.
    horizon
        When it is scored.
    direction
        +1 up / expansion, -1 down / contraction, 0 for a pin.
    reference
        For volatility claims: the annualised vol (decimal) realised vol is compared with; for
        direction claims: the spot at the claim's time ($).
    strike, distance
        For pin claims: the strike ($) and the band ($) the settlement must fall within.
    settles_at
        For pin claims: the settlement instant (UTC).
    """

    kind: ClaimKind
    horizon: Horizon
    direction: int
    reference: float | None = None
    strike: float | None = None
    distance: float | None = None
    settles_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One input behind a signal: a metric's value (and the strike it was read at)."""

    metric: str
    value: float
    strike: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One signal of one snapshot.

    Attributes
    ----------
    family, name
        Family and registry name (``"directional.composite"``, ``"base.pin_risk"`` ...).
    direction
        +1 bullish / expansion, -1 bearish / contraction, 0 neutral.
    score
        Continuous score: -1..1 for directional and volatility families (sign = direction),
        0..1 for time decay and complex strength.
    strength
        |score| on the 0..1 conviction scale; ``stars`` come from it (0.1/0.3/0.5/0.7/0.9).
    strike, zone
        The strike or the (low, high) price zone the signal refers to, $ (None: chain-wide).
    persistence
        Consecutive updates in which this signal held the same direction (1 = first seen).
    baseline
        True for the base system's binary signals (base_system.md section 6).
    """

    family: SignalFamily
    name: str
    direction: int
    score: float
    strength: float
    stars: int
    ts_event: dt.datetime
    claim: Claim
    evidence: tuple[Evidence, ...] = ()
    strike: float | None = None
    zone: tuple[float, float] | None = None
    persistence: int = 1
    baseline: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Conflict:
    """Two contradictory signals and which one won (and why)."""

    winner: str
    loser: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalIntegration:
    """The integrated view of one snapshot's signals (framework.md section 4.2).

    ``direction_score`` in -1..1 (bullish positive), ``volatility_score`` in -1..1 (expansion
    positive), ``time_decay_score`` in 0..1 (pin/decay pressure), per-family scores, the market
    regime and the volatility regime detected, the weights in force (with where they came from:
    prior or learned) and the conflicts resolved.
    """

    ts_event: dt.datetime
    regime: str
    direction_score: float
    volatility_score: float
    time_decay_score: float
    family_scores: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    weights_source: str = "prior"
    conflicts: tuple[Conflict, ...] = ()
    pin_strike: float | None = None
    volatility_regime: str = "normal"  # calm / normal / elevated / stressed (docs/signals.md)
