"""Parameters of the base metric engine, with the base system's defaults.

Every knob of ``eots.metrics`` is a named, documented field here; defaults are the ITS v2.4.1
``DEFAULT_CONFIG`` (base_system.md section 8.1) unless the field says otherwise. Options that
reproduce an original defect exist so the original can still be matched exactly; the defaults are
the fixes adopted in base_system.md section 11 and conventions.md.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")
NonNegative = Annotated[float, Field(ge=0.0)]


class NormalisationScope(StrEnum):
    """Rows over which ``n(x) = x / max|x|`` (and chain-wide scalars such as the skew factor) run.

    ``all``: every live contract of the snapshot (the original). ``per_expiry``: each expiry on its
    own. ``0dte``: only contracts expiring in the snapshot's session; all other contracts get NaN.
    """

    ALL = "all"
    PER_EXPIRY = "per_expiry"
    ZERO_DTE = "0dte"


class FlowRatioShape(StrEnum):
    """DAG flow ratio ``r = |F_delta| / |dxoi|``: raw (ITS v2.4.1, unbounded) or squashed."""

    RAW = "raw"
    SIGMOID = "sigmoid"  # phi(r) = 2 / (1 + exp(-k r)) - 1, in [0, 1) ([CANON], the seed's A-DAG)


class ProximityShape(StrEnum):
    """Strike-proximity weight shapes (base_system.md section 2.2)."""

    NONE = "none"  # weight 1
    GAUSSIAN_ATR = "gaussian_atr"  # exp(w ((K - S) / ATR)^2), w < 0 ([ITS241] TDPI)
    LINEAR_BAND_DELTA = (
        "linear_band_delta"  # clip(1 - |K-S|/(b S), 0, 1) * clip(.5+.5|delta|, .5, 1)
    )
    LINEAR_BAND = "linear_band"  # clip(1 - |K-S|/(b S), 0, 1)


class TimeWeightShape(StrEnum):
    """TDPI time-of-day weight (base_system.md section 2.3)."""

    QUADRATIC = "quadratic"  # 1 + p^2, p = session fraction elapsed ([ITS241])
    STEP = "step"  # 1.2 in the first hour, 1.5 in the last hour, else 1 ([CANON])
    NONE = "none"  # 1


class SdagWeightedUnits(StrEnum):
    """How SDAG-weighted combines gamma exposure (shares per $1) with delta exposure (shares).

    ``raw_mix``: ``(w1 G + w2 D) / (w1 + w2)`` as in [ITS241]; it adds unlike units, so the result
    depends on the price level and is dominated by D. ``rescaled`` (default): D is first expressed
    in G's units by the ratio of their scope maxima, ``D * max|G| / max|D|``, so that both terms are
    in shares per $1 and carry the weights w1, w2 as intended (``n`` of the result equals
    ``n(w1 n(G) + w2 n(D))``).
    """

    RESCALED = "rescaled"
    RAW_MIX = "raw_mix"


class GammaBasis(StrEnum):
    """Sign of G in SDAG: the holder's gamma (``gxoi`` >= 0, original) or dealer-signed."""

    HOLDER = "holder"
    DEALER = "dealer"  # gxoi * dealer_sign (exposures.SignConvention)


class MspiSelection(StrEnum):
    """How MSPI weights are chosen (``data_processor_settings.weights.selection_logic``)."""

    TIME_BASED = "time_based"
    VOLATILITY_BASED = "volatility_based"


class MspiComponentBasis(StrEnum):
    """What MSPI weighs: normalised components (fix, [CANON]) or the original raw DAG/TDPI/VRI."""

    NORMALISED = "normalised"
    RAW_ORIGINAL = "raw_original"


class SaiMethod(StrEnum):
    """SAI definition (base_system.md section 3.6)."""

    SIGNS_DAG_TDPI_VRI = "signs_dag_tdpi_vri"  # [ITS241]: mean of pairwise sign products of 3
    SIGN_PAIRS = "sign_pairs"  # [V24]: mean pairwise sign products of all weighted components
    TANH_PAIRS = "tanh_pairs"  # [CANON]: mean of tanh(k c_i c_j), c_k = w_k n(metric_k)


class SsiMethod(StrEnum):
    """SSI definition (base_system.md section 3.7)."""

    STD = "std"  # [ITS241]: clip(1 - std_k(n_k), 0, 1) over the weighted components
    STD_OVER_HALF = "std_over_half"  # [CANON]: 1 - min(1, std_k(w_k n_k) / 0.5)


class AtrProxy(StrEnum):
    """ATR used when ``MetricInputs.atr`` is None."""

    ATM_IV = "atm_iv"  # S * iv_atm * sqrt(1 / 252): a one-day 1-sigma move
    PERCENT_OF_PRICE = "percent_of_price"  # max(S * pct, min) ([ITS241] tdpi_atr_fallback)


class SecondOrderFlow(StrEnum):
    """Charm, vanna and vomma flow: the greek x volume proxy (original) or signed by net volume."""

    PROXY = "proxy"  # charmxvolm, vannaxvolm, vommaxvolm (unsigned volume; always the original)
    SIGNED = "signed"  # greek * volm_bs * multiplier when volm_bs is present, else the proxy


class AlignmentCoefficients(BaseModel):
    """Flow/exposure alignment coefficient: sgn(flow) * sgn(exposure) > 0, < 0, or either 0."""

    model_config = _FROZEN

    aligned: float = Field(1.3, description="Flow and exposure share a sign.")
    opposed: float = Field(0.7, description="Flow and exposure have opposite signs.")
    neutral: float = Field(1.0, description="Flow or exposure is zero.")


class DagParams(BaseModel):
    """DAG (``dag_custom``), base_system.md section 3.1."""

    model_config = _FROZEN

    alpha: AlignmentCoefficients = Field(
        default_factory=AlignmentCoefficients, description="coefficients.dag_alpha"
    )
    flow_ratio: FlowRatioShape = Field(FlowRatioShape.RAW, description="Raw or sigmoid ratio.")
    sigmoid_steepness: float = Field(3.0, gt=0, description="k in 2/(1+exp(-k r)) - 1.")
    proximity: ProximityShape = Field(
        ProximityShape.NONE, description="Proximity weight on DAG (none in ITS; [CANON] linear)."
    )
    volume_weight: NonNegative = Field(
        0.0, description="k in gxoi * (1 + k n(|volume|)); [CANON] uses 0.3, ITS none (0)."
    )


class SdagMethodParams(BaseModel):
    """One SDAG method's ``dag_methodologies`` entry."""

    model_config = _FROZEN

    weight_in_mspi: NonNegative = Field(
        0.1, description="Gate: the method enters MSPI only when > 0 (ITS get_weights)."
    )
    delta_weight_factor: float = Field(0.5, description="f: weight of n(dxoi).")


class SdagWeightedParams(BaseModel):
    """SDAG-weighted's ``dag_methodologies.weighted`` entry."""

    model_config = _FROZEN

    weight_in_mspi: NonNegative = Field(0.1, description="Gate: enters MSPI only when > 0.")
    w1_gamma: NonNegative = Field(0.6, description="Weight of gamma exposure G.")
    w2_delta: NonNegative = Field(0.4, description="Weight of delta exposure D.")
    units: SdagWeightedUnits = Field(
        SdagWeightedUnits.RESCALED, description="How D is put in G's units (see the enum)."
    )

    @model_validator(mode="after")
    def _positive_total(self) -> SdagWeightedParams:
        if self.w1_gamma + self.w2_delta <= 0:
            raise ValueError(f"expected w1 + w2 > 0, was {self.w1_gamma} + {self.w2_delta}")
        return self


class SdagParams(BaseModel):
    """SDAG, four methods (base_system.md section 3.2)."""

    model_config = _FROZEN

    multiplicative: SdagMethodParams = Field(default_factory=SdagMethodParams)
    directional: SdagMethodParams = Field(
        default_factory=lambda: SdagMethodParams(weight_in_mspi=0.0)
    )
    weighted: SdagWeightedParams = Field(default_factory=SdagWeightedParams)
    volatility_focused: SdagMethodParams = Field(default_factory=SdagMethodParams)
    use_skew_adjusted: bool = Field(
        default=False, description="G = sgxoi = gxoi * clip(iv / iv_underlying, lo, hi) ([V24])."
    )
    skew_ratio_clip: tuple[float, float] = Field(
        (0.1, 10.0), description="Clip of iv / iv_underlying in sgxoi."
    )
    gamma_basis: GammaBasis = Field(GammaBasis.HOLDER, description="Sign of G.")


class TdpiParams(BaseModel):
    """TDPI, CTR and TDFI (base_system.md section 3.3)."""

    model_config = _FROZEN

    beta: AlignmentCoefficients = Field(
        default_factory=AlignmentCoefficients, description="coefficients.tdpi_beta"
    )
    gaussian_width: float = Field(
        -0.5, lt=0, description="w in exp(w ((K - S)/ATR)^2); negative (ITS -0.5, 3.2.6 -0.45)."
    )
    proximity: ProximityShape = Field(ProximityShape.GAUSSIAN_ATR, description="Proximity shape.")
    time_weight: TimeWeightShape = Field(TimeWeightShape.QUADRATIC, description="Time-of-day.")
    step_open_factor: float = Field(1.2, description="Step weight in the first hour ([CANON]).")
    step_close_factor: float = Field(1.5, description="Step weight in the last hour ([CANON]).")
    dte_weight: bool = Field(
        default=False, description="Multiply by the [CANON] DTE weight (off in ITS)."
    )
    dte_decay: NonNegative = Field(0.05, description="lambda in exp(-lambda DTE) ([CANON]).")


class VriParams(BaseModel):
    """VRI, VVR and VFI (base_system.md section 3.4)."""

    model_config = _FROZEN

    gamma: AlignmentCoefficients = Field(
        default_factory=AlignmentCoefficients, description="coefficients.vri_gamma"
    )
    skew_clip: tuple[float, float] | None = Field(
        None, description="Clip of the skew factor; None in ITS, (0.5, 1.5) in [CANON]."
    )
    vol_trend_fallback_factor: float = Field(
        0.95, gt=0, description="f: trend factor 1 + (1 - f)/f when IV_5d is unavailable."
    )
    iv5_target_dte: float = Field(
        5.0, gt=0, description="Calendar DTE of the expiry whose ATM IV stands for IV_5d."
    )


class MspiWeights(BaseModel):
    """One MSPI weight set; keys are the component metrics (weights need not sum to 1)."""

    model_config = _FROZEN

    dag_custom: NonNegative = 0.0
    tdpi: NonNegative = 0.0
    vri: NonNegative = 0.0
    sdag_multiplicative: NonNegative = 0.0
    sdag_directional: NonNegative = 0.0
    sdag_weighted: NonNegative = 0.0
    sdag_volatility_focused: NonNegative = 0.0

    @model_validator(mode="after")
    def _some_weight(self) -> MspiWeights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("expected at least one positive MSPI weight, all were 0")
        return self


def _w(dag: float, tdpi: float, vri: float, mult: float, w: float = 0.0, vf: float = 0.0) -> Any:
    return Field(
        default_factory=lambda: MspiWeights(
            dag_custom=dag,
            tdpi=tdpi,
            vri=vri,
            sdag_multiplicative=mult,
            sdag_weighted=w,
            sdag_volatility_focused=vf,
        )
    )


class MspiParams(BaseModel):
    """MSPI weights and their selection (base_system.md section 3.5)."""

    model_config = _FROZEN

    selection: MspiSelection = Field(MspiSelection.TIME_BASED, description="selection_logic.")
    morning: MspiWeights = _w(0.3, 0.2, 0.2, 0.1, 0.1, 0.1)
    midday: MspiWeights = _w(0.3, 0.3, 0.2, 0.2)
    final: MspiWeights = _w(0.2, 0.4, 0.2, 0.2)
    low_iv: MspiWeights = _w(0.45, 0.2, 0.15, 0.2)
    high_iv: MspiWeights = _w(0.3, 0.25, 0.25, 0.2)
    iv_percentile_threshold: float = Field(
        50.0, ge=0, le=100, description="low_iv when iv_percentile_30d * 100 < this."
    )
    morning_end: dt.time = Field(dt.time(11, 0), description="ET; morning session before this.")
    midday_end: dt.time = Field(dt.time(14, 0), description="ET; midday before this, then final.")
    renormalise_weights: bool = Field(
        default=True, description="Scale the used weights to sum to 1 ([CANON] fix)."
    )
    component_basis: MspiComponentBasis = Field(MspiComponentBasis.NORMALISED)
    outer_normalise: bool = Field(default=True, description="mspi = n(sum_k w_k c_k).")


class BaseMetricParams(BaseModel):
    """Every parameter of ``base_metrics`` (defaults: ITS v2.4.1 with the section 11 fixes)."""

    model_config = _FROZEN

    normalisation_scope: NormalisationScope = Field(
        NormalisationScope.ALL, description="Scope of n() and chain-wide scalars."
    )
    clip_percentile: float = Field(
        100.0, gt=0, le=100, description="Clip |x| at this percentile before n(); 100 = none."
    )
    market_open: dt.time = Field(dt.time(9, 30), description="ET session open.")
    market_close: dt.time = Field(dt.time(16, 0), description="ET session close.")
    proximity_band: float = Field(
        0.075, gt=0, description="b: linear proximity band as a fraction of spot ([CANON] 7.5 %)."
    )
    dag: DagParams = Field(default_factory=DagParams)
    sdag: SdagParams = Field(default_factory=SdagParams)
    tdpi: TdpiParams = Field(default_factory=TdpiParams)
    vri: VriParams = Field(default_factory=VriParams)
    mspi: MspiParams = Field(default_factory=MspiParams)
    sai_method: SaiMethod = Field(SaiMethod.SIGNS_DAG_TDPI_VRI)
    sai_tanh_scale: float = Field(10.0, gt=0, description="k in tanh(k c_i c_j) ([CANON]).")
    ssi_method: SsiMethod = Field(SsiMethod.STD)
    arfi_normalise: bool = Field(
        default=False, description="ARFI = n(mean ratio) ([CANON]); raw ratio scale in ITS."
    )
    atr_proxy: AtrProxy = Field(AtrProxy.ATM_IV, description="ATR when none is given.")
    atr_iv_days: float = Field(
        30.0, gt=0, le=365, description="constant maturity (days) of the ATM IV in the ATR proxy"
    )
    atr_fallback_percentage: float = Field(0.005, gt=0, description="ITS tdpi_atr_fallback pct.")
    atr_fallback_min: float = Field(1.0, ge=0, description="ITS tdpi_atr_fallback min_value ($).")
    second_order_flow: SecondOrderFlow = Field(SecondOrderFlow.PROXY)
    proxy_fill_missing_rows: bool = Field(
        default=False,
        description="With direct flow, rows whose split is unknown use the proxy (else NaN).",
    )
