"""Time decay signals (framework.md 3.3): pin risk, charm cascade, decay pressure.

All read the **front expiry** (earliest settlement after ``as_of``; ``signals.context``), with
``h`` hours to its settlement, ``T = exp(-h / pin_hours)`` (pressure builds into settlement) and
``EM = S IV_front sqrt(h / 8760)`` the expected move to settlement ($).

**Pin risk** at ``K*``, the front strike with the largest ``|GEX|`` within ``pin_window_atr`` ATR::

    C = min(1, (|GEX|_K* / sum |GEX| within band_atr) / concentration_reference)   concentration
    G = (1 + net_GEX_K* / |GEX|_K*) / 2          1: dealers long gamma there (they pin), 0: short
    P = exp(-0.5 ((S - K*) / max(EM, d))^2)      d = pin_distance_atr ATR: price at the strike
    A = mean over the last n bar closes of exp(-0.5 ((C_i - K*) / d)^2)   price action around K*
        (0.5, neutral, without bars)
    pin = clip(e C G P T (0.5 + 0.5 A), 0, 1)    e = pin_risk_enhancement_factor

**Charm cascade**: dealers' delta drifts by the front's dealer charm ``X`` ($ of delta per day) as
time passes; re-hedging it until settlement is a flow of ``H = -X min(days, 1)`` $ (they sell what
the drift adds). Expressed as the spot move whose gamma hedging is as large,
``M = 100 H / sum |GEX| within band`` (%), against the expected move ``EM% = 100 EM / S``::

    cascade = tanh(|M| / EM%) T,   direction sgn(H)

**Decay pressure**: share of ``|D-TDPI|`` within the band, times ``T``.
``composite = (1 - c - k) pin + c cascade + k decay`` (c = charm_cascade_prediction_weight,
k = decay_weight).

**Expiration-aware thresholds**: ``threshold (1 + expiration_scaling_factor days)`` (0DTE: the
base threshold; later expiries need more); fronts beyond ``max_days`` give no final signal.

Claims: pin: settle within ``d`` of ``K*`` at the front's settlement; charm cascade: the
underlying moves in ``sgn(H)`` by the close (``horizon`` close, or the next session with under 30
minutes left), reference spot.
"""

from __future__ import annotations

import math

import numpy as np

from eots.signals.context import Front, SignalContext
from eots.signals.model import Claim, ClaimKind, Horizon, SignalFamily
from eots.signals.output import Draft, FamilyOutput, finished, sign
from eots.signals.params import SignalParams
from eots.signals.state import SignalState
from eots.signals.volatility import claim_horizon

PIN = "time_decay.pin_risk"
CASCADE = "time_decay.charm_cascade"
_HOURS_PER_YEAR = 8760.0


def pin_strike(ctx: SignalContext, front: Front, params: SignalParams) -> int | None:
    """Return the index (in ``front.strike``) of the pin candidate ``K*`` (None: none near)."""
    window = np.abs(front.strike - ctx.spot) <= params.time_decay.pin_window_atr * ctx.atr
    if not window.any() or not (front.abs_gex[window] > 0).any():
        return None
    idx = np.flatnonzero(window)
    return int(idx[np.argmax(front.abs_gex[idx])])


def expected_move(ctx: SignalContext, front: Front) -> float:
    """Return the expected move to the front's settlement, $ (0 without an IV)."""
    if ctx.iv_front is None:
        return 0.0
    return ctx.spot * ctx.iv_front * math.sqrt(max(front.hours, 0.0) / _HOURS_PER_YEAR)


def pin_parts(ctx: SignalContext, front: Front, k: int, params: SignalParams) -> dict[str, float]:
    """Return the factors C, G, P, T, A of the pin score at front strike index ``k``."""
    p = params.time_decay
    strike = float(front.strike[k])
    band = np.abs(front.strike - ctx.spot) <= params.proximity.band_atr * ctx.atr
    near_total = float(front.abs_gex[band].sum())
    share = front.abs_gex[k] / near_total if near_total > 0 else 0.0
    distance = p.pin_distance_atr * ctx.atr
    scale = max(expected_move(ctx, front), distance)
    closes = ctx.closes[-p.price_action_bars :]
    action = (
        float(np.mean(np.exp(-0.5 * ((closes - strike) / distance) ** 2)))
        if closes.size
        else float("nan")
    )
    return {
        "strike": strike,
        "concentration": min(1.0, float(share) / p.concentration_reference),
        "gamma_sign": float((1.0 + front.net_gex[k] / front.abs_gex[k]) / 2.0),
        "proximity": math.exp(-0.5 * ((ctx.spot - strike) / scale) ** 2),
        "time": math.exp(-front.hours / p.pin_hours),
        "price_action": action,
        "distance": distance,
    }


def pin_score(parts: dict[str, float], enhancement: float) -> float:
    """Return ``clip(e C G P T (0.5 + 0.5 A), 0, 1)`` (A NaN counts as 0.5)."""
    a = parts["price_action"] if math.isfinite(parts["price_action"]) else 0.5
    raw = (
        enhancement
        * parts["concentration"]
        * parts["gamma_sign"]
        * parts["proximity"]
        * parts["time"]
        * (0.5 + 0.5 * a)
    )
    return min(1.0, max(0.0, raw))


def charm_cascade(ctx: SignalContext, front: Front, params: SignalParams) -> tuple[float, float]:
    """Return (cascade strength 0..1, hedge flow H in $) for the front expiry."""
    hedge = -front.charm_usd_per_day * min(front.days, 1.0)
    gamma_scale = float(ctx.abs_gex_k[ctx.gex_weight > 0].sum())
    em_pct = 100.0 * expected_move(ctx, front) / ctx.spot
    if gamma_scale <= 0 or em_pct <= 0:
        return 0.0, hedge
    move_pct = 100.0 * hedge / gamma_scale
    time = math.exp(-front.hours / params.time_decay.pin_hours)
    return math.tanh(abs(move_pct) / em_pct) * time, hedge


def decay_pressure(ctx: SignalContext, front: Front, params: SignalParams) -> float:
    """Return the near-price share of ``|D-TDPI|`` times the time factor (0..1)."""
    d = np.abs(np.nan_to_num(ctx.metric("d_tdpi")))
    total = float(d.sum())
    if total <= 0:
        return 0.0
    near = float(d[ctx.weight > 0].sum())
    return near / total * math.exp(-front.hours / params.time_decay.pin_hours)


def pin_horizon(ctx: SignalContext, front: Front) -> Horizon:
    """Return ``close`` when the front settles by this session's close, else ``next_session``."""
    return Horizon.CLOSE if front.hours * 60.0 <= ctx.minutes_to_close else Horizon.NEXT_SESSION


def time_decay(
    ctx: SignalContext, state: SignalState, params: SignalParams, upstream: dict[str, float]
) -> FamilyOutput:
    """Return the time-decay family's scores and final signals (module docstring)."""
    front = ctx.front
    if front is None:
        return FamilyOutput(family="time_decay", notes=("time_decay: no live expiry",))
    p = params.time_decay
    k = pin_strike(ctx, front, params)
    parts = pin_parts(ctx, front, k, params) if k is not None else None
    pin = pin_score(parts, p.pin_risk_enhancement_factor) if parts is not None else 0.0
    cascade, hedge = charm_cascade(ctx, front, params)
    decay = decay_pressure(ctx, front, params)
    composite = (
        (1.0 - p.charm_cascade_prediction_weight - p.decay_weight) * pin
        + p.charm_cascade_prediction_weight * cascade
        + p.decay_weight * decay
    )
    threshold = p.threshold * (1.0 + p.expiration_scaling_factor * front.days)
    scores = {
        PIN: pin,
        CASCADE: cascade,
        "time_decay.charm_cascade_signed": cascade * sign(hedge),
        "time_decay.decay": decay,
        "time_decay.composite": composite,
        "time_decay.threshold": threshold,
        "time_decay.hours_to_settlement": front.hours,
    }
    notes: list[str] = []
    if ctx.iv_front is None:
        notes.append("time_decay: no front IV (no expected move, no cascade)")
    if parts is not None and not math.isfinite(parts["price_action"]):
        notes.append("time_decay: no bars, pin price action neutral (0.5)")
    drafts: list[Draft] = []
    if front.days <= p.max_days:
        horizon = claim_horizon(Horizon.CLOSE, ctx.minutes_to_close)
        if parts is not None and pin >= threshold:
            drafts.append(_pin_draft(ctx, front, parts, pin, threshold))
        if cascade >= threshold and sign(hedge) != 0:
            drafts.append(_cascade_draft(ctx, cascade, hedge, threshold, horizon))
    signals = tuple(finished(d, ctx, state) for d in drafts)
    return FamilyOutput(
        family="time_decay",
        scores=scores,
        signals=signals,
        directions={d.run_key: d.run_direction for d in drafts},
        notes=tuple(notes),
    )


def _pin_draft(
    ctx: SignalContext, front: Front, parts: dict[str, float], pin: float, threshold: float
) -> Draft:
    strike, distance = parts["strike"], parts["distance"]
    return Draft(
        family=SignalFamily.TIME_DECAY,
        name=PIN,
        direction=0,
        score=pin,
        strength=pin,
        claim=Claim(
            kind=ClaimKind.PIN,
            horizon=pin_horizon(ctx, front),
            direction=0,
            strike=strike,
            distance=distance,
            settles_at=front.settles_at,
        ),
        evidence=(
            ("concentration", parts["concentration"]),
            ("gamma_sign", parts["gamma_sign"]),
            ("proximity", parts["proximity"]),
            ("time", parts["time"]),
            ("price_action", parts["price_action"]),
            ("hours_to_settlement", front.hours),
            ("threshold", threshold),
        ),
        strike=strike,
        zone=(strike - distance, strike + distance),
        key=f"{PIN}@{strike:g}",
    )


def _cascade_draft(
    ctx: SignalContext, cascade: float, hedge: float, threshold: float, horizon: Horizon
) -> Draft:
    direction = sign(hedge)
    return Draft(
        family=SignalFamily.TIME_DECAY,
        name=CASCADE,
        direction=direction,
        score=cascade,
        strength=cascade,
        claim=Claim(
            kind=ClaimKind.DIRECTION, horizon=horizon, direction=direction, reference=ctx.spot
        ),
        evidence=(("hedge_flow_usd", hedge), ("threshold", threshold)),
    )


__all__ = [
    "CASCADE",
    "PIN",
    "charm_cascade",
    "decay_pressure",
    "expected_move",
    "pin_horizon",
    "pin_parts",
    "pin_score",
    "pin_strike",
    "time_decay",
]
