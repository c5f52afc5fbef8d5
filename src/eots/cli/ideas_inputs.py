"""The bridge from an ``Analysis`` to ``trade_ideas``: one call for the CLI (and the engine).

``ideas_for`` takes what the analysis computed (priced contracts, key levels, the ATR the metrics
used, the pricing rate) and the integrated signals, and returns the ``IdeaReport``. Without an
ATR (no history and no ATM IV for the proxy) no plan can be measured: no ideas, and the report
says so.
"""

from __future__ import annotations

from collections.abc import Mapping

from eots.ideas import IdeaInputs, IdeaParams, IdeaReport, SectorData, trade_ideas
from eots.pipeline import Analysis
from eots.signals.model import Signal, SignalIntegration


def ideas_for(
    analysis: Analysis,
    integration: SignalIntegration,
    signals: tuple[Signal, ...],
    params: IdeaParams,
    *,
    companion_spot: float | None = None,
    companion_ratio_ref: float | None = None,
    track_record: Mapping[str, tuple[int, int]] | None = None,
    sector: SectorData | None = None,
) -> IdeaReport:
    """Return the trade ideas of an analysed snapshot (``docs/ideas.md``)."""
    atr = analysis.metrics.atr
    if atr is None or not atr > 0:
        return IdeaReport(
            ideas=(),
            skipped=(f"no ATR for {analysis.snapshot.underlying} (was {atr}): no plan, no ideas",),
        )
    inputs = IdeaInputs(
        ts_event=analysis.as_of,
        underlying=analysis.snapshot.underlying,
        spot=analysis.snapshot.spot,
        session=analysis.session,
        contracts=analysis.contracts,
        levels=analysis.levels,
        atr=atr,
        integration=integration,
        signals=signals,
        companion_spot=companion_spot,
        companion_ratio_ref=companion_ratio_ref,
        track_record=track_record,
        sector=sector,
        rate=analysis.params.pricing.rate,
    )
    return trade_ideas(inputs, params)
