"""VRI 2.0's vol-context weight with adaptive IV-percentile thresholds.

IV percentile ``q`` (0..1): the market context's ``iv_percentile`` (30-day ATM IV against prior
sessions' end-of-day values, a year; sufficient after 20 sessions). Thresholds (base_system.md 4.4;
made adaptive with the [CFG253] ``adaptive_iv_shift_factor`` c = 0.1 that the original never used)::

    shift    = c (iv_ratio - 1)                       iv_ratio = IV / its 20-session mean
    low, high = clip(0.30 + shift, 0, 1), clip(0.70 + shift, 0, 1)
    weight   = 0.9 if q < low;  1.1 if q > high;  1 otherwise

After IV has risen above its recent mean the bands move up, so a percentile has to clear the new
regime to count as high (and a merely elevated level is not called low). Unknown ``iv_ratio``:
no shift (the thresholds factor flagged neutral). Unknown percentile: weight 1, flagged neutral.
"""

from __future__ import annotations

from eots.adaptive.params import Vri2Params
from eots.adaptive.report import FactorReport, ScalarFactor, measured, switched_off, thin
from eots.market import MarketContext

_METRIC = "vri_2_0"


def iv_thresholds(iv_ratio: float | None, params: Vri2Params) -> tuple[float, float]:
    """Return the (low, high) percentile thresholds for an IV ratio (None: unshifted).

    Examples
    --------
    >>> tuple(round(x, 4) for x in iv_thresholds(1.5, Vri2Params()))
    (0.35, 0.75)
    """
    shift = 0.0 if iv_ratio is None else params.adaptive_iv_shift_factor * (iv_ratio - 1.0)
    lo, hi = params.iv_thresholds
    return min(1.0, max(0.0, lo + shift)), min(1.0, max(0.0, hi + shift))


def context_weight(percentile: float, thresholds: tuple[float, float], params: Vri2Params) -> float:
    """Return the vol-context weight of a percentile.

    Examples
    --------
    >>> context_weight(0.2, (0.3, 0.7), Vri2Params()), context_weight(0.8, (0.3, 0.7), Vri2Params())
    (0.9, 1.1)
    """
    if percentile < thresholds[0]:
        return params.vol_context_weights[0]
    if percentile > thresholds[1]:
        return params.vol_context_weights[1]
    return 1.0


def adaptive_thresholds(
    context: MarketContext | None, params: Vri2Params
) -> tuple[tuple[float, float], tuple[FactorReport, ...]]:
    """Return the thresholds and one report each (``iv_threshold_low``, ``iv_threshold_high``)."""
    base = iv_thresholds(None, params)
    names = ("iv_threshold_low", "iv_threshold_high")
    if not params.factors.adaptive_thresholds:
        return base, tuple(switched_off(_METRIC, n, v) for n, v in zip(names, base, strict=True))
    if context is None or not context.iv_ratio.sufficient:
        why = "no market context" if context is None else context.iv_ratio.note
        return base, tuple(thin(_METRIC, n, v, why) for n, v in zip(names, base, strict=True))
    ratio = context.iv_ratio.value
    out = iv_thresholds(ratio, params)
    how = f"shifted by {params.adaptive_iv_shift_factor} x (IV ratio {ratio:.4f} - 1)"
    return out, tuple(measured(_METRIC, n, v, how) for n, v in zip(names, out, strict=True))


def vol_context_weight(
    context: MarketContext | None, thresholds: tuple[float, float], params: Vri2Params
) -> ScalarFactor:
    """Return the vol-context weight with its report."""
    factor = "vol_context_weight"
    if not params.factors.vol_context:
        return ScalarFactor(value=1.0, report=switched_off(_METRIC, factor))
    if context is None or not context.iv_percentile.sufficient:
        why = "no market context" if context is None else context.iv_percentile.note
        return ScalarFactor(value=1.0, report=thin(_METRIC, factor, 1.0, why))
    q = context.iv_percentile.value
    value = context_weight(q, thresholds, params)
    how = f"IV percentile {q:.3f} against thresholds ({thresholds[0]:.3f}, {thresholds[1]:.3f})"
    return ScalarFactor(value=value, report=measured(_METRIC, factor, value, how))


__all__ = ["adaptive_thresholds", "context_weight", "iv_thresholds", "vol_context_weight"]
