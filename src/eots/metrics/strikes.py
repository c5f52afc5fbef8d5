"""Per-strike aggregation of the base metrics (base_system.md 3.12 with the section 11 fixes).

Rows: one per strike (per ``(expiry, strike)`` with the ``per_expiry`` scope), over the in-scope
contracts. Columns and rules:

* **Summed** (additive, same units as per contract): ``dag_custom, tdpi, vri, sdag_*``, and
  ``mspi_contract_sum`` (the original's strike MSPI, unbounded). A strike whose contracts all lack
  a value is NaN, never 0.
* **Recomputed from strike sums** (never the first row's value, the original's defect):
  ``ctr = |sum F_charm| / |sum F_theta|``, ``vvr = |sum F_vanna| / |sum F_vomma|``,
  ``tdfi = n_s(|sum F_theta|) / n_s(|sum txoi|)``, ``vfi = n_s(|sum F_vega|) / n_s(|sum vxoi|)``,
  ``arfi = mean(|sum F_delta|/|sum dxoi|, |sum F_charm|/|sum charmxoi|,
  |sum F_vanna|/|sum vannaxoi|)``,
  where ``n_s`` normalises over the strikes of the scope.
* **Strike-level structure**: ``<metric>_norm = n_s(sum metric)``, then ``mspi``, ``sai`` and
  ``ssi`` by the per-contract formulas on those normalised components: ``mspi`` in [-1, 1].
* The net-flow and pressure columns of ``flow_columns`` (base_system.md 3.9).

Row order of the input does not change any value (all are sums, maxima or functions of sums).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from eots.metrics.arfi import ARFI_TERMS, relative_flow
from eots.metrics.flow_columns import FLOW_COLUMN_NAMES, strike_flow_summands
from eots.metrics.flow_inputs import flow_column
from eots.metrics.inputs import working
from eots.metrics.mspi import (
    MSPI_COMPONENTS,
    MspiWeightChoice,
    component_norms,
    mspi_value,
)
from eots.metrics.normalise import IN_SCOPE, SCOPE_GROUP, normalised, safe_ratio
from eots.metrics.params import BaseMetricParams, NormalisationScope
from eots.metrics.sai import sai_value
from eots.metrics.ssi import ssi_value

#: Metrics summed per strike.
ADDITIVE_METRICS = MSPI_COMPONENTS
_FLOW_GREEKS = ("delta", "gamma", "vega", "theta", "charm", "vanna", "vomma")
_EXPOSURES = ("dxoi", "txoi", "vxoi", "charmxoi", "vannaxoi")


def strike_keys(params: BaseMetricParams) -> list[str]:
    """Return the grouping keys of the strike frame for the normalisation scope."""
    if params.normalisation_scope is NormalisationScope.PER_EXPIRY:
        return ["expiry", "strike"]
    return ["strike"]


def _summands(present_flows: frozenset[str]) -> tuple[dict[str, pl.Expr], list[str]]:
    flows, absent = strike_flow_summands(present_flows)
    out: dict[str, pl.Expr] = {m: pl.col(m) for m in ADDITIVE_METRICS}
    out["mspi_contract_sum"] = pl.col("mspi")
    out.update({f"_s_{g}": pl.col(flow_column(g)) for g in _FLOW_GREEKS})
    out.update({f"_s_{x}": pl.col(working(x)) for x in _EXPOSURES})
    out.update(flows)
    return out, absent


def _strike_codes(keys_frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return (dense group code of each row, first row of each group), groups sorted by keys."""
    columns = [keys_frame.get_column(n).to_physical().to_numpy() for n in keys_frame.columns]
    if len(columns) == 1:
        _, first, codes = np.unique(columns[0], return_index=True, return_inverse=True)
        return codes, first
    combined = np.zeros(keys_frame.height, dtype=np.int64)
    for values in columns:
        uniq, inverse = np.unique(values, return_inverse=True)
        combined = combined * len(uniq) + inverse
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    return codes, first


def _masked(name: str, sums: np.ndarray, known: np.ndarray) -> pl.Series:
    """Return ``sums`` as a Series, null where ``known`` is False (a group with no value)."""
    if not np.isnan(sums).any():
        return pl.Series(name, np.where(known, sums, np.nan), nan_to_null=True)
    series = pl.Series(name, sums)  # NaN sums are real values: mask by position instead
    return pl.select(pl.when(pl.Series(known)).then(series)).to_series().alias(name)


def _grouped_sums(
    contracts: pl.DataFrame, keys: list[str], summands: dict[str, pl.Expr]
) -> pl.DataFrame:
    """Sum each summand per strike key over the in-scope rows (null where a group has none).

    One ``np.bincount`` per column on dense group codes: per group, the values are added in row
    order (as a hash group-by does), without building ~2 x 40 aggregation expressions per call.
    """
    names = list(summands)
    prepared = contracts.select(
        *keys, *(e.cast(pl.Float64).alias(n) for n, e in summands.items()), _in=pl.col(IN_SCOPE)
    ).filter(pl.col("_in"))
    codes, first = _strike_codes(prepared.select(keys))
    size, height = len(first), prepared.height
    null_counts = prepared.select(names).null_count().row(0) if height else [0] * len(names)
    partly = [n for n, k in zip(names, null_counts, strict=True) if 0 < k < height]
    filled = prepared.select(pl.col(names).fill_null(0.0)) if partly else prepared
    known = prepared.select(pl.col(partly).is_not_null().cast(pl.Float64)) if partly else None
    columns = [pl.Series("n_contracts", np.bincount(codes, minlength=size), dtype=pl.UInt32)]
    for name, nulls in zip(names, null_counts, strict=True):
        if height and nulls == height:
            columns.append(pl.Series(name, np.full(size, np.nan), nan_to_null=True))
            continue
        sums = np.bincount(codes, weights=filled.get_column(name).to_numpy(), minlength=size)
        if known is not None and name in partly:
            has = np.bincount(codes, weights=known.get_column(name).to_numpy(), minlength=size)
            columns.append(_masked(name, sums, has > 0))
        else:
            columns.append(pl.Series(name, sums))
    return prepared.select(keys)[first].hstack(columns)


def strike_metrics(
    contracts: pl.DataFrame,
    params: BaseMetricParams,
    choice: MspiWeightChoice,
    present_flows: frozenset[str],
) -> tuple[pl.DataFrame, list[str]]:
    """Aggregate per-contract metrics (with their working columns) to strikes.

    Returns the strike frame (sorted by its keys) and the flow inputs that were absent. A sum over
    a strike whose contracts all lack the value is null, not 0.
    """
    keys = strike_keys(params)
    summands, absent = _summands(present_flows)
    grouped = _grouped_sums(contracts, keys, summands).with_columns(
        (pl.col("expiry") if "expiry" in keys else pl.lit(0, dtype=pl.Int32)).alias(SCOPE_GROUP)
    )
    scope, clip = params.normalisation_scope, params.clip_percentile
    s = pl.col
    ratios = {
        "ctr": safe_ratio(s("_s_charm").abs(), s("_s_theta").abs()),
        "vvr": safe_ratio(s("_s_vanna").abs(), s("_s_vomma").abs()),
        "tdfi": safe_ratio(
            normalised(s("_s_theta").abs(), scope, clip),
            normalised(s("_s_txoi").abs(), scope, clip),
        ),
        "vfi": safe_ratio(
            normalised(s("_s_vega").abs(), scope, clip), normalised(s("_s_vxoi").abs(), scope, clip)
        ),
        "arfi": relative_flow(
            [s(f"_s_{g}") for g, _ in ARFI_TERMS], [s(f"_s_{x}") for _, x in ARFI_TERMS]
        ),
    }
    if params.arfi_normalise:
        ratios["arfi"] = normalised(ratios["arfi"], scope, clip)
    norms = component_norms(params)
    frame = (
        grouped.with_columns(**ratios, **norms)
        .with_columns(
            mspi=mspi_value(choice, params),
            sai=sai_value(choice, params),
            ssi=ssi_value(choice, params),
        )
        .select(
            *keys,
            "n_contracts",
            *ADDITIVE_METRICS,
            "mspi_contract_sum",
            "mspi",
            "sai",
            "ssi",
            *ratios,
            *norms,
            *FLOW_COLUMN_NAMES,
        )
    )
    return frame, absent
