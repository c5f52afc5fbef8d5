"""D-TDPI's dynamic Gaussian width of the strike proximity, from recent volatility.

Proximity keeps the base TDPI convention ``exp(w ((K - S) / ATR)^2)`` with w < 0 (base_system.md
11.3; the [CANON] positive-width form zeroed D-TDPI, 4.3). The width follows the recent volatility
regime, the market context's ``atr_ratio`` (Wilder ATR(14) over its 20-session mean)::

    w = clip(w_base (1 + k (atr_ratio - 1)), gaussian_width_range)     w_base = -0.5, k = 0.5

with ``gaussian_width_range`` = [-0.7, -0.3] (framework.md 5.2). A hotter regime (ratio > 1) makes
w more negative, a narrower Gaussian in ATR units (the older [DOCS] proposal's direction): the ATR
already widens the band in dollars, and pin pressure concentrates near spot when ranges expand.
Neutral (ratio unknown or 1): w = w_base, the base TDPI width. Dimensionless (per ATR^2).
"""

from __future__ import annotations

from eots.adaptive.params import DTdpiParams
from eots.adaptive.report import ScalarFactor, measured, switched_off, thin
from eots.market import MarketContext

_METRIC, _FACTOR = "d_tdpi", "gaussian_width"


def gaussian_width(ratio: float, params: DTdpiParams) -> float:
    """Return w for a volatility ratio.

    Examples
    --------
    >>> gaussian_width(1.5, DTdpiParams())
    -0.625
    >>> gaussian_width(3.0, DTdpiParams())
    -0.7
    """
    lo, hi = params.gaussian_width_range
    w = params.gaussian_width_base * (1.0 + params.gaussian_width_sensitivity * (ratio - 1.0))
    return min(hi, max(lo, w))


def dynamic_gaussian_width(context: MarketContext | None, params: DTdpiParams) -> ScalarFactor:
    """Return the width w with its report (neutral: ``gaussian_width_base``)."""
    base = min(
        max(params.gaussian_width_base, params.gaussian_width_range[0]),
        params.gaussian_width_range[1],
    )
    if not params.factors.dynamic_width:
        return ScalarFactor(value=base, report=switched_off(_METRIC, _FACTOR, base))
    if context is None:
        return ScalarFactor(value=base, report=thin(_METRIC, _FACTOR, base, "no market context"))
    if not context.atr_ratio.sufficient:
        return ScalarFactor(value=base, report=thin(_METRIC, _FACTOR, base, context.atr_ratio.note))
    w = gaussian_width(context.atr_ratio.value, params)
    how = f"ATR ratio {context.atr_ratio.value:.4f}"
    return ScalarFactor(value=w, report=measured(_METRIC, _FACTOR, w, how))


__all__ = ["dynamic_gaussian_width", "gaussian_width"]
