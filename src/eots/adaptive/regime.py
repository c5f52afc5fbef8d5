"""A-DAG's volatility regime factor and the adaptive alignment coefficients it drives.

Regime factor v (dimensionless, neutral 1; base_system.md 4.1 with s = 1, inputs per 11.3)::

    v = 1
    v *= 1 + (IV / IV_avg - 1) * s/2          if the IV ratio is known
    v *= 1 + (ATR / ATR_avg - 1) * s'         if the ATR ratio is known; s' = s/2 after the IV
                                              term, s when the IV term is missing
    v = clip(v, 0.5, 2.0)

``IV / IV_avg`` is the market context's ``iv_ratio`` (30-day constant-maturity ATM IV over the mean
of prior sessions' end-of-day values, 20 sessions) and ``ATR / ATR_avg`` its ``atr_ratio`` (Wilder
ATR(14) over the mean of its last 20 values). A ratio counts only when its ``Estimate`` is
sufficient; with neither, v = 1 and the factor is flagged neutral. v > 1 means a hotter regime than
usual.

Adaptive alpha (framework.md 1.1): ``aligned = 1.3 v``, ``opposed = 0.7 / v``, ``neutral = 1``: in a
hot regime flow that agrees with dealer delta exposure counts more and opposing flow less.
"""

from __future__ import annotations

from eots.adaptive.params import ADagParams
from eots.adaptive.report import ScalarFactor, measured, switched_off, thin
from eots.market import MarketContext
from eots.metrics.params import AlignmentCoefficients

_METRIC, _FACTOR = "a_dag", "regime_factor"


def regime_factor(
    iv_ratio: float | None, atr_ratio: float | None, sensitivity: float, clip: tuple[float, float]
) -> float:
    """Return v from the known ratios (None = unknown).

    Examples
    --------
    >>> regime_factor(None, 1.5, 1.0, (0.5, 2.0))
    1.5
    >>> round(regime_factor(1.2, 1.5, 1.0, (0.5, 2.0)), 4)
    1.375
    >>> regime_factor(None, None, 1.0, (0.5, 2.0))
    1.0
    """
    v = 1.0
    if iv_ratio is not None:
        v *= 1.0 + (iv_ratio - 1.0) * sensitivity / 2.0
    if atr_ratio is not None:
        weight = sensitivity / 2.0 if iv_ratio is not None else sensitivity
        v *= 1.0 + (atr_ratio - 1.0) * weight
    return min(clip[1], max(clip[0], v))


def volatility_regime(context: MarketContext | None, params: ADagParams) -> ScalarFactor:
    """Return the regime factor v of ``context`` with its report (module docstring)."""
    if not params.factors.volatility_regime:
        return ScalarFactor(value=1.0, report=switched_off(_METRIC, _FACTOR))
    if context is None:
        return ScalarFactor(value=1.0, report=thin(_METRIC, _FACTOR, 1.0, "no market context"))
    iv = context.iv_ratio.value if context.iv_ratio.sufficient else None
    atr = context.atr_ratio.value if context.atr_ratio.sufficient else None
    if iv is None and atr is None:
        why = f"{context.iv_ratio.note}; {context.atr_ratio.note}"
        return ScalarFactor(value=1.0, report=thin(_METRIC, _FACTOR, 1.0, why))
    v = regime_factor(iv, atr, params.vol_regime_sensitivity, params.vol_regime_clip)
    parts = [f"IV ratio {iv:.4f}" if iv is not None else "IV ratio unknown"]
    parts.append(f"ATR ratio {atr:.4f}" if atr is not None else "ATR ratio unknown")
    return ScalarFactor(value=v, report=measured(_METRIC, _FACTOR, v, ", ".join(parts)))


def adaptive_alpha(v: float, base: AlignmentCoefficients) -> AlignmentCoefficients:
    """Return ``aligned * v``, ``opposed / v``, ``neutral`` (v > 0).

    Examples
    --------
    >>> a = adaptive_alpha(1.5, AlignmentCoefficients())
    >>> round(a.aligned, 4), round(a.opposed, 4), a.neutral
    (1.95, 0.4667, 1.0)
    """
    return AlignmentCoefficients(
        aligned=base.aligned * v, opposed=base.opposed / v, neutral=base.neutral
    )


__all__ = ["adaptive_alpha", "regime_factor", "volatility_regime"]
