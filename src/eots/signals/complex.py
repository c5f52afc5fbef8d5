"""Predictive complex signals (framework.md 3.4): structure change, flow divergence, SDAG.

With ``w`` the proximity weights near the price and the carried state's recent updates:

**Structure change** (early detection)::

    SSI_near = sum w SSI / sum w                      (SSI 0..1, 1 = stable structure)
    level    = 1 - SSI_near
    early    = max(0, tanh(z / early_z_scale)),  z = (mean(recent SSI_near) - SSI_near)
                                                      / (std(recent SSI_near) + 0.001)
               (0 until ``adaptive_min_updates`` recent values exist)
    flip     = exp(-0.5 ((S - zero gamma) / (flip_width_atr ATR))^2)  (0 without a crossing)
    structure_change = clip(s level + b early + f flip, 0, 1)

**Flow divergence**: the near-price signed flow imbalance ``F`` (``directional.signed_flow``)
against the bar momentum ``m``: when their signs differ, ``sqrt(|tanh(F / flow_z_scale)| |m|)``
with the direction of the flow (flow leads price); 0 otherwise or when either is unknown.

**SDAG conviction**: ``sum w s d / sum w`` with the E-SDAG conviction score ``s`` (0..1) and
direction ``d`` per strike.

**Cross-signal correlation**: ``rho`` = Pearson correlation of the recent (and current) SDAG
conviction and directional composite scores (0 until ``correlation_min_updates`` pairs).

**Composite** (directional, -1..1)::

    base      = mean of the known SDAG conviction and signed flow divergence
    composite = clip(base (1 + c rho) (1 - structure_change / 2), -1, 1)

(agreement with the directional family in the recent past strengthens it; an unstable structure
weakens it). **Adaptive thresholds**: each score needs ``min(cap, max(threshold, Q_q(|recent|)))``.

Claims: structure change: realised vol over ``horizon`` above the front ATM IV; flow divergence,
SDAG conviction and the composite: the underlying moves in their direction over ``horizon``.
"""

from __future__ import annotations

import math

import numpy as np

from eots.signals.context import SignalContext
from eots.signals.directional import NAME as DIRECTIONAL_COMPOSITE
from eots.signals.directional import signed_flow
from eots.signals.model import Claim, ClaimKind, SignalFamily
from eots.signals.output import Draft, FamilyOutput, finished, sign
from eots.signals.params import SignalParams
from eots.signals.scale import adaptive_threshold, blend, clip, weighted_mean
from eots.signals.state import SignalState

STRUCTURE = "complex.structure_change"
DIVERGENCE = "complex.flow_divergence"
SDAG = "complex.sdag_conviction"
COMPOSITE = "complex.composite"
SSI_NEAR = "complex.ssi_near"


def structure_change(
    ctx: SignalContext, state: SignalState, params: SignalParams
) -> tuple[float, dict[str, float]]:
    """Return the structure-change score and its parts (module docstring)."""
    p = params.complex
    ssi_near = weighted_mean(ctx.metric("ssi"), ctx.weight)
    level = 0.0 if ssi_near is None else clip(1.0 - ssi_near, 0.0, 1.0)
    early = 0.0
    recent = state.series(SSI_NEAR)
    recent = recent[np.isfinite(recent)]
    if ssi_near is not None and recent.size >= params.state.adaptive_min_updates:
        z = (float(recent.mean()) - ssi_near) / (float(recent.std()) + 1e-3)
        early = max(0.0, math.tanh(z / p.early_z_scale))
    zg = ctx.inputs.zero_gamma
    flip = 0.0
    if zg is not None and math.isfinite(zg):
        flip = math.exp(-0.5 * ((ctx.spot - zg) / (p.flip_width_atr * ctx.atr)) ** 2)
    score = clip(
        p.structure_change_sensitivity * level
        + p.early_detection_bonus * early
        + p.flip_weight * flip,
        0.0,
        1.0,
    )
    parts = {
        SSI_NEAR: float("nan") if ssi_near is None else ssi_near,
        "complex.ssi_level": level,
        "complex.early": early,
        "complex.flip": flip,
    }
    return score, parts


def flow_divergence(ctx: SignalContext, params: SignalParams) -> float | None:
    """Return the signed flow-versus-momentum divergence (None: flow or momentum unknown)."""
    flow = signed_flow(ctx)
    m = ctx.momentum
    if flow is None or m is None:
        return None
    f = math.tanh(flow / params.complex.flow_z_scale)
    if sign(f) == 0 or sign(m) == 0 or sign(f) == sign(m):
        return 0.0
    return math.copysign(math.sqrt(abs(f) * abs(m)), f)


def sdag_conviction(ctx: SignalContext) -> float | None:
    """Return the near-price mean of E-SDAG conviction times its direction (-1..1)."""
    signed = ctx.metric("sdag_conviction_score") * ctx.metric("sdag_conviction_direction")
    return weighted_mean(signed, ctx.weight)


def cross_correlation(state: SignalState, current: tuple[float, float], min_n: int) -> float:
    """Return the correlation of recent SDAG conviction and directional composite scores."""
    a = np.append(state.series(SDAG), current[0])
    b = np.append(state.series(DIRECTIONAL_COMPOSITE), current[1])
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < min_n or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return 0.0
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def complex_signals(
    ctx: SignalContext, state: SignalState, params: SignalParams, upstream: dict[str, float]
) -> FamilyOutput:
    """Return the complex family's scores and final signals (module docstring)."""
    p = params.complex
    sc, parts = structure_change(ctx, state, params)
    divergence = flow_divergence(ctx, params)
    conviction = sdag_conviction(ctx)
    directional = upstream.get(DIRECTIONAL_COMPOSITE, float("nan"))
    rho = cross_correlation(state, (_nan(conviction), directional), p.correlation_min_updates)
    base = blend([(conviction, 1.0), (divergence, 1.0)])
    composite = (
        None
        if base is None
        else clip(base * (1.0 + p.cross_correlation_weight * rho) * (1.0 - sc / 2.0), -1.0, 1.0)
    )
    scores = {
        STRUCTURE: sc,
        DIVERGENCE: _nan(divergence),
        SDAG: _nan(conviction),
        "complex.correlation": rho,
        COMPOSITE: _nan(composite),
        **parts,
    }
    notes: list[str] = []
    if divergence is None:
        notes.append("complex: flow divergence needs signed flow and bars (left out)")
    drafts: list[Draft] = []
    thresholds: dict[str, float] = {}
    for name, value in (
        (STRUCTURE, sc),
        (DIVERGENCE, divergence),
        (SDAG, conviction),
        (COMPOSITE, composite),
    ):
        thr = adaptive_threshold(
            state.series(name),
            floor=p.threshold,
            quantile=p.adaptive_quantile,
            cap=p.adaptive_cap,
            min_n=params.state.adaptive_min_updates,
        )
        thresholds[name] = thr
        if value is None or abs(value) < thr:
            continue
        drafts.append(_draft(ctx, name, value, thr, params))
    scores.update({f"{n}.threshold": t for n, t in thresholds.items()})
    drafts = [
        d for d in drafts if d.claim.kind is not ClaimKind.VOLATILITY or ctx.iv_front is not None
    ]
    return FamilyOutput(
        family="complex",
        scores=scores,
        signals=tuple(finished(d, ctx, state) for d in drafts),
        directions={d.run_key: d.run_direction for d in drafts},
        notes=tuple(notes),
    )


def _draft(
    ctx: SignalContext, name: str, value: float, threshold: float, params: SignalParams
) -> Draft:
    horizon = params.complex.horizon
    if name == STRUCTURE:
        claim = Claim(
            kind=ClaimKind.VOLATILITY, horizon=horizon, direction=1, reference=ctx.iv_front
        )
        direction = 1
        zone = None
        if ctx.inputs.zero_gamma is not None:
            zone = (min(ctx.spot, ctx.inputs.zero_gamma), max(ctx.spot, ctx.inputs.zero_gamma))
    else:
        direction = sign(value)
        claim = Claim(
            kind=ClaimKind.DIRECTION, horizon=horizon, direction=direction, reference=ctx.spot
        )
        zone = None
    return Draft(
        family=SignalFamily.COMPLEX,
        name=name,
        direction=direction,
        score=abs(value),
        strength=abs(value),
        claim=claim,
        evidence=((name.split(".", 1)[1], value), ("threshold", threshold)),
        zone=zone,
    )


def _nan(x: float | None) -> float:
    return float("nan") if x is None else x


__all__ = [
    "COMPOSITE",
    "DIVERGENCE",
    "SDAG",
    "STRUCTURE",
    "complex_signals",
    "cross_correlation",
    "flow_divergence",
    "sdag_conviction",
    "structure_change",
]
