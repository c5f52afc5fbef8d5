"""Volatility regime signal (framework.md 3.2): contraction (-1) .. expansion (+1) and its claim.

**Regimes** (``volatility_regime``), first match wins:

* ``stressed``: the term structure is inverted, ``IV_short / IV_back - 1 > stressed_inversion``
  (backwardation: the market pays more for the next days than for a month; ``IV_short`` is the
  first expiry at least ``short_min_days`` out, ``IV_back`` the 30-day constant maturity);
* ``elevated`` / ``calm``: the IV percentile (``SignalInputs.iv_percentile``, a year of sessions)
  is ``>= elevated_percentile`` / ``<= calm_percentile``; without a percentile, the 30-day ATM IV
  is ``>= elevated_iv`` / ``<= calm_iv``;
* ``normal`` otherwise (also when no IV is known at all; a note says so).

**Score** (``w`` the proximity weights, sums over strikes near the price)::

    gamma      = -sum w net_GEX / sum w |GEX|     dealers long gamma damp (-), short amplify (+)
    flow       = sum w tanh(ln VFI) / sum w       vega flow above its OI norm (VFI > 1) expands
    structure  = (a_g gamma + a_f flow) / (a_g + a_f)
    term       = tanh((IV_short / IV_back - 1 - term_center) / term_scale)
                 (0 at an ordinary contango, 5 % below the 30-day IV; + flatter or inverted)
    divergence = tanh((RV / IV_front - 1) / divergence_scale)   realised above implied expands
    composite  = ((1 - t - d) structure + t term + d divergence) / (weights of the known parts)

**Regime-aware threshold**: ``threshold (1 + r (multiplier[regime] - 1))``: a hotter regime needs a
larger score (its vol moves are noisier), a calm one less.

Claim: realised volatility over ``horizon`` above (+1, expansion) or below (-1, contraction) the
front ATM IV (``reference``): what a long or short straddle is paid on. With fewer than 30
minutes of the session left a ``close`` horizon becomes ``next_session``.
"""

from __future__ import annotations

import math

import numpy as np

from eots.signals.context import SignalContext
from eots.signals.model import Claim, ClaimKind, Horizon, Signal, SignalFamily
from eots.signals.output import Draft, FamilyOutput, finished
from eots.signals.params import SignalParams, VolatilityParams
from eots.signals.scale import blend, weighted_mean
from eots.signals.state import SignalState

EXPANSION = "volatility.expansion"
CONTRACTION = "volatility.contraction"
_CLOSE_MINUTES = 30.0


def volatility_regime(
    iv_short: float | None,
    iv_back: float | None,
    iv_percentile: float | None,
    params: VolatilityParams,
) -> str:
    """Return the volatility regime (module docstring).

    Examples
    --------
    >>> p = VolatilityParams()
    >>> volatility_regime(0.30, 0.20, 0.5, p), volatility_regime(0.14, 0.15, 0.9, p)
    ('stressed', 'elevated')
    >>> volatility_regime(0.10, 0.11, None, p), volatility_regime(None, None, None, p)
    ('calm', 'normal')
    """
    if (
        iv_short is not None
        and iv_back is not None
        and iv_short / iv_back - 1.0 > params.stressed_inversion
    ):
        return "stressed"
    if iv_percentile is not None:
        if iv_percentile >= params.elevated_percentile:
            return "elevated"
        if iv_percentile <= params.calm_percentile:
            return "calm"
        return "normal"
    level = iv_back if iv_back is not None else iv_short
    if level is None:
        return "normal"
    if level >= params.elevated_iv:
        return "elevated"
    if level <= params.calm_iv:
        return "calm"
    return "normal"


def gamma_damping(ctx: SignalContext) -> float | None:
    """Return ``-sum w net_GEX / sum w |GEX|`` near the price (None without gamma there)."""
    w = ctx.gex_weight
    denom = float((w * ctx.abs_gex_k).sum())
    if denom <= 0:
        return None
    return float(-(w * ctx.net_gex_k).sum() / denom)


def vega_flow(ctx: SignalContext) -> float | None:
    """Return the near-price mean of ``tanh(ln VFI)`` (None when no VFI is known there)."""
    vfi = ctx.metric("vfi")
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(vfi > 0, np.tanh(np.log(vfi)), np.nan)
    return weighted_mean(x, ctx.weight)


def volatility(
    ctx: SignalContext, state: SignalState, params: SignalParams, upstream: dict[str, float]
) -> FamilyOutput:
    """Return the volatility family's scores, regime and final signal (module docstring)."""
    p = params.volatility
    regime = volatility_regime(ctx.iv_short, ctx.iv_back, ctx.inputs.iv_percentile, p)
    notes: list[str] = []
    if ctx.iv_front is None and ctx.iv_back is None:
        notes.append("volatility: no ATM IV known, regime 'normal' by default")
    gamma = gamma_damping(ctx)
    flow = vega_flow(ctx)
    structure = blend([(gamma, p.weight_gamma), (flow, p.weight_flow)])
    term = slope = None
    if ctx.iv_short is not None and ctx.iv_back is not None:
        slope = ctx.iv_short / ctx.iv_back - 1.0
        term = math.tanh((slope - p.term_center) / p.term_scale)
    divergence = None
    if ctx.realized_vol is not None and ctx.iv_front is not None:
        divergence = math.tanh((ctx.realized_vol / ctx.iv_front - 1.0) / p.divergence_scale)
    else:
        notes.append("volatility: no realised vol from bars (divergence left out)")
    share = 1.0 - p.term_structure_weight - p.divergence_weight
    composite = blend(
        [(structure, share), (term, p.term_structure_weight), (divergence, p.divergence_weight)]
    )
    multiplier = p.regime_multipliers[regime]
    threshold = p.threshold * (1.0 + p.regime_adaptation_factor * (multiplier - 1.0))
    scores = {
        "volatility.gamma": _nan(gamma),
        "volatility.flow": _nan(flow),
        "volatility.structure": _nan(structure),
        "volatility.term_slope": _nan(slope),
        "volatility.term": _nan(term),
        "volatility.divergence": _nan(divergence),
        "volatility.composite": _nan(composite),
        "volatility.threshold": threshold,
    }
    labels = {"volatility.regime": regime}
    if composite is None:
        return FamilyOutput(
            family="volatility",
            scores=scores,
            labels=labels,
            notes=(*notes, "volatility: no score (no gamma, flow or IV near the price)"),
        )
    signals: tuple[Signal, ...] = ()
    directions: dict[str, int] = {}
    if abs(composite) >= threshold and ctx.iv_front is not None:
        direction = 1 if composite > 0 else -1
        name = EXPANSION if direction > 0 else CONTRACTION
        draft = Draft(
            family=SignalFamily.VOLATILITY,
            name=name,
            direction=direction,
            score=composite,
            strength=abs(composite),
            claim=Claim(
                kind=ClaimKind.VOLATILITY,
                horizon=claim_horizon(p.horizon, ctx.minutes_to_close),
                direction=direction,
                reference=ctx.iv_front,
            ),
            evidence=(
                ("gamma_damping", _nan(gamma)),
                ("vega_flow", _nan(flow)),
                ("term", _nan(term)),
                ("divergence", _nan(divergence)),
                ("iv_front", ctx.iv_front),
                ("iv_short", _nan(ctx.iv_short)),
                ("iv_back", _nan(ctx.iv_back)),
                ("realized_vol", _nan(ctx.realized_vol)),
                ("threshold", threshold),
            ),
        )
        signals = (finished(draft, ctx, state),)
        directions[name] = direction
    return FamilyOutput(
        family="volatility",
        scores=scores,
        signals=signals,
        directions=directions,
        labels=labels,
        notes=tuple(notes),
    )


def claim_horizon(horizon: Horizon, minutes_to_close: float) -> Horizon:
    """Return ``horizon``, moved to the next session when the close is under 30 minutes away."""
    if horizon is Horizon.CLOSE and not minutes_to_close >= _CLOSE_MINUTES:
        return Horizon.NEXT_SESSION
    return horizon


def _nan(x: float | None) -> float:
    return float("nan") if x is None else x


__all__ = [
    "CONTRACTION",
    "EXPANSION",
    "claim_horizon",
    "gamma_damping",
    "vega_flow",
    "volatility",
    "volatility_regime",
]
