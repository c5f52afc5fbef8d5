"""Serialisation of a ``SignalReport``: a JSON-ready dict and the ``signals.parquet`` frame.

``SIGNALS_FRAME_SCHEMA`` (one row per standing signal; the replay writes it, the evaluation reads
it; suppressed signals are not rows, they are named in the integration's conflicts):

=============== ================= ==========================================================
column          dtype             meaning
=============== ================= ==========================================================
ts_event        Datetime(us, UTC) the snapshot's instant (the claim's time)
snapshot_id     String            the snapshot the signal came from
family          String            directional / volatility / time_decay / complex
name            String            registry name (``time_decay.pin_risk``, ``base.directional``)
direction       Int8              +1 bullish/expansion, -1 bearish/contraction, 0 (pin)
score           Float64           continuous score (sign = direction for -1..1 families)
strength        Float64           0..1 conviction
stars           Int8              0..5 (conventions.md section 6)
strike          Float64 (null)    strike the signal refers to, $
zone_low/high   Float64 (null)    price zone, $
persistence     Int32             consecutive updates held (1 = first seen)
baseline        Boolean           a base-system signal
claim_kind      String            direction / volatility / pin
horizon         String            5m / 30m / close / next_session
claim_direction Int8              the claim's direction
reference       Float64 (null)    spot $ (direction) or annualised vol (volatility)
claim_strike    Float64 (null)    pin strike, $
distance        Float64 (null)    pin band, $
settles_at      Datetime(us, UTC) pin settlement instant (null otherwise)
=============== ================= ==========================================================
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from eots.signals.model import Conflict, Signal, SignalIntegration
from eots.signals.report import SignalReport

_TS = pl.Datetime("us", "UTC")
SIGNALS_FRAME_SCHEMA = pl.Schema(
    {
        "ts_event": _TS,
        "snapshot_id": pl.String(),
        "family": pl.String(),
        "name": pl.String(),
        "direction": pl.Int8(),
        "score": pl.Float64(),
        "strength": pl.Float64(),
        "stars": pl.Int8(),
        "strike": pl.Float64(),
        "zone_low": pl.Float64(),
        "zone_high": pl.Float64(),
        "persistence": pl.Int32(),
        "baseline": pl.Boolean(),
        "claim_kind": pl.String(),
        "horizon": pl.String(),
        "claim_direction": pl.Int8(),
        "reference": pl.Float64(),
        "claim_strike": pl.Float64(),
        "distance": pl.Float64(),
        "settles_at": _TS,
    }
)


def signals_frame(report: SignalReport, snapshot_id: str) -> pl.DataFrame:
    """Return the standing signals as one ``SIGNALS_FRAME_SCHEMA`` row each."""
    rows = [
        {
            "ts_event": s.ts_event,
            "snapshot_id": snapshot_id,
            "family": s.family.value,
            "name": s.name,
            "direction": s.direction,
            "score": s.score,
            "strength": s.strength,
            "stars": s.stars,
            "strike": s.strike,
            "zone_low": s.zone[0] if s.zone else None,
            "zone_high": s.zone[1] if s.zone else None,
            "persistence": s.persistence,
            "baseline": s.baseline,
            "claim_kind": s.claim.kind.value,
            "horizon": s.claim.horizon.value,
            "claim_direction": s.claim.direction,
            "reference": s.claim.reference,
            "claim_strike": s.claim.strike,
            "distance": s.claim.distance,
            "settles_at": s.claim.settles_at,
        }
        for s in report.signals
    ]
    return pl.DataFrame(rows, schema=SIGNALS_FRAME_SCHEMA)


def signal_json(s: Signal) -> dict[str, Any]:
    """Return one signal as JSON-ready values (NaN as null, instants as ISO 8601)."""
    c = s.claim
    return {
        "family": s.family.value,
        "name": s.name,
        "direction": s.direction,
        "score": _num(s.score),
        "strength": _num(s.strength),
        "stars": s.stars,
        "ts_event": s.ts_event.isoformat(),
        "strike": s.strike,
        "zone": list(s.zone) if s.zone else None,
        "persistence": s.persistence,
        "baseline": s.baseline,
        "claim": {
            "kind": c.kind.value,
            "horizon": c.horizon.value,
            "direction": c.direction,
            "reference": _num(c.reference),
            "strike": c.strike,
            "distance": _num(c.distance),
            "settles_at": c.settles_at.isoformat() if c.settles_at else None,
        },
        "evidence": [
            {"metric": e.metric, "value": _num(e.value), "strike": e.strike} for e in s.evidence
        ],
    }


def integration_json(i: SignalIntegration) -> dict[str, Any]:
    """Return the integration as JSON-ready values."""
    return {
        "ts_event": i.ts_event.isoformat(),
        "regime": i.regime,
        "volatility_regime": i.volatility_regime,
        "direction_score": _num(i.direction_score),
        "volatility_score": _num(i.volatility_score),
        "time_decay_score": _num(i.time_decay_score),
        "family_scores": {k: _num(v) for k, v in i.family_scores.items()},
        "weights": {k: _num(v) for k, v in i.weights.items()},
        "weights_source": i.weights_source,
        "conflicts": [_conflict(c) for c in i.conflicts],
        "pin_strike": i.pin_strike,
    }


def signals_to_json(report: SignalReport) -> dict[str, Any]:
    """Return ``{"signals", "signal_integration", "suppressed", "scores", "notes"}``."""
    return {
        "signals": [signal_json(s) for s in report.signals],
        "signal_integration": integration_json(report.integration),
        "suppressed": [signal_json(s) for s in report.suppressed],
        "scores": {k: _num(v) for k, v in sorted(report.scores.items())},
        "notes": list(report.notes),
    }


def _conflict(c: Conflict) -> dict[str, str]:
    return {"winner": c.winner, "loser": c.loser, "reason": c.reason}


def _num(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


__all__ = [
    "SIGNALS_FRAME_SCHEMA",
    "integration_json",
    "signal_json",
    "signals_frame",
    "signals_to_json",
]
