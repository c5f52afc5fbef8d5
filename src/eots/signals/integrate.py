"""Dynamic signal integration (framework.md 4.2): weights, regimes, conflicts, integrated scores.

**Weights.** Each family ``f`` (directional, volatility, time_decay, complex, and ``base`` for the
baseline signals) weighs ``W_f = L_f x TOD_f(x) x R_f(regime)``:

* ``L_f``: the learned weight of ``f`` when the learning loop supplies one
  (``SignalInputs.weights``), else the neutral prior (``prior_weights``: all 1, every family
  equal, until outcomes exist); ``weights_source`` says which. A learned weight keyed by a signal
  name (``"time_decay.pin_risk"``) multiplies that signal's weight in conflict resolution;
* ``TOD_f(x)``: the time-of-day profile, five multipliers at session fractions 0, .25, .5, .75, 1
  interpolated linearly (``time_profiles``; time decay matters more late, momentum early);
* ``R_f``: the market regime's multiplier (``regime_weights``, missing = 1).

**Market regime** (``market_regime``): ``stressed`` when the volatility regime is stressed;
otherwise ``{long,short}_gamma_{range,trend}``: long gamma when the chain's net GEX is >= 0
(dealers damp moves), trend when ``|momentum| >= trend_threshold`` (range without bars).

**Conflicts.** Two signals contradict when they claim opposite directions (both direction claims),
opposite volatility (expansion against contraction), a pin against a volatility expansion (a pin
needs a quiet close), or pins at strikes further apart than their two distances. Signals are ranked
framework first, then the base system's baseline signals (its binary triggers on raw-unit metrics
saturate at 5 stars and would otherwise outrank every continuous score); within each, by
``W x strength`` (ties: persistence, then family order directional > complex > time decay >
volatility, then name); walking down the ranking, a signal that contradicts one already
standing is suppressed and a ``Conflict`` records winner, loser and why. The standing signals never
contradict each other.

**Integrated scores** (weighted means over families with a known component, ``W_f`` weights):
direction from the directional composite, the complex composite, the signed charm cascade and the
base directional signals; volatility from the volatility composite, complex structure change
(+), time-decay pin risk (-) and the base volatility signals; time decay = the time-decay composite.
A family whose claims of a kind all lost a conflict does not count in that kind's score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from eots.signals.context import SignalContext
from eots.signals.model import ClaimKind, Conflict, Signal, SignalIntegration
from eots.signals.params import FAMILIES, IntegrationParams, SignalParams

_ORDER = ("directional", "complex", "time_decay", "volatility", "base")
_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
_DIRECTION_PARTS = {
    "directional": ("directional.composite", 1.0),
    "complex": ("complex.composite", 1.0),
    "time_decay": ("time_decay.charm_cascade_signed", 1.0),
    "base": ("base.direction", 1.0),
}
_VOLATILITY_PARTS = {
    "volatility": ("volatility.composite", 1.0),
    "complex": ("complex.structure_change", 1.0),
    "time_decay": ("time_decay.pin_risk", -1.0),
    "base": ("base.volatility", 1.0),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """Signals left standing, those suppressed, and the conflicts that decided it."""

    standing: tuple[Signal, ...]
    suppressed: tuple[Signal, ...]
    conflicts: tuple[Conflict, ...]


def market_regime(net_gex: float, momentum: float | None, vol_regime: str, trend: float) -> str:
    """Return the market regime (module docstring).

    Examples
    --------
    >>> market_regime(1e9, 0.5, "normal", 0.35), market_regime(-1e9, None, "calm", 0.35)
    ('long_gamma_trend', 'short_gamma_range')
    >>> market_regime(1e9, 0.0, "stressed", 0.35)
    'stressed'
    """
    if vol_regime == "stressed":
        return "stressed"
    gamma = "long_gamma" if net_gex >= 0 else "short_gamma"
    moving = momentum is not None and abs(momentum) >= trend
    return f"{gamma}_{'trend' if moving else 'range'}"


def family_weights(
    fraction: float,
    regime: str,
    learned: Mapping[str, float] | None,
    params: IntegrationParams,
) -> dict[str, float]:
    """Return ``W_f`` for every family (module docstring)."""
    out: dict[str, float] = {}
    regime_w = params.regime_weights.get(regime, {})
    for f in FAMILIES:
        base = params.prior_weights.get(f, 1.0)
        if learned is not None and f in learned:
            base = learned[f]
        tod = float(np.interp(fraction, _FRACTIONS, params.time_profiles.get(f, (1.0,) * 5)))
        out[f] = base * tod * regime_w.get(f, 1.0)
    return out


def weight_key(signal: Signal) -> str:
    """Return the family whose weight a signal carries (``base`` for the baseline)."""
    return "base" if signal.baseline else signal.family.value


def label(signal: Signal) -> str:
    """Return a signal's name, with its strike for per-strike signals."""
    return f"{signal.name}@{signal.strike:g}" if signal.strike is not None else signal.name


def contradicts(a: Signal, b: Signal) -> str | None:
    """Return why ``a`` and ``b`` contradict each other, or None when they do not."""
    ka, kb = a.claim.kind, b.claim.kind
    if ka is ClaimKind.DIRECTION and kb is ClaimKind.DIRECTION:
        if a.claim.direction * b.claim.direction < 0:
            return "opposite direction claims"
    elif ka is ClaimKind.VOLATILITY and kb is ClaimKind.VOLATILITY:
        if a.claim.direction * b.claim.direction < 0:
            return "volatility expansion against contraction"
    elif {ka, kb} == {ClaimKind.PIN, ClaimKind.VOLATILITY}:
        vol = a if ka is ClaimKind.VOLATILITY else b
        if vol.claim.direction > 0:
            return "a pin needs a quiet close, the other claims volatility expansion"
    elif ka is ClaimKind.PIN and kb is ClaimKind.PIN:
        gap = abs((a.claim.strike or 0.0) - (b.claim.strike or 0.0))
        if gap > (a.claim.distance or 0.0) + (b.claim.distance or 0.0):
            return f"pins {gap:g} apart cannot both settle"
    return None


def resolve_conflicts(
    signals: Sequence[Signal],
    weights: Mapping[str, float],
    learned: Mapping[str, float] | None,
) -> Resolution:
    """Return which signals stand (module docstring: ranking, then greedy suppression)."""

    def effective(s: Signal) -> float:
        w = weights.get(weight_key(s), 1.0)
        if learned is not None:
            w *= learned.get(s.name, 1.0)
        return w * s.strength

    ranked = sorted(
        signals,
        key=lambda s: (
            s.baseline,
            -effective(s),
            -s.persistence,
            _ORDER.index(weight_key(s)) if weight_key(s) in _ORDER else len(_ORDER),
            label(s),
        ),
    )
    standing: list[Signal] = []
    suppressed: list[Signal] = []
    conflicts: list[Conflict] = []
    for s in ranked:
        rival = next(((t, why) for t in standing if (why := contradicts(t, s))), None)
        if rival is None:
            standing.append(s)
            continue
        winner, why = rival
        if s.baseline and not winner.baseline:
            why += " (the framework's signals outrank the base system's baseline)"
        suppressed.append(s)
        conflicts.append(
            Conflict(
                winner=label(winner),
                loser=label(s),
                reason=(
                    f"{why}: {label(winner)} ranks higher (weight x strength "
                    f"{effective(winner):.3f}, persistence {winner.persistence}) than "
                    f"{label(s)} ({effective(s):.3f}, persistence {s.persistence})"
                ),
            )
        )
    return Resolution(
        standing=tuple(standing), suppressed=tuple(suppressed), conflicts=tuple(conflicts)
    )


def _integrated(
    parts: Mapping[str, tuple[str, float]],
    scores: Mapping[str, float],
    weights: Mapping[str, float],
    excluded: set[str],
) -> float:
    num = den = 0.0
    for family, (name, sign) in parts.items():
        x = scores.get(name, float("nan"))
        if family in excluded or not math.isfinite(x):
            continue
        num += weights[family] * sign * x
        den += weights[family]
    return num / den if den > 0 else 0.0


def _losing_families(resolution: Resolution, kind: ClaimKind) -> set[str]:
    lost = {weight_key(s) for s in resolution.suppressed if s.claim.kind is kind}
    kept = {weight_key(s) for s in resolution.standing if s.claim.kind is kind}
    return lost - kept


def integrate(
    signals: Sequence[Signal],
    scores: Mapping[str, float],
    ctx: SignalContext,
    vol_regime: str,
    params: SignalParams,
) -> tuple[SignalIntegration, Resolution]:
    """Return the integrated view of one snapshot and the conflict resolution behind it."""
    p = params.integration
    learned = ctx.inputs.weights
    regime = market_regime(ctx.inputs.net_gex, ctx.momentum, vol_regime, p.trend_threshold)
    weights = family_weights(ctx.session_fraction, regime, learned, p)
    resolution = resolve_conflicts(signals, weights, learned)
    direction = _integrated(
        _DIRECTION_PARTS, scores, weights, _losing_families(resolution, ClaimKind.DIRECTION)
    )
    vol_excluded = _losing_families(resolution, ClaimKind.VOLATILITY)
    if _losing_families(resolution, ClaimKind.PIN):
        vol_excluded.add("time_decay")
    volatility = _integrated(_VOLATILITY_PARTS, scores, weights, vol_excluded)
    family_scores = {
        "directional": scores.get("directional.composite", float("nan")),
        "volatility": scores.get("volatility.composite", float("nan")),
        "time_decay": scores.get("time_decay.composite", float("nan")),
        "complex": scores.get("complex.composite", float("nan")),
        "base": scores.get("base.direction", float("nan")),
    }
    pins = [s for s in resolution.standing if s.claim.kind is ClaimKind.PIN]
    time_decay = scores.get("time_decay.composite", float("nan"))
    integration = SignalIntegration(
        ts_event=ctx.inputs.as_of,
        regime=regime,
        direction_score=max(-1.0, min(1.0, direction)),
        volatility_score=max(-1.0, min(1.0, volatility)),
        time_decay_score=time_decay if math.isfinite(time_decay) else 0.0,
        family_scores={k: v for k, v in family_scores.items() if math.isfinite(v)},
        weights=weights,
        weights_source="learned" if learned else "prior",
        conflicts=resolution.conflicts,
        pin_strike=pins[0].claim.strike if pins else None,
        volatility_regime=vol_regime,
    )
    return integration, resolution


__all__ = [
    "Resolution",
    "contradicts",
    "family_weights",
    "integrate",
    "label",
    "market_regime",
    "resolve_conflicts",
    "weight_key",
]
