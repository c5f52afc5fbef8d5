"""The signals stage: ``signals(inputs, state, params) -> (SignalReport, SignalState)``.

Composition: apply the state's age limits, convert the inputs once (``signal_context``), run the
enabled families of the registry in order (each sees the scores of those before it), drop single
signals switched off in ``signal_activation``, integrate (weights, regimes, conflicts; section 4.2)
and fold the state forward (this update's scores and the runs of the standing signals; a signal
that lost a conflict ends its run). Pure: the
same inputs and state give the same report and state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from eots.signals.context import signal_context
from eots.signals.inputs import SignalInputs
from eots.signals.integrate import integrate
from eots.signals.model import Signal, SignalIntegration
from eots.signals.output import run_key
from eots.signals.params import SignalParams
from eots.signals.registry import enabled_families
from eots.signals.state import SignalState, StateEntry, advanced_state, current_state
from eots.signals.volatility import volatility_regime


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalReport:
    """One snapshot's signals.

    Attributes
    ----------
    signals
        The standing final signals, strongest (weight x strength) first; no two contradict.
    integration
        Integrated scores, regimes, weights in force and the conflicts resolved.
    suppressed
        Final signals that lost a conflict (each named in ``integration.conflicts``).
    scores
        Every continuous score computed, ``family.component`` -> value (NaN: not computable).
    notes
        Inputs that were missing or ignored (e.g. bars after ``as_of``).
    """

    signals: tuple[Signal, ...]
    integration: SignalIntegration
    suppressed: tuple[Signal, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def signals(
    inputs: SignalInputs, state: SignalState, params: SignalParams
) -> tuple[SignalReport, SignalState]:
    """Return one snapshot's signals and the state for the next snapshot.

    Parameters
    ----------
    inputs
        The snapshot's inputs (``SignalInputs``; bars after ``as_of`` are ignored).
    state
        The state returned for the previous snapshot (``SignalState()`` to start); a state from
        another session is discarded, one at or after ``as_of`` is refused (``ValueError``).
    params
        Thresholds, weights and ``signal_activation``.
    """
    state = current_state(state, inputs.as_of, inputs.session, params.state)
    ctx = signal_context(inputs, params)
    scores: dict[str, float] = {}
    found: list[Signal] = []
    directions: dict[str, int] = {}
    notes: list[str] = []
    if ctx.future_bars:
        notes.append(f"{ctx.future_bars} bars after as_of ignored (no look-ahead)")
    for _, fn in enabled_families(params):
        out = fn(ctx, state, params, dict(scores))
        scores.update(out.scores)
        notes.extend(out.notes)
        found.extend(s for s in out.signals if params.enabled(s.name))
        directions.update(
            {k: d for k, d in out.directions.items() if params.enabled(k.split("@", 1)[0])}
        )
    regime = volatility_regime(ctx.iv_short, ctx.iv_back, inputs.iv_percentile, params.volatility)
    integration, resolution = integrate(found, scores, ctx, regime, params)
    lost = {run_key(s) for s in resolution.suppressed}
    kept = {k: d for k, d in directions.items() if k not in lost}
    report = SignalReport(
        signals=resolution.standing,
        integration=integration,
        suppressed=resolution.suppressed,
        scores=scores,
        notes=tuple(notes),
    )
    entry = StateEntry(
        ts_event=inputs.as_of,
        spot=inputs.spot,
        scores=tuple((k, v) for k, v in sorted(scores.items()) if math.isfinite(v)),
    )
    return report, advanced_state(state, entry, kept, params.state)


__all__ = ["SignalReport", "signals"]
