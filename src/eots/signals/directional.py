"""Adaptive directional signal (framework.md 3.1): one continuous score in -1..1 and its claim.

With ``w_k`` the proximity weights of the strikes near the price (``signals.context``):

1. continuous directional score from the chain::

       structure = sum w MSPI / sum w                              (MSPI per strike, -1..1)
       consensus = sum w c / sum w,  c = mean(sgn DAG, sgn A-DAG, sgn SDAG_mult, sgn SDAG_dir)
       flow      = sum w F / sum w |F|                             (F = net_value_pressure)
       raw       = (a_s structure + a_c consensus + a_f flow) / (a_s + a_c + a_f)

   (the consensus is the "Enhanced Formula Analysis" vote of base_system.md 6.5; a part whose
   inputs are missing, e.g. flow without side-classified trades, drops out of the mean);
2. price momentum from the bars, ``m`` in -1..1 (``signals.context``);
   ``base = (1 - mw) raw + mw m`` (``raw`` alone without bars);
3. persistence: ``p`` = consecutive updates (this one included) in which ``sgn(base)`` held,
   ``composite = clip(base (1 + pf min(p - 1, P) / P), -1, 1)``;
4. volatility-adjusted stars: ``strength = min(1, |composite| / v)``,
   ``v = clip(IV_front / vol_reference, range) ** k``; dividing the strength by ``v`` is the same
   as multiplying every threshold of the one star ladder by ``v``: a hot market needs more;
5. final signal when ``|composite| >= adaptive threshold`` =
   ``min(cap, max(minimum_score_threshold, Q_q(|recent composites|)))``.

Claim: the underlying moves in ``sgn(composite)`` over ``horizon`` from spot (reference).
"""

from __future__ import annotations

import numpy as np

from eots.signals.context import SignalContext
from eots.signals.model import Claim, ClaimKind, Signal, SignalFamily
from eots.signals.output import Draft, FamilyOutput, finished, sign
from eots.signals.params import SignalParams
from eots.signals.scale import adaptive_threshold, blend, clip, weighted_mean
from eots.signals.state import SignalState

NAME = "directional.composite"
RUN = "directional.base"
_VOTES = ("dag_custom", "a_dag", "sdag_multiplicative", "sdag_directional")


def consensus_votes(ctx: SignalContext) -> np.ndarray:
    """Return each strike's mean sign over the four DAG/SDAG measures (NaN when none known)."""
    votes = np.vstack([np.sign(ctx.metric(c)) for c in _VOTES])
    known = np.isfinite(votes)
    n = known.sum(axis=0)
    total = np.where(known, votes, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / n, np.nan)


def signed_flow(ctx: SignalContext) -> float | None:
    """Return the near-price flow imbalance ``sum w F / sum w |F|`` in -1..1 (None: no flow)."""
    f = ctx.metric("net_value_pressure")
    ok = np.isfinite(f) & (ctx.weight > 0)
    denom = float((ctx.weight[ok] * np.abs(f[ok])).sum())
    if denom <= 0:
        return None
    return float((ctx.weight[ok] * f[ok]).sum() / denom)


def directional(
    ctx: SignalContext, state: SignalState, params: SignalParams, upstream: dict[str, float]
) -> FamilyOutput:
    """Return the directional family's scores and final signal (module docstring)."""
    p = params.directional
    structure = weighted_mean(ctx.metric("mspi"), ctx.weight)
    consensus = weighted_mean(consensus_votes(ctx), ctx.weight)
    flow = signed_flow(ctx)
    raw = blend(
        [(structure, p.weight_structure), (consensus, p.weight_consensus), (flow, p.weight_flow)]
    )
    notes: list[str] = []
    if flow is None:
        notes.append("directional: no signed flow near the price (flow part left out)")
    if raw is None:
        return FamilyOutput(
            family="directional",
            notes=(*notes, "directional: no metric near the price, no score"),
        )
    momentum = ctx.momentum
    if momentum is None:
        notes.append("directional: too few bars for momentum (chain-only score)")
    base = (
        raw if momentum is None else (1.0 - p.momentum_weight) * raw + p.momentum_weight * momentum
    )
    direction = sign(base)
    run = state.persistence(RUN, direction)
    boost = 1.0 + p.persistence_factor * min(run - 1, p.persistence_full) / p.persistence_full
    composite = clip(base * boost, -1.0, 1.0)
    vol_factor = 1.0
    if ctx.iv_front is not None:
        lo, hi = p.vol_factor_range
        vol_factor = clip(ctx.iv_front / p.vol_reference, lo, hi) ** p.vol_star_exponent
    threshold = adaptive_threshold(
        state.series(NAME),
        floor=p.minimum_score_threshold,
        quantile=p.adaptive_quantile,
        cap=p.adaptive_cap,
        min_n=params.state.adaptive_min_updates,
    )
    scores = {
        "directional.structure": _nan(structure),
        "directional.consensus": _nan(consensus),
        "directional.flow": _nan(flow),
        "directional.momentum": _nan(momentum),
        "directional.raw": raw,
        NAME: composite,
        "directional.threshold": threshold,
    }
    directions = {RUN: direction}
    signals: tuple[Signal, ...] = ()
    if abs(composite) >= threshold and direction != 0:
        band = params.proximity.band_atr * ctx.atr
        draft = Draft(
            family=SignalFamily.DIRECTIONAL,
            name=NAME,
            direction=direction,
            score=composite,
            strength=abs(composite) / vol_factor,
            claim=Claim(
                kind=ClaimKind.DIRECTION,
                horizon=p.horizon,
                direction=direction,
                reference=ctx.spot,
            ),
            evidence=(
                ("structure_mspi", _nan(structure)),
                ("consensus", _nan(consensus)),
                ("flow", _nan(flow)),
                ("momentum", _nan(momentum)),
                ("persistence", float(run)),
                ("vol_factor", vol_factor),
                ("threshold", threshold),
            ),
            zone=(ctx.spot - band, ctx.spot + band),
        )
        signals = (finished(draft, ctx, state),)
        directions[NAME] = direction
    return FamilyOutput(
        family="directional",
        scores=scores,
        signals=signals,
        directions=directions,
        notes=tuple(notes),
    )


def _nan(x: float | None) -> float:
    return float("nan") if x is None else x


__all__ = ["NAME", "consensus_votes", "directional", "signed_flow"]
