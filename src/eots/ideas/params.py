"""Parameters of the trade-idea stage (framework.md sections 4.1 and 4.4; base_system.md 7).

Every number of ``docs/ideas.md`` lives here once, with its default and unit. Sections: account
and sizing, which ideas are proposed, strategy rules (``StrategyRules``), strike/expiry choice
(``ContractRules``), targets and stops (``PlanRules``, base_system.md 7.2), conviction
(``ConvictionRules``), SPX/SPY specifics and time of day (``SessionRules``), and the
risk-neutral density (``DensityRules``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class StrategyRules(BaseModel):
    """Thresholds of the strategy decision table (``select.strategy_candidates``).

    Scores come from ``SignalIntegration``: direction and volatility in -1..1, time decay 0..1.
    """

    model_config = _FROZEN

    direction_min: float = Field(0.25, gt=0, le=1, description="|direction| for a directional idea")
    direction_strong: float = Field(
        0.6, gt=0, le=1, description="|direction| at which a single long option is preferred"
    )
    direction_mild: float = Field(
        0.1, ge=0, le=1, description="|direction| above which a time-decay idea becomes diagonal"
    )
    vol_expansion_min: float = Field(0.3, gt=0, le=1, description="vol score for long premium")
    vol_strong: float = Field(0.6, gt=0, le=1, description="vol score for a straddle (vs strangle)")
    vol_contraction_min: float = Field(
        0.3, gt=0, le=1, description="-vol score for selling premium (credit spread, condor)"
    )
    pin_min: float = Field(0.5, gt=0, le=1, description="time-decay score for a butterfly at pin")
    decay_min: float = Field(0.3, gt=0, le=1, description="time-decay score for a calendar")

    @model_validator(mode="after")
    def _ordered(self) -> StrategyRules:
        if not self.direction_mild < self.direction_min <= self.direction_strong:
            raise ValueError(
                "expected direction_mild < direction_min <= direction_strong, was "
                f"{self.direction_mild}, {self.direction_min}, {self.direction_strong}"
            )
        if self.vol_strong < self.vol_expansion_min:
            raise ValueError(
                f"expected vol_strong >= vol_expansion_min, was {self.vol_strong} < "
                f"{self.vol_expansion_min}"
            )
        return self


class ContractRules(BaseModel):
    """How strikes and expiries are picked from the chain (``select``)."""

    model_config = _FROZEN

    min_dte_days: int = Field(
        0, ge=0, le=60, description="earliest expiry, calendar days (0DTE ok)"
    )
    max_dte_days: int = Field(
        10, ge=0, le=400, description="latest expiry for directional/vol/neutral ideas, days"
    )
    calendar_far_min_days: int = Field(
        5, ge=1, le=120, description="far leg of a calendar/diagonal: at least this many days later"
    )
    calendar_far_max_days: int = Field(45, ge=1, le=400, description="far leg at most, days later")
    long_delta: float = Field(0.5, gt=0, lt=1, description="|delta| of a single long option")
    spread_short_delta: float = Field(
        0.25, gt=0, lt=1, description="|delta| of a debit spread's short leg without a level"
    )
    credit_short_delta: float = Field(0.2, gt=0, lt=1, description="|delta| of a credit short leg")
    strangle_delta: float = Field(0.25, gt=0, lt=0.5, description="|delta| of strangle legs")
    condor_short_delta: float = Field(0.15, gt=0, lt=0.5, description="|delta| of condor shorts")
    diagonal_short_delta: float = Field(
        0.3, gt=0, lt=0.5, description="|delta| of a diagonal's near (short) leg"
    )
    wing_atr: float = Field(
        0.5, gt=0, le=5, description="width of spread/condor wings and butterfly wings, in ATR"
    )
    max_relative_spread: float = Field(
        0.5, gt=0, le=2, description="a leg's (ask - bid) / mid at most this ..."
    )
    max_absolute_spread: float = Field(
        0.2, ge=0, le=10, description="... or its ask - bid at most this, $ per share"
    )
    min_quotes_per_expiry: int = Field(
        6, ge=3, description="valid quotes an expiry needs to be considered"
    )


class PlanRules(BaseModel):
    """Entry, targets and stops on the underlying (base_system.md 7.2, improved; ``risk.plan``)."""

    model_config = _FROZEN

    target_atr: float = Field(2.0, gt=0, le=10, description="k1: fallback target distance, ATR")
    stop_atr: float = Field(1.5, gt=0, le=10, description="k_sl: fallback stop distance, ATR")
    min_target_atr: float = Field(
        0.75, gt=0, le=5, description="m: a target level must lie beyond entry + m ATR"
    )
    min_stop_atr: float = Field(
        0.25, gt=0, le=5, description="a stop level must lie beyond entry - this many ATR"
    )
    stop_buffer_atr: float = Field(
        0.1, ge=0, le=2, description="stop placed this far beyond the invalidating level, ATR"
    )
    min_level_strength: float = Field(
        0.3, ge=0, le=1, description="levels weaker than this are not used for targets/stops"
    )
    session_hours: float = Field(
        6.5, gt=0, le=24, description="hours of one session (diffusion time per ATR^2)"
    )
    min_hold_hours: float = Field(0.25, gt=0, le=24, description="shortest thesis horizon, hours")
    max_premium_loss: float = Field(
        0.5, gt=0, le=1, description="debit: position stop at most this fraction of it lost"
    )
    credit_stop_multiple: float = Field(
        2.0, gt=1, le=10, description="credit: position stop when closing costs this x the credit"
    )


class ConvictionRules(BaseModel):
    """The framework's conviction mapping (``risk.conviction``): performance, signal, level."""

    model_config = _FROZEN

    weight_performance: float = Field(0.2, ge=0, le=1, description="weight of the track record")
    weight_signal: float = Field(0.5, ge=0, le=1, description="weight of the signal strength")
    weight_level: float = Field(0.3, ge=0, le=1, description="weight of the level strength")
    prior_win_rate: float = Field(0.5, ge=0, le=1, description="performance before any record")
    prior_trades: float = Field(
        20.0, gt=0, description="pseudo-trades the prior counts for (shrinkage of the record)"
    )

    @model_validator(mode="after")
    def _sum_one(self) -> ConvictionRules:
        total = self.weight_performance + self.weight_signal + self.weight_level
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"expected conviction weights summing to 1, was {total}")
        return self


class SessionRules(BaseModel):
    """SPX/SPY specifics and time-of-day adjustments (framework.md 4.4; ``spx_spy``)."""

    model_config = _FROZEN

    no_entry_minutes: float = Field(
        30.0, ge=0, le=390, description="no new entries this many minutes before the close"
    )
    opening_minutes: float = Field(15.0, ge=0, le=120, description="opening auction window")
    closing_minutes: float = Field(
        15.0, ge=0, le=120, description="closing auction window (before no_entry_minutes applies)"
    )
    auction_factor: float = Field(
        0.9, gt=0, le=1, description="conviction multiplier inside the open/close windows (7.4)"
    )
    zero_dte_factor: float = Field(
        1.0, gt=0, le=2, description="conviction multiplier of 0DTE ideas (1: no adjustment)"
    )
    ratio_drift_bps: float = Field(
        5.0, gt=0, le=500, description="SPX/SPY ratio move vs its reference noted above this, bps"
    )
    sector_weight: float = Field(
        0.1, ge=0, le=0.5, description="conviction +-(weight x |sector score|) when data is given"
    )


class DensityRules(BaseModel):
    """Risk-neutral density from the fitted smile (``density``)."""

    model_config = _FROZEN

    grid_points: int = Field(1601, ge=201, le=20001, description="strike grid of the density")
    tail_sd: float = Field(
        8.0, ge=3, le=20, description="grid half-width in sd of ln(S_T) at the highest fitted IV"
    )
    min_points: int = Field(5, ge=4, description="valid OTM quotes needed to fit a smile")
    min_fit_delta: float = Field(
        0.01, ge=0, lt=0.5, description="quotes with |delta| below this are left out of the fit"
    )
    max_negative_mass: float = Field(
        0.01, ge=0, le=0.2, description="negative density mass tolerated (clipped), else no fit"
    )
    fit_rms: float = Field(
        1.0, gt=0, le=5, description="RMS smile-fit residual, in half bid-ask spreads of price"
    )
    smoothing_steps: tuple[float, ...] = Field(
        (1.0, 2.0, 4.0),
        min_length=1,
        description="multiples of fit_rms tried in turn while the density has negative mass",
    )
    iv_tolerance: tuple[float, float] = Field(
        (0.0005, 0.05),
        description="bounds of each quote's IV tolerance in the smile fit (decimal vol)",
    )

    @model_validator(mode="after")
    def _bounds(self) -> DensityRules:
        lo, hi = self.iv_tolerance
        if not 0 < lo <= hi:
            raise ValueError(f"expected 0 < iv_tolerance low <= high, was {self.iv_tolerance}")
        return self


class IdeaParams(BaseModel):
    """Every parameter of ``trade_ideas``, with documented defaults (docs/ideas.md)."""

    model_config = _FROZEN

    account_usd: float = Field(250_000.0, gt=0, description="account size, $")
    risk_per_idea: float = Field(0.02, gt=0, le=0.2, description="fraction of account at risk")
    risk_basis: Literal["max_loss", "stop"] = Field(
        "max_loss",
        description="size by the structure's max loss (stop risk when unbounded) or by the stop",
    )
    min_conviction: float = Field(0.3, ge=0, le=1, description="ideas below this are not proposed")
    max_ideas: int = Field(3, ge=0, le=20, description="ideas per snapshot, best first")
    fill: Literal["bid_ask", "mid"] = Field(
        "bid_ask", description="bid_ask: buy at the ask, sell at the bid; mid: at the mids"
    )
    strategies: StrategyRules = Field(default_factory=StrategyRules)
    contracts: ContractRules = Field(default_factory=ContractRules)
    plan: PlanRules = Field(default_factory=PlanRules)
    conviction: ConvictionRules = Field(default_factory=ConvictionRules)
    session: SessionRules = Field(default_factory=SessionRules)
    density: DensityRules = Field(default_factory=DensityRules)
