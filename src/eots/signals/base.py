"""The base system's eight signals (base_system.md 6.1, [ITS241]) as the baseline.

Per strike (strike-aggregated metrics, strikes within ``band_pct`` of spot; the dynamic thresholds
are taken over every strike of the snapshot, as the original does), with the [ITS241] defaults:

* directional: ``|SAI| >= T_sai`` and ``MSPI != 0`` (direction sgn MSPI);
  points ``3 + 2 (|SAI| - T_sai)``;
* volatility_expansion: ``|VRI| > 1.5 mean(VRI)`` and ``VFI > 1.2``; ``2 + 1.5 (VFI - 1.2)``;
* volatility_contraction: ``|VRI| < 0.5 mean(VRI)``, ``VFI < 0.8`` and ``SSI >= P85(SSI)``;
  ``2 + 2 (SSI - T_ssi)``;
* pin_risk: ``|TDPI| > T = 1.5 mean(TDPI)``; ``1.5 + 0.5 (|TDPI| - T)``;
* charm_cascade: ``CTR > 1.2`` and ``TDFI > 1.2``; ``1.5 + 0.3 CTR + 0.3 TDFI``;
* structure_change: ``SSI <= T = P15(SSI)``;
  ``clip(2 + 3 (T - SSI) / (T - max(0, T - 2 split)), 0, 5)``;
* flow_divergence: ``ARFI > med``; ``clip(1.5 + 2 (ARFI - med) / (high - med), 0, 5)``;
* sdag_conviction: at least 2 of the 4 SDAG methods share a sign (more than the other sign);
  ``1 + 0.75 count``.

A mean that is not finite falls back to the configured value. Points map to the one 0..1 scale
through the original's ladder (0.5/1/2/3/4 points -> 0.1/0.3/0.5/0.7/0.9, linear between, 5 -> 1),
so a base signal keeps its original star count and is never run through a ladder twice. The
``max_per_signal`` highest-scoring strikes of each type are kept (nearest spot first on ties).

The original's signals state no claim; ours are assigned (documented in docs/signals.md):
directional and SDAG conviction: direction over ``directional.horizon``; expansion, structure
change and flow divergence ("high relative flow"): realised vol over the close above the front ATM
IV, contraction: below it; pin risk: settlement within ``pin_distance_atr`` ATR of the strike;
charm cascade (no direction in the original): the direction of the strike's dealer charm
re-hedging, ``-sgn(charm)``, by the close.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from eots.signals.context import SignalContext
from eots.signals.model import Claim, ClaimKind, Horizon, SignalFamily
from eots.signals.output import Draft, FamilyOutput, finished
from eots.signals.params import BaseSignalParams, SignalParams
from eots.signals.state import SignalState
from eots.signals.time_decay import pin_horizon
from eots.signals.volatility import claim_horizon

FloatArray = NDArray[np.float64]
_STRENGTH = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
_SDAG = ("sdag_multiplicative", "sdag_directional", "sdag_weighted", "sdag_volatility_focused")


def points_strength(points: FloatArray, ladder: tuple[float, ...]) -> FloatArray:
    """Map base points to the 0..1 scale so the original's star ladder is preserved.

    Examples
    --------
    >>> points_strength(np.array([0.5, 2.0, 3.5, 9.0]), (0.5, 1.0, 2.0, 3.0, 4.0)).round(2)
    array([0.1, 0.5, 0.8, 1. ])
    """
    xs = (0.0, *ladder, ladder[-1] + 1.0)
    return np.asarray(np.interp(points, xs, _STRENGTH), dtype=np.float64)


def _mean_or(x: FloatArray, fallback: float) -> float:
    m = float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")
    return m if np.isfinite(m) else fallback


def _triggers(ctx: SignalContext, p: BaseSignalParams) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Return, per base signal, (points, direction) per strike (points NaN where not fired)."""
    m = ctx.metric
    sai, mspi, vri, vfi, ssi = m("sai"), m("mspi"), m("vri"), m("vfi"), m("ssi")
    tdpi, ctr, tdfi, arfi = m("tdpi"), m("ctr"), m("tdfi"), m("arfi")
    nan = np.full(ctx.strike.size, np.nan)
    one = np.ones(ctx.strike.size)
    with np.errstate(invalid="ignore"):
        fired = (np.abs(sai) >= p.t_sai) & (mspi != 0) & np.isfinite(mspi)
        directional = np.where(fired, 3.0 + 2.0 * (np.abs(sai) - p.t_sai), nan)
        t_vri = p.vri_expansion_factor * _mean_or(vri, p.vri_fallback / p.vri_expansion_factor)
        expansion = np.where(
            (np.abs(vri) > t_vri) & (vfi > p.vfi_expansion),
            2.0 + 1.5 * (vfi - p.vfi_expansion),
            nan,
        )
        t_vri_c = p.vri_contraction_factor * _mean_or(vri, p.vri_fallback)
        t_ssi = float(np.nanpercentile(ssi, p.ssi_percentile)) if np.isfinite(ssi).any() else 1.0
        contraction = np.where(
            (np.abs(vri) < t_vri_c) & (vfi < p.vfi_contraction) & (ssi >= t_ssi),
            2.0 + 2.0 * (ssi - t_ssi),
            nan,
        )
        t_tdpi = p.tdpi_factor * _mean_or(tdpi, p.tdpi_fallback / p.tdpi_factor)
        pin = np.where(np.abs(tdpi) > t_tdpi, 1.5 + 0.5 * (np.abs(tdpi) - t_tdpi), nan)
        cascade = np.where(
            (ctr > p.ctr_threshold) & (tdfi > p.tdfi_threshold),
            1.5 + 0.3 * ctr + 0.3 * tdfi,
            nan,
        )
        t_sc = float(np.nanpercentile(ssi, p.sc_percentile)) if np.isfinite(ssi).any() else 0.0
        span = t_sc - max(0.0, t_sc - 2.0 * p.sc_split) + 1e-9
        structure = np.where(ssi <= t_sc, np.clip(2.0 + 3.0 * (t_sc - ssi) / span, 0, 5), nan)
        med, high = p.arfi_tiers
        flow = np.where(arfi > med, np.clip(1.5 + 2.0 * (arfi - med) / (high - med), 0, 5), nan)
        sdag = np.vstack([m(c) for c in _SDAG])
        pos, neg = (sdag > 0).sum(axis=0), (sdag < 0).sum(axis=0)
        bull = (pos >= p.sdag_min_agreement) & (pos > neg)
        bear = (neg >= p.sdag_min_agreement) & (neg > pos)
        count = np.where(bull, pos, np.where(bear, neg, 0))
        conviction = np.where(bull | bear, 1.0 + 0.75 * count, nan)
    charm = _charm_at(ctx)
    return {
        "base.directional": (directional, np.sign(mspi)),
        "base.volatility_expansion": (expansion, one),
        "base.volatility_contraction": (contraction, -one),
        "base.pin_risk": (pin, np.zeros(ctx.strike.size)),
        "base.charm_cascade": (cascade, -np.sign(charm)),
        "base.structure_change": (structure, one),
        "base.flow_divergence": (flow, one),
        "base.sdag_conviction": (conviction, np.where(bull, 1.0, -1.0)),
    }


def _charm_at(ctx: SignalContext) -> FloatArray:
    order = np.argsort(ctx.gex_strike)
    ks = ctx.gex_strike[order]
    i = np.clip(np.searchsorted(ks, ctx.strike), 0, max(ks.size - 1, 0))
    if ks.size == 0:
        return np.zeros(ctx.strike.size)
    found = ks[i] == ctx.strike
    return np.where(found, ctx.charm_k[order][i], 0.0)


def base_signals(
    ctx: SignalContext, state: SignalState, params: SignalParams, upstream: dict[str, float]
) -> FamilyOutput:
    """Return the eight base signals at their best strikes (module docstring)."""
    p = params.base
    band = np.abs(ctx.strike - ctx.spot) <= p.band_pct * ctx.spot
    drafts: list[Draft] = []
    scores: dict[str, float] = {}
    for name, (points, direction) in _triggers(ctx, p).items():
        ok = band & np.isfinite(points) & (direction != 0 if name != "base.pin_risk" else True)
        idx = np.flatnonzero(ok)
        scores[f"{name}.count"] = float(idx.size)
        if idx.size == 0:
            continue
        order = np.lexsort((np.abs(ctx.strike[idx] - ctx.spot), -points[idx]))
        for i in idx[order][: p.max_per_signal]:
            draft = _draft(
                ctx, name, float(points[i]), int(direction[i]), float(ctx.strike[i]), params
            )
            if draft is not None:
                drafts.append(draft)
    signed = [d.strength * d.direction for d in drafts if d.claim.kind is ClaimKind.DIRECTION]
    vol = [d.strength * d.direction for d in drafts if d.claim.kind is ClaimKind.VOLATILITY]
    scores["base.direction"] = float(np.mean(signed)) if signed else float("nan")
    scores["base.volatility"] = float(np.mean(vol)) if vol else float("nan")
    return FamilyOutput(
        family="base",
        scores=scores,
        signals=tuple(finished(d, ctx, state) for d in drafts),
        directions={d.run_key: d.run_direction for d in drafts},
    )


def _draft(
    ctx: SignalContext,
    name: str,
    points: float,
    direction: int,
    strike: float,
    params: SignalParams,
) -> Draft | None:
    strength = float(points_strength(np.array([points]), params.base.points_ladder)[0])
    close = claim_horizon(Horizon.CLOSE, ctx.minutes_to_close)
    if name == "base.pin_risk":
        front = ctx.front
        if front is None:
            return None
        distance = params.time_decay.pin_distance_atr * ctx.atr
        claim = Claim(
            kind=ClaimKind.PIN,
            horizon=pin_horizon(ctx, front),
            direction=0,
            strike=strike,
            distance=distance,
            settles_at=front.settles_at,
        )
    elif name in ("base.directional", "base.sdag_conviction", "base.charm_cascade"):
        horizon = close if name == "base.charm_cascade" else params.directional.horizon
        claim = Claim(
            kind=ClaimKind.DIRECTION, horizon=horizon, direction=direction, reference=ctx.spot
        )
    else:
        if ctx.iv_front is None:
            return None
        claim = Claim(
            kind=ClaimKind.VOLATILITY, horizon=close, direction=direction, reference=ctx.iv_front
        )
    family = {
        "base.directional": SignalFamily.DIRECTIONAL,
        "base.sdag_conviction": SignalFamily.COMPLEX,
        "base.structure_change": SignalFamily.COMPLEX,
        "base.flow_divergence": SignalFamily.COMPLEX,
        "base.pin_risk": SignalFamily.TIME_DECAY,
        "base.charm_cascade": SignalFamily.TIME_DECAY,
    }.get(name, SignalFamily.VOLATILITY)
    signed = family in (SignalFamily.DIRECTIONAL, SignalFamily.VOLATILITY)
    return Draft(
        family=family,
        name=name,
        direction=direction,
        score=strength * direction if signed else strength,
        strength=strength,
        claim=claim,
        evidence=(("points", points),),
        strike=strike,
        baseline=True,
        key=f"{name}@{strike:g}",
    )


__all__ = ["base_signals", "points_strength"]
