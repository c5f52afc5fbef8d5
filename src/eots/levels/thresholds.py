"""Dynamic thresholds from market conditions: the MSPI level floors and the conviction threshold.

One factor scales both (base_system.md 5.2, the original's dynamic MSPI threshold):

    adj = clip(1 + (iv_rank - 0.5) * 2 * sens, lo, hi)

with ``iv_rank`` in 0..1 from the market context (its neutral 0.5 when history is thin, so the
factor is then exactly 1). A higher IV rank makes levels stricter: in a volatile tape only the
strongest structure is trusted. The MSPI floor of a timeframe is ``base * adj`` and the
high-conviction threshold is ``clip(minimum_conviction_score * adj, *threshold_range)``.
"""

from __future__ import annotations

from eots.levels.params import ConvictionParams, MspiThresholdParams


def condition_factor(iv_rank: float, params: MspiThresholdParams) -> float:
    """Return ``adj`` for an IV rank in 0..1 (NaN: neutral 1).

    Examples
    --------
    >>> p = MspiThresholdParams()
    >>> condition_factor(0.5, p), round(condition_factor(1.0, p), 6), condition_factor(0.0, p)
    (1.0, 1.2, 0.8)
    """
    if iv_rank != iv_rank:
        return 1.0
    lo, hi = params.adjustment_range
    return min(hi, max(lo, 1.0 + (iv_rank - 0.5) * 2.0 * params.iv_rank_sensitivity))


def mspi_threshold(base: float, factor: float) -> float:
    """Return the |MSPI| floor ``base * factor``, capped at 1."""
    return min(1.0, base * factor)


def conviction_threshold(factor: float, params: ConvictionParams) -> float:
    """Return the adaptive high-conviction threshold.

    Examples
    --------
    >>> round(conviction_threshold(1.2, ConvictionParams()), 6)
    0.84
    """
    lo, hi = params.threshold_range
    return min(hi, max(lo, params.minimum_conviction_score * factor))


__all__ = ["condition_factor", "conviction_threshold", "mspi_threshold"]
