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

import polars as pl

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


def _n(col: str) -> pl.Expr:
    x = pl.col(col).cast(pl.Float64).fill_nan(None)
    peak = x.abs().max()
    return pl.when(peak > 0).then(x / peak).otherwise(0.0)


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
    total = pl.sum_horizontal([w * _n(c).fill_null(0.0) for c, w in weights.items()])
    frame = strikes.select(total.alias("raw"))
    return frame.select(_n("raw").fill_null(float("nan")).alias("mspi_enhanced")).to_series()


__all__ = ["COUNTERPART", "enhanced_weights", "mspi_enhanced"]
