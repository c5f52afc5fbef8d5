"""The engine's parameters: the analysis, the history it keeps, and how old history may be."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eots.analysis_params import AnalysisParams
from eots.ideas.params import IdeaParams
from eots.market.params import ContextParams
from eots.signals.params import SignalParams
from eots.tracking.params import TrackingParams


class EvidenceParams(BaseModel):
    """How the engine scores levels and E-SDAG methods for the learning rule.

    ``touch_atr`` (the "tested" band of the unpaired rule before issue 15) is no longer used:
    a file that still sets it loads, and the key is dropped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    breach_atr: float = Field(
        0.1,
        gt=0,
        le=5,
        description="a level or its control is breached beyond this, ATR (our own 0.1, measured)",
    )
    band_atr: float = Field(3.0, gt=0, le=50, description="levels and strikes within this of spot")
    horizon_minutes: int = Field(30, ge=1, le=390, description="E-SDAG direction horizon")

    @model_validator(mode="before")
    @classmethod
    def _drop_touch_atr(cls, data: Any) -> Any:
        """Accept and drop the retired ``touch_atr`` (configs written before issue 15)."""
        if isinstance(data, dict) and "touch_atr" in data:
            return {k: v for k, v in data.items() if k != "touch_atr"}
        return data


class HistoryLimits(BaseModel):
    """Age limits: history older than these is not treated as current (and the report says so).

    ``previous_update_sessions``: the previous update's levels count for persistence and
    positioning change only when quoted in the same session or at most this many sessions before
    (0: the same session only). ``prior_sessions``: a prior session's end-of-day snapshot older
    than this many sessions is not used for daily/weekly levels or IV history.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    previous_update_sessions: int = Field(
        1, ge=0, le=20, description="sessions back the previous update may come from"
    )
    prior_sessions: int = Field(
        300, ge=1, le=2600, description="oldest prior session used, in sessions before the current"
    )


class Components(BaseModel):
    """Which stages after the key levels run (framework section 6: switched by config)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signals: bool = Field(True, description="continuous signals and their integration")
    ideas: bool = Field(True, description="trade ideas (needs signals)")
    tracking: bool = Field(True, description="the recommendation lifecycle and learning")
    baseline: bool = Field(True, description="track random-entry baseline ideas beside them")


class EngineParams(BaseModel):
    """Everything the engine's fold needs.

    The analysis, the market context it builds from the
    history state (its ``pricing`` is always the analysis' own), the age limits, and the stages
    after the levels (signals, ideas, tracking with learning, the evidence it learns from).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    analysis: AnalysisParams = Field(default_factory=AnalysisParams)
    history: ContextParams = Field(default_factory=ContextParams)
    limits: HistoryLimits = Field(default_factory=HistoryLimits)
    components: Components = Field(default_factory=Components)
    signals: SignalParams = Field(default_factory=SignalParams)
    ideas: IdeaParams = Field(default_factory=IdeaParams)
    tracking: TrackingParams = Field(default_factory=TrackingParams)
    evidence: EvidenceParams = Field(default_factory=EvidenceParams)

    def context_params(self) -> ContextParams:
        """Return the context's parameters with the analysis' pricing (one pricing everywhere)."""
        return self.history.model_copy(update={"pricing": self.analysis.pricing})

    def fingerprint(self) -> str:
        """Return a short hash of the canonical JSON of these parameters."""
        canonical = self.model_dump_json(exclude_none=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


__all__ = ["Components", "EngineParams", "HistoryLimits"]
