"""``mspi_enhanced``: MSPI rebuilt from the adaptive metrics, so the levels can use them.

The base MSPI (``eots.metrics.mspi``) weighs normalised DAG, TDPI, VRI and the four SDAG methods.
The enhanced one uses the same weights the base metrics chose for the snapshot, with each base
component replaced by its framework counterpart (framework.md section 1)::

    dag_custom -> a_dag,  tdpi -> d_tdpi,  vri -> vri_2_0,  sdag_* -> e_sdag_composite
    mspi_enhanced = n( sum_k w_k * n(adaptive_k) ),  the SDAG weights summed onto E-SDAG

``n`` is max-abs normalisation over the strike rows; components missing everywhere are dropped
and the remaining weights renormalised (as the base MSPI does). Output dimensionless in -1..1.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from eots.metrics.arrays import Masked, fill_null, from_nan_series, sum_horizontal

#: Base MSPI component -> its adaptive counterpart.
COUNTERPART = {
    "dag_custom": "a_dag",
    "tdpi": "d_tdpi",
    "vri": "vri_2_0",
    "sdag_multiplicative": "e_sdag_composite",
    "sdag_directional": "e_sdag_composite",
    "sdag_weighted": "e_sdag_composite",
    "sdag_volatility_focused": "e_sdag_composite",
}


def _n(x: Masked) -> Masked:
    """Return ``x / max|x|`` over the rows (0 everywhere when the peak is not positive or unknown).

    Null stays null where the peak is positive; NaN is skipped by the maximum (``np.fmax``).
    """
    known = ~x.null
    peak = float(np.fmax.reduce(np.abs(x.v[known]))) if known.any() else math.nan
    if peak > 0:
        return x / peak
    return Masked(np.zeros(len(x.v)), np.zeros(len(x.v), dtype=np.bool_))


def enhanced_weights(base_weights: dict[str, float], columns: list[str]) -> dict[str, float]:
    """Map the base MSPI weights onto the adaptive columns present; renormalise to sum to 1.

    Examples
    --------
    >>> enhanced_weights({"dag_custom": 0.3, "sdag_directional": 0.1, "sdag_weighted": 0.1},
    ...                  ["a_dag", "e_sdag_composite"])
    {'a_dag': 0.6, 'e_sdag_composite': 0.4}
    """
    out: dict[str, float] = {}
    for base, w in base_weights.items():
        target = COUNTERPART.get(base)
        if target is not None and target in columns and w > 0:
            out[target] = out.get(target, 0.0) + w
    total = sum(out.values())
    return {k: round(v / total, 12) for k, v in out.items()} if total > 0 else {}


def mspi_enhanced(strikes: pl.DataFrame, base_weights: dict[str, float]) -> pl.Series:
    """Return the enhanced MSPI per row of ``strikes`` (module docstring); NaN without inputs."""
    weights = enhanced_weights(base_weights, strikes.columns)
    if not weights or strikes.height == 0:
        return pl.Series("mspi_enhanced", [float("nan")] * strikes.height, pl.Float64)
    total = sum_horizontal(
        [w * fill_null(_n(from_nan_series(strikes.get_column(c))), 0.0) for c, w in weights.items()]
    )
    return _n(total).series("mspi_enhanced")


__all__ = ["COUNTERPART", "enhanced_weights", "mspi_enhanced"]
