"""Parameters of the signals (framework.md sections 3.1-3.4 and 4.2, config ``enhanced_signals``).

Every threshold and weight of ``docs/signals.md`` lives here once, with its default and unit. The
framework's own config keys keep their names and values (``persistence_factor`` 0.3,
``momentum_weight`` 0.25, ``minimum_score_threshold`` 0.6, ``term_structure_weight`` 0.4,
``divergence_weight`` 0.3, ``regime_adaptation_factor`` 0.5, ``pin_risk_enhancement_factor`` 1.3,
``charm_cascade_prediction_weight`` 0.4, ``expiration_scaling_factor`` 0.2,
``cross_correlation_weight`` 0.3, ``structure_change_sensitivity`` 0.6, ``early_detection_bonus``
0.2); the base system's eight signals keep the [ITS241] defaults (base_system.md 6.1).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eots.signals.model import Horizon

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: Families of the registry, in composition order (complex reads the others' scores).
FAMILIES: tuple[str, ...] = ("directional", "volatility", "time_decay", "base", "complex")

#: Every signal name a family can emit (``signal_activation`` accepts these and the families).
SIGNAL_NAMES: tuple[str, ...] = (
    "directional.composite",
    "volatility.expansion",
    "volatility.contraction",
    "time_decay.pin_risk",
    "time_decay.charm_cascade",
    "complex.structure_change",
    "complex.flow_divergence",
    "complex.sdag_conviction",
    "complex.composite",
    "base.directional",
    "base.volatility_expansion",
    "base.volatility_contraction",
    "base.pin_risk",
    "base.charm_cascade",
    "base.structure_change",
    "base.flow_divergence",
    "base.sdag_conviction",
)

#: Conviction ladder of conventions.md section 6: strength >= t_i gives i + 1 stars.
STAR_THRESHOLDS: tuple[float, float, float, float, float] = (0.1, 0.3, 0.5, 0.7, 0.9)


class ProximityParams(BaseModel):
    """Which strikes count as "near the price" (Gaussian weights in ATR units)."""

    model_config = _FROZEN

    width_atr: float = Field(0.5, gt=0, le=5, description="sigma of exp(-0.5 (d/(w ATR))^2)")
    band_atr: float = Field(2.0, gt=0, le=20, description="strikes beyond +-band ATR ignored")


class DirectionalParams(BaseModel):
    """Section 3.1: continuous directional score, persistence, momentum, adaptive threshold."""

    model_config = _FROZEN

    weight_structure: float = Field(0.45, ge=0, description="weight of near-price MSPI")
    weight_consensus: float = Field(0.35, ge=0, description="weight of the DAG/SDAG sign vote")
    weight_flow: float = Field(0.20, ge=0, description="weight of signed flow (when known)")
    momentum_weight: float = Field(0.25, ge=0, le=1, description="share of bar momentum")
    momentum_bars: int = Field(6, ge=2, le=500, description="bars in the momentum return")
    momentum_z_scale: float = Field(
        2.0, gt=0, description="z of the n-bar return giving tanh(1) momentum"
    )
    persistence_factor: float = Field(0.3, ge=0, le=2, description="boost at full persistence")
    persistence_full: int = Field(6, ge=1, description="updates for the full persistence boost")
    vol_reference: float = Field(0.15, gt=0, description="ATM IV with no star adjustment")
    vol_star_exponent: float = Field(
        0.5, ge=0, le=2, description="strength / (iv / vol_reference)^k before the ladder"
    )
    vol_factor_range: tuple[float, float] = Field((0.5, 2.0), description="clip of iv/ref")
    minimum_score_threshold: float = Field(
        0.3,
        gt=0,
        le=1,
        description="|composite| floor for a final signal (seed 0.6 on its "
        "points scale; 0.3 on ours, see docs/signals.md)",
    )
    adaptive_quantile: float = Field(
        0.7, gt=0, lt=1, description="threshold = max(floor, this quantile of recent |score|)"
    )
    adaptive_cap: float = Field(0.8, gt=0, le=1, description="adaptive threshold never above")
    horizon: Horizon = Field(Horizon.MIN_30, description="horizon of the direction claim")


class VolatilityParams(BaseModel):
    """Section 3.2: regimes, regime-aware thresholds, term structure, divergence."""

    model_config = _FROZEN

    weight_gamma: float = Field(0.6, ge=0, description="structure: -(net/abs) GEX near price")
    weight_flow: float = Field(0.4, ge=0, description="structure: tanh(ln VFI) near price")
    term_structure_weight: float = Field(0.4, ge=0, le=1, description="share of term signal")
    divergence_weight: float = Field(0.3, ge=0, le=1, description="share of RV/IV divergence")
    term_scale: float = Field(0.1, gt=0, description="slope beyond the centre giving tanh(1)")
    term_center: float = Field(
        -0.05, description="short/back - 1 of an ordinary contango (term score 0 there)"
    )
    short_min_days: float = Field(
        1.0, ge=0, description="the term's short end: first expiry at least this many days out"
    )
    divergence_scale: float = Field(0.3, gt=0, description="RV/IV - 1 giving tanh(1)")
    back_days: float = Field(30.0, gt=0, description="maturity of the back IV, days")
    rv_bars: int = Field(20, ge=3, le=2000, description="bar returns in the realised vol")
    bar_minutes: float = Field(5.0, gt=0, description="bar length when it cannot be inferred")
    threshold: float = Field(0.3, gt=0, le=1, description="|composite| for a final signal")
    regime_adaptation_factor: float = Field(
        0.5, ge=0, le=1, description="share of the regime multiplier applied to the threshold"
    )
    regime_multipliers: dict[str, float] = Field(
        default_factory=lambda: {"calm": 0.8, "normal": 1.0, "elevated": 1.2, "stressed": 1.4},
        description="threshold multiplier per vol regime",
    )
    stressed_inversion: float = Field(
        0.05, ge=0, description="short/back - 1 above this is backwardation (stressed)"
    )
    elevated_percentile: float = Field(0.7, gt=0, lt=1, description="IV percentile: elevated")
    calm_percentile: float = Field(0.3, gt=0, lt=1, description="IV percentile: calm")
    elevated_iv: float = Field(0.25, gt=0, description="ATM IV: elevated (no percentile)")
    calm_iv: float = Field(0.12, gt=0, description="ATM IV: calm (no percentile)")
    horizon: Horizon = Field(Horizon.CLOSE, description="horizon of the volatility claim")


class TimeDecayParams(BaseModel):
    """Section 3.3: expiration-aware thresholds, pin risk, charm cascade, decay pressure."""

    model_config = _FROZEN

    pin_risk_enhancement_factor: float = Field(1.3, gt=0, le=3, description="pin score scale")
    concentration_reference: float = Field(
        0.25, gt=0, le=1, description="share of near-price |GEX| at one strike scoring 1"
    )
    pin_window_atr: float = Field(1.0, gt=0, description="candidate pin strikes within +-ATR")
    pin_hours: float = Field(3.0, gt=0, description="tau of exp(-hours to settlement / tau)")
    pin_distance_atr: float = Field(0.25, gt=0, description="claim: settle within this ATR")
    price_action_bars: int = Field(12, ge=1, description="recent bars read for price action")
    charm_cascade_prediction_weight: float = Field(0.4, ge=0, le=1, description="composite")
    decay_weight: float = Field(0.2, ge=0, le=1, description="composite share of D-TDPI")
    threshold: float = Field(0.4, gt=0, le=1, description="0DTE score for a final signal")
    expiration_scaling_factor: float = Field(
        0.2, ge=0, description="threshold * (1 + f * days to the front settlement)"
    )
    max_days: float = Field(3.0, gt=0, description="front expiries further out: no signal")


class ComplexParams(BaseModel):
    """Section 3.4: structure change, flow divergence, SDAG conviction, cross-correlation."""

    model_config = _FROZEN

    structure_change_sensitivity: float = Field(0.6, ge=0, le=1, description="weight of 1-SSI")
    early_detection_bonus: float = Field(0.2, ge=0, le=1, description="weight of SSI drop")
    flip_weight: float = Field(0.2, ge=0, le=1, description="weight of gamma-flip proximity")
    flip_width_atr: float = Field(0.5, gt=0, description="sigma of the flip proximity, ATR")
    early_z_scale: float = Field(2.0, gt=0, description="SSI drop z giving tanh(1)")
    cross_correlation_weight: float = Field(0.3, ge=0, le=1, description="composite boost")
    correlation_min_updates: int = Field(5, ge=3, description="history for a correlation")
    flow_z_scale: float = Field(1.0, gt=0, description="flow imbalance giving tanh(1)")
    threshold: float = Field(0.3, gt=0, le=1, description="floor of the adaptive threshold")
    adaptive_quantile: float = Field(0.7, gt=0, lt=1, description="of recent |scores|")
    adaptive_cap: float = Field(0.8, gt=0, le=1, description="adaptive threshold never above")
    horizon: Horizon = Field(Horizon.MIN_30, description="horizon of the complex claims")


class BaseSignalParams(BaseModel):
    """The base system's eight signals with their [ITS241] defaults (base_system.md 6.1)."""

    model_config = _FROZEN

    t_sai: float = Field(0.7, ge=0, le=1, description="directional: |SAI| >= this")
    vri_expansion_factor: float = Field(1.5, gt=0, description="T_vri = f * mean(VRI)")
    vri_fallback: float = Field(0.5, gt=0, description="T_vri when the mean is not finite")
    vfi_expansion: float = Field(1.2, gt=0, description="expansion: VFI > this")
    vri_contraction_factor: float = Field(0.5, gt=0, description="T_vri' = f * mean(VRI)")
    vfi_contraction: float = Field(0.8, gt=0, description="contraction: VFI < this")
    ssi_percentile: float = Field(85.0, gt=0, lt=100, description="contraction: SSI >= P")
    tdpi_factor: float = Field(1.5, gt=0, description="pin: |TDPI| > f * mean(TDPI)")
    tdpi_fallback: float = Field(0.4, gt=0, description="T_tdpi when the mean is not finite")
    ctr_threshold: float = Field(1.2, gt=0, description="charm cascade: CTR > this")
    tdfi_threshold: float = Field(1.2, gt=0, description="charm cascade: TDFI > this")
    sc_percentile: float = Field(15.0, gt=0, lt=100, description="structure change: SSI <= P")
    sc_split: float = Field(0.2, gt=0, description="structure change score split")
    arfi_tiers: tuple[float, float] = Field((0.75, 1.25), description="ARFI medium, high")
    sdag_min_agreement: int = Field(2, ge=1, le=4, description="SDAG methods that agree")
    max_per_signal: int = Field(3, ge=1, le=50, description="strikes kept per signal type")
    band_pct: float = Field(0.05, gt=0, le=1, description="strikes within +-band of spot")
    points_ladder: tuple[float, float, float, float, float] = Field(
        (0.5, 1.0, 2.0, 3.0, 4.0), description="points for 1..5 stars ([ITS241])"
    )


class IntegrationParams(BaseModel):
    """Section 4.2: weights prior, time-of-day profiles, market regimes, conflicts."""

    model_config = _FROZEN

    prior_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "directional": 1.0,
            "volatility": 1.0,
            "time_decay": 1.0,
            "complex": 1.0,
            "base": 1.0,
        },
        description="neutral prior: every family weighs the same until outcomes exist",
    )
    time_profiles: dict[str, tuple[float, float, float, float, float]] = Field(
        default_factory=lambda: {
            "directional": (1.2, 1.1, 1.0, 1.0, 0.9),
            "volatility": (1.2, 1.0, 0.9, 1.0, 1.1),
            "time_decay": (0.6, 0.8, 1.0, 1.3, 1.6),
            "complex": (1.0, 1.0, 1.0, 1.0, 1.0),
            "base": (1.0, 1.0, 1.0, 1.0, 1.0),
        },
        description="multiplier at session fractions 0, .25, .5, .75, 1 (linear between)",
    )
    regime_weights: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {
            "long_gamma_range": {"directional": 0.8, "time_decay": 1.3},
            "long_gamma_trend": {"directional": 1.1},
            "short_gamma_range": {"volatility": 1.2},
            "short_gamma_trend": {"directional": 1.3, "volatility": 1.2, "time_decay": 0.7},
            "stressed": {"volatility": 1.3, "directional": 0.9, "time_decay": 0.7},
        },
        description="family multipliers per market regime (missing: 1)",
    )
    trend_threshold: float = Field(0.35, gt=0, le=1, description="|momentum| for 'trend'")


class StateParams(BaseModel):
    """What the carried state keeps and for how long."""

    model_config = _FROZEN

    max_entries: int = Field(60, ge=2, le=10_000, description="recent updates kept")
    max_age_minutes: float = Field(120.0, gt=0, description="entries older than this dropped")
    max_gap_minutes: float = Field(
        30.0, gt=0, description="a longer gap between updates breaks persistence"
    )
    adaptive_min_updates: int = Field(5, ge=2, description="history for adaptive thresholds")


class SignalParams(BaseModel):
    """Every parameter of ``signals``, grouped by family (docs/signals.md)."""

    model_config = _FROZEN

    signal_activation: dict[str, bool] = Field(
        default_factory=lambda: dict.fromkeys(FAMILIES, True),
        description="family or signal name -> on/off (missing: on)",
    )
    proximity: ProximityParams = Field(default_factory=ProximityParams)
    directional: DirectionalParams = Field(default_factory=DirectionalParams)
    volatility: VolatilityParams = Field(default_factory=VolatilityParams)
    time_decay: TimeDecayParams = Field(default_factory=TimeDecayParams)
    complex: ComplexParams = Field(default_factory=ComplexParams)
    base: BaseSignalParams = Field(default_factory=BaseSignalParams)
    integration: IntegrationParams = Field(default_factory=IntegrationParams)
    state: StateParams = Field(default_factory=StateParams)

    @model_validator(mode="after")
    def _known_names(self) -> SignalParams:
        known = set(FAMILIES) | set(SIGNAL_NAMES)
        unknown = sorted(set(self.signal_activation) - known)
        if unknown:
            raise ValueError(
                f"expected signal_activation keys among families {FAMILIES} or signal names, "
                f"was {unknown}"
            )
        regimes = set(self.volatility.regime_multipliers)
        if regimes != {"calm", "normal", "elevated", "stressed"}:
            raise ValueError(
                f"expected regime_multipliers for calm, normal, elevated, stressed, was "
                f"{sorted(regimes)}"
            )
        return self

    def enabled(self, name: str) -> bool:
        """Return whether a family or signal (``family.signal``) is switched on."""
        family = name.split(".", 1)[0]
        return self.signal_activation.get(family, True) and self.signal_activation.get(name, True)


__all__ = [
    "FAMILIES",
    "SIGNAL_NAMES",
    "STAR_THRESHOLDS",
    "BaseSignalParams",
    "ComplexParams",
    "DirectionalParams",
    "IntegrationParams",
    "ProximityParams",
    "SignalParams",
    "StateParams",
    "TimeDecayParams",
    "VolatilityParams",
]
