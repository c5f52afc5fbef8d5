"""Parameters of the key levels (framework.md section 5.2 ``enhanced_key_levels`` and section 2).

Every number of ``docs/levels.md`` lives here once, with its default. The section names follow the
framework's config: ``multi_timeframe``, ``wall_detection``, ``conviction_framework``; the
original's level settings (base_system.md 5.2) fill the rest.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class MspiThresholdParams(BaseModel):
    """Dynamic MSPI thresholds (base_system.md 5.2; formula in ``levels.thresholds``)."""

    model_config = _FROZEN

    intraday_base: float = Field(0.3, gt=0, le=1, description="|MSPI| floor, current snapshot")
    daily_base: float = Field(0.25, gt=0, le=1, description="|MSPI| floor, prior sessions")
    weekly_base: float = Field(0.35, gt=0, le=1, description="|MSPI| floor, prior weeks")
    iv_rank_sensitivity: float = Field(0.2, ge=0, le=1, description="sens in the formula")
    adjustment_range: tuple[float, float] = Field((0.5, 1.5), description="clip of the factor")


class MultiTimeframeParams(BaseModel):
    """Multi-timeframe support/resistance, interaction, clusters and strength (section 2.1)."""

    model_config = _FROZEN

    intraday_weight: float = Field(0.5, ge=0, le=1, description="timeframe weight (confluence)")
    daily_weight: float = Field(0.3, ge=0, le=1, description="timeframe weight (confluence)")
    weekly_weight: float = Field(0.2, ge=0, le=1, description="timeframe weight (confluence)")
    cluster_distance_factor: float = Field(
        0.2, gt=0, le=5, description="cluster span from its first level, in ATR"
    )
    daily_min_sessions: int = Field(2, ge=1, description="sessions a daily candidate must recur")
    weekly_min_weeks: int = Field(2, ge=1, description="weeks a weekly candidate must recur")
    max_per_side: int = Field(8, ge=1, le=100, description="support (resistance) levels kept")
    band_pct: float = Field(0.1, gt=0, le=0.5, description="levels kept within +-band of spot")
    touch_atr: float = Field(0.1, ge=0, le=2, description="a price within this of L tests it")
    interaction_bars: int = Field(20, ge=1, le=500, description="daily bars scanned")
    interaction_full_tests: int = Field(3, ge=1, description="tests for full interaction weight")
    persistence_updates: int = Field(12, ge=1, description="updates for full intraday persistence")
    match_atr: float = Field(
        0.05, ge=0, le=2, description="persistence: same kind+timeframe within this many ATR"
    )
    weight_mspi: float = Field(0.35, ge=0, le=1, description="strength weight of |MSPI|")
    weight_persistence: float = Field(0.25, ge=0, le=1, description="strength weight")
    weight_interaction: float = Field(0.20, ge=0, le=1, description="strength weight")
    weight_peak: float = Field(0.10, ge=0, le=1, description="cluster-peak bonus weight")
    weight_confluence: float = Field(0.10, ge=0, le=1, description="timeframe confluence weight")

    @model_validator(mode="after")
    def _sums(self) -> MultiTimeframeParams:
        tf = self.intraday_weight + self.daily_weight + self.weekly_weight
        st = (
            self.weight_mspi
            + self.weight_persistence
            + self.weight_interaction
            + self.weight_peak
            + self.weight_confluence
        )
        if abs(tf - 1.0) > 1e-9 or abs(st - 1.0) > 1e-9:
            raise ValueError(
                f"expected weights summing to 1, were {tf} (timeframe), {st} (strength)"
            )
        return self


class WallParams(BaseModel):
    """Walls and volatility trigger (section 2.2)."""

    model_config = _FROZEN

    dealer_positioning_weight: float = Field(0.4, ge=0, le=1, description="weight of P")
    real_time_flow_weight: float = Field(0.6, ge=0, le=1, description="weight of F")
    minimum_wall_strength: float = Field(0.6, ge=0, le=1, description="secondary-wall floor")
    delta_weight: float = Field(0.2, ge=0, le=1, description="DEX share of the concentration")
    runners_up: int = Field(3, ge=0, le=20, description="secondary-wall candidates per side")
    trigger_zone_atr: float = Field(
        0.1, ge=0, le=2, description="half-width of the trigger zone, ATR (times the IV ratio)"
    )
    trigger_grid_points: int = Field(25, ge=5, le=401, description="skew-shifted profile grid")


class ConvictionParams(BaseModel):
    """Conviction (section 2.3): weights, priors and the adaptive threshold."""

    model_config = _FROZEN

    alignment_weight: float = Field(0.4, ge=0, le=1)
    historical_performance_weight: float = Field(0.3, ge=0, le=1)
    persistence_weight: float = Field(0.3, ge=0, le=1)
    minimum_conviction_score: float = Field(0.7, ge=0, le=1, description="base threshold")
    threshold_range: tuple[float, float] = Field((0.5, 0.95), description="clip of the threshold")
    prior_observations: float = Field(
        20.0, gt=0, description="pseudo-observations of the neutral 0.5 prior (track records)"
    )
    alignment_saturation: float = Field(
        0.25,
        gt=0,
        le=1,
        description=(
            "a signed metric's vote saturates at this fraction of the snapshot's largest |value| "
            "(levels.conviction calibration)"
        ),
    )
    metrics: tuple[str, ...] = Field(
        (
            "mspi",
            "dag_custom",
            "sdag_multiplicative",
            "tdpi",
            "vri",
            "sai",
            "ssi",
            "a_dag",
            "e_sdag_composite",
            "d_tdpi",
            "vri_2_0",
        ),
        description="metric columns used when present in the strike metrics",
    )

    @model_validator(mode="after")
    def _sums(self) -> ConvictionParams:
        total = self.alignment_weight + self.historical_performance_weight
        total += self.persistence_weight
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"expected conviction weights summing to 1, were {total}")
        return self


class MspiSource(StrEnum):
    """Which MSPI the support/resistance levels read (framework section 6: side by side)."""

    BASE = "base"  # the base system's MSPI (base_system.md 3.5)
    ENHANCED = "enhanced"  # rebuilt from A-DAG, E-SDAG, D-TDPI, VRI 2.0 (adaptive.mspi_enhanced)
    BOTH = "both"  # the mean of the two (each in -1..1)


class LevelParams(BaseModel):
    """Every parameter of ``key_levels``.

    Only the levels' own sections: the pricing, exposures, metrics and zero gamma the levels read
    are the analysis' (they arrive computed, in the foundation and the prior-session summaries).
    """

    model_config = _FROZEN

    detectors: tuple[Literal["support_resistance", "recurring", "walls", "gamma"], ...] = Field(
        ("support_resistance", "recurring", "walls", "gamma"),
        description="level detectors run, in order (levels.key_levels.DETECTORS)",
    )
    mspi_source: MspiSource = Field(
        MspiSource.BASE, description="MSPI behind support/resistance: base | enhanced | both"
    )

    thresholds: MspiThresholdParams = Field(default_factory=MspiThresholdParams)
    multi_timeframe: MultiTimeframeParams = Field(default_factory=MultiTimeframeParams)
    wall_detection: WallParams = Field(default_factory=WallParams)
    conviction_framework: ConvictionParams = Field(default_factory=ConvictionParams)


class ZeroGammaParams(BaseModel):
    """Search band and grid of the gamma profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    band_pct: float = Field(0.15, gt=0, lt=0.9, description="half-width of the band, fraction")
    grid_points: int = Field(61, ge=5, le=2001, description="profile grid size")
    refine_points: int = Field(
        17, ge=5, le=201, description="grid size of each refinement around a near-zero dip"
    )
    refine_depth: int = Field(
        4, ge=0, le=8, description="refinement levels around near-zero dips (0: grid only)"
    )
    near_zero: float = Field(
        0.1,
        gt=0,
        le=1,
        description="a local minimum of |P| is near zero when below this fraction of max |P|",
    )
    negligible_d1: float = Field(9.0, gt=3, description="|d1| beyond which a contract is dropped")


__all__ = [
    "ConvictionParams",
    "LevelParams",
    "MspiSource",
    "MspiThresholdParams",
    "MultiTimeframeParams",
    "WallParams",
    "ZeroGammaParams",
]
