"""Parameters of the adaptive metrics (A-DAG, E-SDAG, D-TDPI, VRI 2.0), with documented defaults.

Defaults are framework.md section 5.2 (``enhanced_metrics`` and ``adaptive_settings``) where the
framework gives a key; otherwise the [CANON] implementation's value (base_system.md section 4) or
our own, said so on the field. Every metric has ``enabled`` and every factor a switch under
``factors``: a disabled metric's columns are NaN and a disabled factor is its neutral value; the
``FactorReport`` of either says so. The JSON keys mirror section 5.2:
``{"a_dag": {"temporal_decay_factor": 0.85, ...}, "e_sdag": {"methodology_weights_initial": ...}}``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eots.metrics.params import AlignmentCoefficients, FlowRatioShape

_FROZEN = ConfigDict(frozen=True, extra="forbid")
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _ordered(pair: tuple[float, float], what: str) -> None:
    if not pair[0] <= pair[1]:
        raise ValueError(f"expected {what} low <= high, was {pair}")


class ADagFactors(BaseModel):
    """Switches of A-DAG's factors (off = neutral value)."""

    model_config = _FROZEN

    volatility_regime: bool = Field(default=True, description="v in the adaptive alpha.")
    dte_scaling: bool = Field(default=True, description="DTE bucket scale inside the flow term.")
    temporal_decay: bool = Field(default=True, description="Recency multiplier of flow.")
    volume_weighting: bool = Field(default=True, description="gxoi * (1 + k n(|volume|)).")


class ADagParams(BaseModel):
    """A-DAG (framework.md 1.1; ``enhanced_metrics.a_dag``)."""

    model_config = _FROZEN

    enabled: bool = True
    factors: ADagFactors = Field(default_factory=ADagFactors)
    temporal_decay_factor: float = Field(
        0.85,
        gt=0,
        le=1,
        description="delta: weight delta^age of a flow increment age snapshots old",
    )
    decay_window: int = Field(
        10, ge=1, description="Increments weighted (the seed's df_history_maxlen 10)."
    )
    decay_min_increments: int = Field(
        2, ge=2, description="Fewest increments for the recency multiplier (else neutral)."
    )
    volume_weight_factor: NonNegative = Field(0.7, description="k in 1 + k n(|volume|).")
    dte_scaling_factor: NonNegative = Field(
        0.1,
        description="Step down of the DTE scale per bucket after the first ([CFG253] 1/.9/.8/.7).",
    )
    zero_dte_scale: Positive = Field(1.5, description="DTE scale of 0DTE contracts ([CFG253]).")
    dte_bucket_edges: tuple[int, ...] = Field(
        (7, 14, 30), description="Upper calendar-DTE edges of the 1-7, 8-14, 15-30 buckets."
    )
    dte_scale_clip: tuple[float, float] = Field((0.1, 3.0), description="Clip of the DTE scale.")
    alpha: AlignmentCoefficients = Field(
        default_factory=AlignmentCoefficients, description="Base alpha before the regime factor."
    )
    flow_ratio: FlowRatioShape = Field(
        FlowRatioShape.SIGMOID, description="flow_ratio: the sigmoid phi(r) the seed implies."
    )
    sigmoid_steepness: Positive = Field(3.0, description="k in phi(r) = 2/(1+exp(-k r)) - 1.")
    vol_regime_sensitivity: NonNegative = Field(1.0, description="s of the regime factor.")
    vol_regime_clip: tuple[float, float] = Field((0.5, 2.0), description="Clip of v.")

    @model_validator(mode="after")
    def _check(self) -> ADagParams:
        _ordered(self.dte_scale_clip, "dte_scale_clip")
        _ordered(self.vol_regime_clip, "vol_regime_clip")
        if self.vol_regime_clip[0] <= 0:
            raise ValueError(f"expected a positive regime clip, was {self.vol_regime_clip}")
        if list(self.dte_bucket_edges) != sorted(set(self.dte_bucket_edges)) or any(
            e < 1 for e in self.dte_bucket_edges
        ):
            raise ValueError(f"expected increasing edges >= 1, was {self.dte_bucket_edges}")
        return self


class MethodologyWeights(BaseModel):
    """Initial E-SDAG methodology weights (renormalised to 1; 0 removes a method)."""

    model_config = _FROZEN

    multiplicative: NonNegative = 0.4
    directional: NonNegative = 0.2
    weighted: NonNegative = 0.3
    volatility_focused: NonNegative = 0.1

    @model_validator(mode="after")
    def _some_weight(self) -> MethodologyWeights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("expected at least one positive methodology weight, all were 0")
        return self


class ESdagFactors(BaseModel):
    """Switches of E-SDAG's factors (off = neutral value)."""

    model_config = _FROZEN

    smile: bool = Field(default=True, description="IV over its expiry's ATM IV.")
    term_structure: bool = Field(default=True, description="Expiry ATM IV over the 30-day IV.")
    intraday_skew: bool = Field(default=True, description="Intraday change of the expiry ATM IV.")
    adaptive_weights: bool = Field(default=True, description="Weights from the track record.")


class ESdagParams(BaseModel):
    """E-SDAG (framework.md 1.2; ``enhanced_metrics.e_sdag``)."""

    model_config = _FROZEN

    enabled: bool = True
    factors: ESdagFactors = Field(default_factory=ESdagFactors)
    methodology_weights_initial: MethodologyWeights = Field(default_factory=MethodologyWeights)
    conviction_score_thresholds: tuple[float, float, float, float] = Field(
        (0.3, 0.5, 0.7, 0.9), description="Conviction for 2, 3, 4, 5 stars."
    )
    one_star_threshold: Fraction = Field(0.1, description="Conviction for 1 star (conventions 6).")
    min_agreement_for_bonus: int = Field(
        2, ge=1, description="Methods agreeing in sign for the partial bonus ([CANON])."
    )
    full_agreement_bonus: NonNegative = Field(0.2, description="Bonus when all methods agree.")
    partial_agreement_bonus: NonNegative = Field(0.1, description="Bonus at min agreement.")
    smile_sensitivity: NonNegative = Field(0.5, description="a_s in 1 + a_s (iv/atm - 1).")
    term_sensitivity: NonNegative = Field(0.5, description="a_t in 1 + a_t (atm/iv_ref - 1).")
    intraday_sensitivity: NonNegative = Field(1.0, description="a_d in 1 + a_d (intraday change).")
    term_reference_days: Positive = Field(30.0, description="Maturity of iv_ref, calendar days.")
    intraday_lookback: int = Field(
        5, ge=1, description="Snapshots back the intraday change is measured over."
    )
    skew_clip: tuple[float, float] = Field((0.5, 2.0), description="Clip of the skew factor.")
    min_outcomes: int = Field(
        10, ge=1, description="Outcomes a method needs in the window before its weight adapts."
    )
    performance_sensitivity: NonNegative = Field(
        1.0, description="k in the weight multiplier 1 + k (2 hit_rate - 1)."
    )

    @model_validator(mode="after")
    def _check(self) -> ESdagParams:
        t = self.conviction_score_thresholds
        if list(t) != sorted(t) or not self.one_star_threshold <= t[0] or t[-1] > 1:
            raise ValueError(f"expected increasing thresholds in [0.1, 1], was {t}")
        _ordered(self.skew_clip, "skew_clip")
        if self.skew_clip[0] <= 0:
            raise ValueError(f"expected a positive skew clip, was {self.skew_clip}")
        return self


class TimeWeightProfiles(BaseModel):
    """Five intraday knot values of the D-TDPI time weight, normal and expiration days."""

    model_config = _FROZEN

    normal: tuple[float, float, float, float, float] = (0.8, 1.0, 1.2, 1.5, 1.8)
    expiration: tuple[float, float, float, float, float] = (1.0, 1.2, 1.5, 2.0, 2.5)


class DTdpiFactors(BaseModel):
    """Switches of D-TDPI's factors (off = neutral value)."""

    model_config = _FROZEN

    time_weight: bool = Field(default=True, description="Adaptive time weight (else 1).")
    dynamic_width: bool = Field(default=True, description="Width from recent vol (else base).")
    expiration_clustering: bool = Field(default=True, description="OI clustering by expiry.")
    charm_acceleration: bool = Field(default=True, description="From charm history.")


class DTdpiParams(BaseModel):
    """D-TDPI, enhanced CTR and TDFI (framework.md 1.3; ``enhanced_metrics.d_tdpi``)."""

    model_config = _FROZEN

    enabled: bool = True
    factors: DTdpiFactors = Field(default_factory=DTdpiFactors)
    time_weight_profiles: TimeWeightProfiles = Field(default_factory=TimeWeightProfiles)
    time_weight_knots: tuple[float, float, float, float, float] = Field(
        (0.0, 0.25, 0.5, 0.75, 1.0), description="Session fractions of the five profile values."
    )
    expiration_oi_share: Fraction = Field(
        0.25, description="0DTE share of open interest that makes a session an expiration day."
    )
    monthly_is_expiration: bool = Field(
        default=True, description="The third Friday of a month is an expiration day."
    )
    gaussian_width_range: tuple[float, float] = Field(
        (-0.7, -0.3), description="Range of w in exp(w ((K - S)/ATR)^2); both negative."
    )
    gaussian_width_base: float = Field(-0.5, lt=0, description="w at a neutral regime (ITS).")
    gaussian_width_sensitivity: NonNegative = Field(
        0.5, description="k in w = base (1 + k (atr_ratio - 1))."
    )
    cluster_factor: Positive = Field(1.1, description="Factor of clustered expiries ([CANON]).")
    cluster_threshold: Positive = Field(1.5, description="OI(dte) above this x mean: clustered.")
    neighbour_threshold: Positive = Field(1.2, description="A neighbour's OI above this x mean.")
    cluster_lookaround_days: int = Field(2, ge=0, description="Neighbours within +-k days.")
    charm_lookback: int = Field(3, ge=1, description="Past snapshots averaged ([CANON] 3).")
    charm_threshold: Positive = Field(1.1, description="Ratio above which charm accelerates.")
    charm_sensitivity: NonNegative = Field(1.05, description="s in 1 + (ratio - 1) s ([CANON]).")
    charm_clip: tuple[float, float] = Field((0.5, 2.0), description="Clip of the acceleration.")
    charm_ratio_cap: Positive | None = Field(
        5.0, description="Cap of |F_charm|/|charmxoi| inside (1 + beta r) ([CANON]); None: none."
    )
    ratio_cap: Positive = Field(10.0, description="Clip of enhanced CTR and TDFI ([CANON]).")

    @model_validator(mode="after")
    def _check(self) -> DTdpiParams:
        lo, hi = self.gaussian_width_range
        if not lo <= hi < 0:
            raise ValueError(f"expected negative widths low <= high, was {(lo, hi)}")
        k = self.time_weight_knots
        if list(k) != sorted(k) or len(set(k)) != len(k) or k[0] < 0 or k[-1] > 1:
            raise ValueError(f"expected increasing knots in [0, 1], was {k}")
        _ordered(self.charm_clip, "charm_clip")
        return self


class Vri2Factors(BaseModel):
    """Switches of VRI 2.0's factors (off = neutral value)."""

    model_config = _FROZEN

    term_structure: bool = Field(default=True, description="Short over long ATM IV.")
    surface_dynamics: bool = Field(default=True, description="ATM IV over recent snapshots.")
    vomma: bool = Field(default=True, description="1 + (E - 1) n(|vommaxoi|).")
    vol_context: bool = Field(default=True, description="IV-percentile weight.")
    adaptive_thresholds: bool = Field(default=True, description="Thresholds follow the regime.")


class Vri2Params(BaseModel):
    """VRI 2.0, enhanced VVR and VFI (framework.md 1.4; ``enhanced_metrics.vri_2_0``)."""

    model_config = _FROZEN

    enabled: bool = True
    factors: Vri2Factors = Field(default_factory=Vri2Factors)
    term_structure_weight: NonNegative = Field(0.3, description="w in 1 + w (iv_s/iv_l - 1).")
    term_short_days: Positive = Field(7.0, description="Short maturity, calendar days ([CANON]).")
    term_long_days: Positive = Field(30.0, description="Long maturity, calendar days.")
    term_clip: tuple[float, float] = Field((0.7, 1.3), description="Clip ([CANON]).")
    surface_dynamics_factor: NonNegative = Field(0.2, description="s in 1 + s (iv/mean - 1).")
    surface_lookback: int = Field(5, ge=1, description="Past snapshots averaged ([CANON] 5).")
    surface_min_snapshots: int = Field(1, ge=1, description="Fewest past snapshots needed.")
    surface_clip: tuple[float, float] = Field((0.5, 1.5), description="Clip ([CANON]).")
    vomma_enhancement_factor: float = Field(
        1.5, ge=1.0, description="E: the largest |vommaxoi| gets x E, zero vomma x 1."
    )
    iv_thresholds: tuple[float, float] = Field(
        (0.3, 0.7), description="IV percentile below: low weight; above: high weight ([CANON])."
    )
    vol_context_weights: tuple[float, float] = Field(
        (0.9, 1.1), description="Weights below the low / above the high threshold ([CANON])."
    )
    adaptive_iv_shift_factor: NonNegative = Field(
        0.1, description="c: thresholds shift by c (iv_ratio - 1) ([CFG253] key, unused there)."
    )
    ratio_cap: Positive = Field(10.0, description="Clip of enhanced VVR and |VFI|.")

    @model_validator(mode="after")
    def _check(self) -> Vri2Params:
        _ordered(self.term_clip, "term_clip")
        _ordered(self.surface_clip, "surface_clip")
        _ordered(self.iv_thresholds, "iv_thresholds")
        if not self.term_short_days < self.term_long_days:
            raise ValueError(
                f"expected short < long maturity, was {self.term_short_days}, {self.term_long_days}"
            )
        return self


class AdaptiveParams(BaseModel):
    """Every parameter of ``adaptive_metrics`` (framework.md section 5.2 defaults)."""

    model_config = _FROZEN

    performance_tracking_window: int = Field(
        20, ge=1, description="Latest outcomes per method scored (adaptive_settings)."
    )
    a_dag: ADagParams = Field(default_factory=ADagParams)
    e_sdag: ESdagParams = Field(default_factory=ESdagParams)
    d_tdpi: DTdpiParams = Field(default_factory=DTdpiParams)
    vri_2_0: Vri2Params = Field(default_factory=Vri2Params)


__all__ = [
    "ADagFactors",
    "ADagParams",
    "AdaptiveParams",
    "DTdpiFactors",
    "DTdpiParams",
    "ESdagFactors",
    "ESdagParams",
    "MethodologyWeights",
    "TimeWeightProfiles",
    "Vri2Factors",
    "Vri2Params",
]
