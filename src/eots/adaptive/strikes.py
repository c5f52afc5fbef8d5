"""Per-strike aggregation of the adaptive metrics (conventions.md 6, base_system.md 11.1).

Rows: one per strike (per ``(expiry, strike)`` with the ``per_expiry`` scope), over the in-scope
contracts, sorted by the keys; the same rows as the base metrics' strike frame.

* **Summed** (additive): ``a_dag``, ``e_sdag_<method>``, ``e_sdag_composite``, ``d_tdpi``,
  ``vri_2_0``; NaN when no contract of the strike has a value.
* **Recomputed from strike sums**: ``enhanced_ctr = clip(|sum F_charm| / |sum F_theta|, 0, 10)``,
  ``enhanced_tdfi = clip(n_s(|sum F_theta|) / n_s(|sum txoi|), 0, 10)``,
  ``enhanced_vvr = clip(|sum F_vanna| / |sum F_vomma|, 0, 10)``,
  ``enhanced_vfi = clip(n_s(sum F_vega) / n_s(|sum vxoi|), -10, 10)``, and the conviction score,
  direction and stars from ``z_m = n_s(sum e_sdag_m)`` (``n_s``: over the strikes of the scope).
* **Factors**: each factor column is the mean of the contracts' values weighted by the |value| of
  the factor's metric (plain mean when those are all 0): descriptive (the strike metric is the sum
  of contract metrics, not a product of these means); scalar factors keep their value.

Row order of the input does not change any value.
"""

from __future__ import annotations

import polars as pl

from eots.adaptive.a_dag import A_DAG_FACTORS
from eots.adaptive.conviction import conviction, stars
from eots.adaptive.d_tdpi import D_TDPI_FACTORS
from eots.adaptive.e_sdag import E_SDAG_FACTORS, E_SDAG_METHODS
from eots.adaptive.inputs import f, w
from eots.adaptive.params import AdaptiveParams
from eots.adaptive.vri_2_0 import VRI_2_0_FACTORS
from eots.metrics import BaseMetricParams
from eots.metrics.normalise import IN_SCOPE, SCOPE_GROUP, normalised, safe_ratio
from eots.metrics.strikes import strike_keys

#: Metrics summed per strike.
ADDITIVE = ("a_dag", *E_SDAG_METHODS, "e_sdag_composite", "d_tdpi", "vri_2_0")
#: Factor column -> the metric whose |value| weights it per strike.
FACTOR_METRIC = {
    **dict.fromkeys(A_DAG_FACTORS, "a_dag"),
    **dict.fromkeys(E_SDAG_FACTORS, "e_sdag_composite"),
    **dict.fromkeys(D_TDPI_FACTORS, "d_tdpi"),
    **dict.fromkeys(VRI_2_0_FACTORS, "vri_2_0"),
}
_SUMMANDS = {
    "_s_charm": pl.col(f("charm")),
    "_s_theta": pl.col(f("theta")),
    "_s_vanna": pl.col(f("vanna")),
    "_s_vomma": pl.col(f("vomma")),
    "_s_vega": pl.col(f("vega")),
    "_s_txoi": pl.col(w("txoi")),
    "_s_vxoi": pl.col(w("vxoi")),
}


#: Factors that are one scalar per snapshot: kept as they are.
SCALAR_FACTORS = frozenset(
    {
        "a_dag_regime_factor",
        "d_tdpi_time_weight",
        "d_tdpi_gaussian_width",
        "vri_2_0_vol_context_weight",
        "vri_2_0_term_factor",
        "vri_2_0_surface_factor",
        *(c for c in E_SDAG_FACTORS if c.startswith("e_sdag_weight_")),
    }
)


def _weighted_mean(factor: str, metric: str) -> pl.Expr:
    if factor in SCALAR_FACTORS:
        return pl.col(factor).drop_nulls().first().alias(factor)
    value, weight = pl.col(factor), pl.col(f"_abs_{metric}")
    total = pl.when(value.is_not_null()).then(weight).sum()
    weighted = (value * weight).sum() / total
    return pl.when(total > 0).then(weighted).otherwise(value.mean()).alias(factor)


def _sum(name: str, expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.count() > 0).then(expr.sum()).alias(name)


def adaptive_strikes(
    scored: pl.DataFrame,
    base_params: BaseMetricParams,
    methods: list[str],
    params: AdaptiveParams,
) -> pl.DataFrame:
    """Aggregate the per-contract adaptive frame (with its working columns) to strikes."""
    keys = strike_keys(base_params)
    scope, clip = base_params.normalisation_scope, base_params.clip_percentile
    cap_d, cap_v = params.d_tdpi.ratio_cap, params.vri_2_0.ratio_cap
    s = pl.col
    grouped = (
        scored.filter(pl.col(IN_SCOPE))
        .with_columns(pl.col(m).abs().alias(f"_abs_{m}") for m in set(FACTOR_METRIC.values()))
        .group_by(keys)
        .agg(
            pl.len().alias("n_contracts"),
            *(_sum(m, pl.col(m)) for m in ADDITIVE),
            *(_sum(n, e) for n, e in _SUMMANDS.items()),
            *(_weighted_mean(c, m) for c, m in FACTOR_METRIC.items()),
        )
        .with_columns(
            (pl.col("expiry") if "expiry" in keys else pl.lit(0, dtype=pl.Int32)).alias(SCOPE_GROUP)
        )
    )
    n_vega = normalised(s("_s_vega"), scope, clip)
    ratios = {
        "enhanced_ctr": safe_ratio(s("_s_charm").abs(), s("_s_theta").abs()).clip(0.0, cap_d),
        "enhanced_tdfi": safe_ratio(
            normalised(s("_s_theta").abs(), scope, clip),
            normalised(s("_s_txoi").abs(), scope, clip),
        ).clip(0.0, cap_d),
        "enhanced_vvr": safe_ratio(s("_s_vanna").abs(), s("_s_vomma").abs()).clip(0.0, cap_v),
        "enhanced_vfi": safe_ratio(n_vega, normalised(s("_s_vxoi").abs(), scope, clip)).clip(
            -cap_v, cap_v
        ),
    }
    z = {f"_z_{m}": normalised(pl.col(f"e_sdag_{m}"), scope, clip) for m in methods}
    frame = grouped.with_columns(**ratios, **z)
    if methods and params.e_sdag.enabled:
        frame = frame.with_columns(**conviction(list(z), params.e_sdag))
    else:
        nan = pl.lit(None, dtype=pl.Float64)
        frame = frame.with_columns(sdag_conviction_score=nan, sdag_conviction_direction=nan)
    frame = frame.with_columns(
        sdag_conviction_stars=stars(pl.col("sdag_conviction_score"), params.e_sdag)
    )
    return frame.select(
        *keys,
        "n_contracts",
        *ADDITIVE,
        "sdag_conviction_score",
        "sdag_conviction_direction",
        "sdag_conviction_stars",
        *ratios,
        *FACTOR_METRIC,
    ).sort(keys)


__all__ = ["ADDITIVE", "FACTOR_METRIC", "SCALAR_FACTORS", "adaptive_strikes"]
