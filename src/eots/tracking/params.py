"""Parameters of the recommendation lifecycle and of the learning rule, with documented defaults.

The learning keys mirror framework.md section 5.2 ``system_settings.adaptive_settings``
(``performance_tracking_window`` 20, ``learning_rate`` 0.05, ``adaptation_speed`` "medium"); the
conviction mapping prior is ``trade_idea_framework.conviction_mapping`` (0.5 / 0.3 / 0.2). Every
other default is our own and says so on the field.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class FillModel(StrEnum):
    """How a leg's fill price is assumed (all three are reported side by side)."""

    BID_ASK = "bid_ask"  # buy at the ask, sell at the bid (the default, honest one)
    MID = "mid"  # (bid + ask) / 2
    SPREAD_FRACTION = "spread_fraction"  # mid +- f * half spread, f by the structure's leg count


class AdaptationSpeed(StrEnum):
    """``adaptation_speed``: multiplies ``learning_rate`` (slow 0.5, medium 1, fast 2)."""

    SLOW = "slow"
    MEDIUM = "medium"
    FAST = "fast"


SPEED_FACTORS: dict[AdaptationSpeed, float] = {
    AdaptationSpeed.SLOW: 0.5,
    AdaptationSpeed.MEDIUM: 1.0,
    AdaptationSpeed.FAST: 2.0,
}


class TrackingParams(BaseModel):
    """The lifecycle: entries, exits, fills and settlement (docs/tracking.md)."""

    model_config = _FROZEN

    fill_model: FillModel = Field(
        FillModel.BID_ASK,
        description=(
            "Fill model whose position value triggers stops, targets, breakeven and trailing "
            "(every fill and outcome reports all three models side by side)."
        ),
    )
    spread_fraction_by_legs: tuple[float, ...] = Field(
        (0.5, 0.4, 0.35, 0.3),
        description=(
            "f of the spread_fraction model for structures of 1, 2, 3, 4+ legs (our own "
            "assumption: multi-leg orders fill nearer the mid per leg): a leg bought fills at "
            "mid + f (ask - mid), one sold at mid - f (mid - bid)."
        ),
    )
    entry_on_proposal: bool = Field(
        True,
        description=(
            "Try the entry on the snapshot the idea was made from (its own quotes); False: "
            "first try on the next snapshot (our own default: True)."
        ),
    )
    entry_tolerance: float | None = Field(
        0.1,
        ge=0.0,
        description=(
            "No fill while the bid/ask entry cost exceeds the idea's own price by more than this "
            "fraction of its max loss (the idea waits, and expires at its horizon); None: fill "
            "at any price (our own default 0.1)."
        ),
    )
    partial_fraction: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the position closed when the position target is first reached; the rest "
            "runs to the extended target with its stop at breakeven and then trailing. 0 or 1: "
            "the whole position exits at the target (our own default 0.5)."
        ),
    )
    extended_target_multiple: float = Field(
        2.0,
        ge=1.0,
        description="Second target = entry + m (target - entry) for the remainder (our own).",
    )
    trail_fraction: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description=(
            "Trailing distance without ATR, as a fraction of (target - entry) in position value "
            "(our own)."
        ),
    )
    atr_multiple: float = Field(
        1.5,
        gt=0.0,
        description=(
            "Adaptive (volatility) trail: distance = atr_multiple * ATR * |position delta| when "
            "the marks carry an ATR (our own default 1.5)."
        ),
    )
    use_underlying_plan: bool = Field(
        True, description="Also exit when the underlying reaches the plan's target or stop."
    )
    learning: LearningParams = Field(
        default_factory=lambda: LearningParams(), description="The learning rule."
    )

    def spread_fraction(self, legs: int) -> float:
        """Return f for a structure of ``legs`` legs."""
        table = self.spread_fraction_by_legs
        return table[min(legs, len(table)) - 1]

    @model_validator(mode="after")
    def _check(self) -> TrackingParams:
        if not self.spread_fraction_by_legs or any(
            not 0.0 <= f <= 1.0 for f in self.spread_fraction_by_legs
        ):
            raise ValueError(
                f"expected spread fractions in 0..1, were {self.spread_fraction_by_legs}"
            )
        return self


class LearningParams(BaseModel):
    """The learning rule (docs/tracking.md, "Learning")."""

    model_config = _FROZEN

    enabled: bool = Field(
        default=True,
        description="Move weights from outcomes (off: outcomes are scored, weights stay).",
    )
    learning_rate: float = Field(
        0.05, gt=0.0, le=1.0, description="eta: step toward the target per update (5.2)."
    )
    performance_tracking_window: int = Field(
        20, ge=1, le=1024, description="Latest scored outcomes per weight that count (5.2)."
    )
    adaptation_speed: AdaptationSpeed = Field(
        AdaptationSpeed.MEDIUM, description="Multiplies learning_rate: slow 0.5, medium 1, fast 2."
    )
    prior_observations: float = Field(
        20.0,
        gt=0.0,
        description=(
            "n0: pseudo-observations at the baseline rate the hit rate is shrunk with (the same "
            "20 as the levels' conviction prior)."
        ),
    )
    confidence: float = Field(
        0.95,
        gt=0.5,
        lt=1.0,
        description=(
            "Wilson interval level; a weight only moves when the baseline lies outside it."
        ),
    )
    sensitivity: float = Field(
        1.0,
        gt=0.0,
        description="k in the multiplier 1 + 2 k (rate - baseline) (as E-SDAG's, our own 1).",
    )
    min_change: float = Field(
        1e-6, gt=0.0, description="Smallest move that is applied and logged (absolute)."
    )
    conviction_mapping: tuple[float, float, float] = Field(
        (0.5, 0.3, 0.2),
        description=(
            "Prior of the conviction mapping: performance, signal strength, level strength "
            "(trade_idea_framework.conviction_mapping)."
        ),
    )

    @property
    def step(self) -> float:
        """eta = learning_rate * speed factor, at most 1."""
        return min(1.0, self.learning_rate * SPEED_FACTORS[self.adaptation_speed])

    @model_validator(mode="after")
    def _check(self) -> LearningParams:
        total = sum(self.conviction_mapping)
        if min(self.conviction_mapping) < 0 or abs(total - 1.0) > 1e-9:
            raise ValueError(
                f"expected conviction_mapping >= 0 summing to 1, was {self.conviction_mapping}"
            )
        return self


TrackingParams.model_rebuild()

__all__ = [
    "SPEED_FACTORS",
    "AdaptationSpeed",
    "FillModel",
    "LearningParams",
    "TrackingParams",
]
