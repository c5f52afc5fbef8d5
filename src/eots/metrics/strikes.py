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
    names = list(summands)
    values = (e.alias(f"_v{i}") for i, e in enumerate(summands.values()))
    prepared = contracts.select(*keys, IN_SCOPE, *values).filter(pl.col(IN_SCOPE))
    grouped = (
        prepared.group_by(keys)
        .agg(
            pl.len().alias("n_contracts"),
            *(pl.col(f"_v{i}").sum().alias(n) for i, n in enumerate(names)),
            *(pl.col(f"_v{i}").count().alias(f"_c{i}") for i in range(len(names))),
        )
        .with_columns(
            *(pl.when(pl.col(f"_c{i}") > 0).then(pl.col(n)).alias(n) for i, n in enumerate(names)),
            (pl.col("expiry") if "expiry" in keys else pl.lit(0, dtype=pl.Int32)).alias(
                SCOPE_GROUP
            ),
        )
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
    frame = (
        grouped.with_columns(**ratios, **component_norms(params))
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
            *component_norms(params),
            *FLOW_COLUMN_NAMES,
        )
        .sort(keys)
    )
    return frame, absent
