"""The parameters of one analysis (``eots.pipeline.analyze``), grouped by stage.

A module of its own, importing only the stages' parameter modules, so the configuration
(``eots.config``) and the CLI can build and validate parameters without importing the pipeline's
kernels (polars, NumPy, the pricing code).
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field

from eots.adaptive.params import AdaptiveParams
from eots.exposures.params import ExposureParams
from eots.greeks.params import PricingParams
from eots.levels.params import LevelParams, ZeroGammaParams
from eots.metrics.params import BaseMetricParams


class AnalysisParams(BaseModel):
    """Every parameter of ``analyze``, grouped by stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pricing: PricingParams = Field(default_factory=PricingParams)
    exposures: ExposureParams = Field(default_factory=ExposureParams)
    zero_gamma: ZeroGammaParams = Field(default_factory=ZeroGammaParams)
    metrics: BaseMetricParams = Field(default_factory=BaseMetricParams)
    adaptive: AdaptiveParams = Field(default_factory=AdaptiveParams)
    levels: LevelParams = Field(default_factory=LevelParams)
    runners_up: int = Field(3, ge=0, le=20)

    def fingerprint(self) -> str:
        """Return a short hash of the canonical JSON of these parameters."""
        canonical = self.model_dump_json(exclude_none=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
