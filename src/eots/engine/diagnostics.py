"""Every stage's notes of one engine step, in the one shape ``eots.core.diagnostics.Diagnostic``.

The stages report in three dialects today (plain strings: foundation warnings, context notes,
engine notes, signal notes, skipped ideas; ``(metric, note)`` pairs: base and adaptive metrics;
``Diagnostic``: the key levels). ``step_diagnostics`` reads a ``Step`` and returns one tuple of
``Diagnostic`` in pipeline order, so reports, logs and the dashboard consume one type whatever a
stage still returns (``from_notes`` lifts the older forms).
"""

from __future__ import annotations

from eots.core.diagnostics import Diagnostic, from_notes
from eots.engine.step import Step


def step_diagnostics(result: Step) -> tuple[Diagnostic, ...]:
    """Return the diagnostics of every stage of ``result``, in pipeline order."""
    analysis = result.analysis
    context = analysis.history.context
    out = [
        *from_notes("foundation", result.foundation.warnings),
        *from_notes("context", context.notes if context is not None else ()),
        *from_notes("metrics", analysis.metrics.notes),
        *from_notes("adaptive", analysis.adaptive.notes),
        *analysis.levels.diagnostics,
        *from_notes("engine", result.notes),
    ]
    if result.signals is not None:
        out += from_notes("signals", result.signals.notes)
    if result.ideas is not None:
        out += from_notes("ideas", result.ideas.skipped)
    return tuple(out)


__all__ = ["step_diagnostics"]
