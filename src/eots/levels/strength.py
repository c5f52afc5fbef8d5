"""Strength of support and resistance levels (framework.md 2.1; base_system.md 5.2, extended).

    strength = w_mspi * min(1, |mspi|) + w_persistence * persistence
             + w_interaction * interaction + w_peak * peak + w_confluence * confluence

with the default weights 0.35 / 0.25 / 0.20 / 0.10 / 0.10 (the original's, with its unused
``source_metric_priority`` 0.10 slot given to timeframe confluence), summing to 1 so the strength
lies in 0..1. The factors, each in 0..1:

* ``|mspi|``: the strike-level MSPI magnitude (mean over the recurring summaries for daily and
  weekly levels);
* ``persistence``: intraday ``min(1, updates / persistence_updates)``; daily and weekly the
  fraction of prior summaries the level recurred in;
* ``interaction``: the price-interaction factor (``interaction``; 0.5 untested);
* ``peak``: 1 for the strongest-|MSPI| member of a cluster of two or more levels, else 0;
* ``confluence``: the sum of the framework's timeframe weights (intraday 0.5, daily 0.3, weekly
  0.2) over the distinct timeframes in the level's cluster (a lone level: its own weight).
"""

from __future__ import annotations

from eots.levels.model import Evidence, Level, Timeframe
from eots.levels.params import MultiTimeframeParams


def sr_strength(
    level: Level, interaction: float, peak: bool, confluence: float, params: MultiTimeframeParams
) -> tuple[float, Evidence]:
    """Return a support/resistance level's strength and its factors (module docstring)."""
    mspi = min(1.0, abs(level.value("mspi") or 0.0))
    if level.timeframe is Timeframe.INTRADAY:
        persistence = min(1.0, level.updates / params.persistence_updates)
    else:
        persistence = level.value("persistence") or 0.0
    value = (
        params.weight_mspi * mspi
        + params.weight_persistence * persistence
        + params.weight_interaction * interaction
        + params.weight_peak * (1.0 if peak else 0.0)
        + params.weight_confluence * confluence
    )
    factors = Evidence.of(peak=1.0 if peak else 0.0, confluence=confluence)
    return min(1.0, max(0.0, value)), factors


__all__ = ["sr_strength"]
