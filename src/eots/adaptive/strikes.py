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

from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import polars as pl

from eots.adaptive.a_dag import A_DAG_FACTORS
from eots.adaptive.conviction import conviction, stars
from eots.adaptive.d_tdpi import D_TDPI_FACTORS
from eots.adaptive.e_sdag import E_SDAG_FACTORS, E_SDAG_METHODS
from eots.adaptive.inputs import Working
from eots.adaptive.params import AdaptiveParams
from eots.adaptive.vri_2_0 import VRI_2_0_FACTORS
from eots.metrics import BaseMetricParams
from eots.metrics.arrays import (
    Bools,
    Floats,
    Ints,
    Masked,
    constant,
    masked,
    normalised,
    safe_ratio,
)
from eots.metrics.strikes import StrikeGroups, grouped_sums

T = TypeVar("T")

#: Metrics summed per strike.
ADDITIVE = ("a_dag", *E_SDAG_METHODS, "e_sdag_composite", "d_tdpi", "vri_2_0")
#: Factor column -> the metric whose |value| weights it per strike.
FACTOR_METRIC = {
    **dict.fromkeys(A_DAG_FACTORS, "a_dag"),
    **dict.fromkeys(E_SDAG_FACTORS, "e_sdag_composite"),
    **dict.fromkeys(D_TDPI_FACTORS, "d_tdpi"),
    **dict.fromkeys(VRI_2_0_FACTORS, "vri_2_0"),
}
#: Net flows and exposures summed per strike for the recomputed ratios.
_FLOW_SUMS = ("charm", "theta", "vanna", "vomma", "vega")
_EXPOSURE_SUMS = ("txoi", "vxoi")


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


def _first_rows(known: Bools, groups: StrikeGroups) -> tuple[Ints, Bools]:
    """Return each strike's first ``known`` (in-scope non-null) row, and which strikes have one."""
    rows = np.flatnonzero(known)
    n = len(known)
    first = np.full(groups.size, n, dtype=np.int64)
    np.minimum.at(first, groups.every[rows], rows)  # the smallest row of each strike
    present = first < n
    return np.where(present, first, 0), present


def _first_valid(x: Masked, first: tuple[Ints, Bools]) -> Masked:
    """Return the value of each strike's first non-null row (``_first_rows``), null without one."""
    rows, present = first
    if not present.any():
        return masked(np.full(len(rows), np.nan), ~present)
    return masked(np.where(present, x.v[rows], np.nan), ~present)


@dataclass(frozen=True, slots=True)
class _Weights:
    """What a weighted mean shares with every factor of the same metric and known rows.

    ``codes``: each row's strike where the factor and its weight are both known, else the extra
    strike ``size`` whose sums are dropped (so no row needs to be gathered); ``weight``: the
    weights (NaN where null); ``total``: the weights' sum per strike; ``use``: the strikes whose
    mean is weighted (total > 0 or NaN); ``plain``: the known rows of the other strikes (their
    plain mean; usually few, so gathered) and their strikes, None when there are none;
    ``count``: known rows per strike.
    """

    codes: Ints
    weight: Floats
    total: Floats
    use: Bools
    plain: tuple[Ints, Ints] | None
    count: Ints


def _kept_sums(codes: Ints, values: Floats, size: int) -> Floats:
    """Per-strike sums of ``values`` in row order; rows coded ``size`` are dropped."""
    sums = np.bincount(codes, weights=values, minlength=size + 1)[:size]
    return sums.astype(np.float64, copy=False)


def _weights(known: Bools, weight: Masked, groups: StrikeGroups) -> _Weights:
    """Return what the factors of one metric known on the rows ``known`` share."""
    every, size = groups.every, groups.size  # every: size outside the scope
    codes = np.where(known & ~weight.null, every, size)
    total = _kept_sums(codes, weight.v, size)
    count = np.bincount(np.where(known, every, size), minlength=size + 1)[:size]
    use = (total > 0) | np.isnan(total)
    plain = None
    if not use.all():
        rows = np.flatnonzero(known & ~np.append(use, True)[every])
        plain = (rows, every[rows])
    return _Weights(codes=codes, weight=weight.v, total=total, use=use, plain=plain, count=count)


def _weighted_mean(x: Masked, groups: StrikeGroups, w: _Weights) -> Masked:
    """Mean of ``x`` per strike weighted by ``w``'s weights (plain mean when they sum to 0).

    Each sum adds the strike's rows in row order (as ``np.bincount`` over the rows always did);
    the plain sums are taken only when some strike needs them.
    """
    size = groups.size
    weighted = _kept_sums(w.codes, x.v * w.weight, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = weighted / w.total
        if w.plain is not None:
            rows, codes = w.plain
            value = np.where(w.use, value, _kept_sums(codes, x.v[rows], size) / w.count)
    return masked(value, ~w.use & (w.count == 0))


class _ByRows(Generic[T]):
    """Derived arrays kept per (metric, known rows): the factors of a metric mostly share them."""

    def __init__(self) -> None:
        self._kept: list[tuple[str, Bools, T]] = []

    def get(self, key: str, known: Bools) -> T | None:
        """Return what was kept for ``key`` and these known rows, None if nothing."""
        for k, rows, value in self._kept:
            if k == key and np.array_equal(rows, known):
                return value
        return None

    def put(self, key: str, known: Bools, value: T) -> T:
        """Keep ``value`` for ``key`` and these known rows; return it."""
        self._kept.append((key, known, value))
        return value


def _factor_means(
    columns: dict[str, Masked], groups: StrikeGroups, inside: Bools
) -> dict[str, Masked]:
    weights = {m: abs(columns[m]) for m in set(FACTOR_METRIC.values())}
    firsts: _ByRows[tuple[Ints, Bools]] = _ByRows()
    shared: _ByRows[_Weights] = _ByRows()
    out: dict[str, Masked] = {}
    for factor, metric in FACTOR_METRIC.items():
        x = columns[factor]
        known = inside & ~x.null  # the rows a factor's strike value reads
        if factor in SCALAR_FACTORS:
            first = firsts.get("", known) or firsts.put("", known, _first_rows(known, groups))
            out[factor] = _first_valid(x, first)
        else:
            kept = shared.get(metric, known) or shared.put(
                metric, known, _weights(known, weights[metric], groups)
            )
            out[factor] = _weighted_mean(x, groups, kept)
    return out


def adaptive_strikes(
    columns: dict[str, Masked],
    work: Working,
    groups: StrikeGroups,
    base_params: BaseMetricParams,
    methods: list[str],
    params: AdaptiveParams,
) -> pl.DataFrame:
    """Aggregate the per-contract adaptive columns to the base metrics' strike rows."""
    inside = work.arrays.inside
    scope, clip = groups.scope, base_params.clip_percentile
    cap_d, cap_v = params.d_tdpi.ratio_cap, params.vri_2_0.ratio_cap
    summands = {m: columns[m] for m in ADDITIVE}
    summands.update({f"_s_{g}": work.f(g) for g in _FLOW_SUMS})
    summands.update({f"_s_{x}": work.w(x) for x in _EXPOSURE_SUMS})
    s = grouped_sums(groups, inside, summands)
    n_vega = normalised(s["_s_vega"], scope, clip)
    ratios = {
        "enhanced_ctr": safe_ratio(abs(s["_s_charm"]), abs(s["_s_theta"])).clip(0.0, cap_d),
        "enhanced_tdfi": safe_ratio(
            normalised(abs(s["_s_theta"]), scope, clip),
            normalised(abs(s["_s_txoi"]), scope, clip),
        ).clip(0.0, cap_d),
        "enhanced_vvr": safe_ratio(abs(s["_s_vanna"]), abs(s["_s_vomma"])).clip(0.0, cap_v),
        "enhanced_vfi": safe_ratio(n_vega, normalised(abs(s["_s_vxoi"]), scope, clip)).clip(
            -cap_v, cap_v
        ),
    }
    if methods and params.e_sdag.enabled:
        z = [normalised(s[f"e_sdag_{m}"], scope, clip) for m in methods]
        score, direction = conviction(z, params.e_sdag)
    else:
        score = direction = constant(None, groups.size)
    n_contracts = np.bincount(groups.codes, minlength=groups.size)
    out = [
        pl.Series("n_contracts", n_contracts, dtype=pl.UInt32),
        *(s[m].series(m) for m in ADDITIVE),
        score.series("sdag_conviction_score"),
        direction.series("sdag_conviction_direction"),
        stars(score, params.e_sdag),
        *(x.series(name) for name, x in ratios.items()),
        *(x.series(name) for name, x in _factor_means(columns, groups, inside).items()),
    ]
    return groups.keys.hstack(out)


__all__ = ["ADDITIVE", "FACTOR_METRIC", "SCALAR_FACTORS", "adaptive_strikes"]
