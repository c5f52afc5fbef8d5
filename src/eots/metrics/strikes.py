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

from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.metrics.arfi import ARFI_TERMS, relative_flow
from eots.metrics.arrays import (
    Bools,
    Floats,
    Ints,
    Masked,
    Scope,
    constant,
    masked,
    normalised,
    physical,
    safe_ratio,
)
from eots.metrics.flow_columns import FLOW_COLUMN_NAMES
from eots.metrics.mspi import MSPI_COMPONENTS, MspiWeightChoice, component_norms, mspi_array
from eots.metrics.params import BaseMetricParams, NormalisationScope
from eots.metrics.sai import sai_array
from eots.metrics.ssi import ssi_array

#: Metrics summed per strike.
ADDITIVE_METRICS = MSPI_COMPONENTS
#: Flow greeks and exposures summed per strike (as ``_s_<name>``) for the recomputed ratios.
STRIKE_FLOW_GREEKS = ("delta", "gamma", "vega", "theta", "charm", "vanna", "vomma")
STRIKE_EXPOSURES = ("dxoi", "txoi", "vxoi", "charmxoi", "vannaxoi")


def strike_keys(params: BaseMetricParams) -> list[str]:
    """Return the grouping keys of the strike frame for the normalisation scope."""
    if params.normalisation_scope is NormalisationScope.PER_EXPIRY:
        return ["expiry", "strike"]
    return ["strike"]


def _strike_codes(keys_frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return (dense group code of each row, first row of each group), groups sorted by keys."""
    columns = [physical(keys_frame.get_column(n)) for n in keys_frame.columns]
    if len(columns) == 1:
        _, first, codes = np.unique(columns[0], return_index=True, return_inverse=True)
        return codes, first
    combined = np.zeros(keys_frame.height, dtype=np.int64)
    for values in columns:
        uniq, inverse = np.unique(values, return_inverse=True)
        combined = combined * len(uniq) + inverse
    _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    return codes, first


def _sum_by(codes: Ints, values: Floats, size: int) -> Floats:
    """Per-group sums of ``values`` (added in row order); group ``size`` is dropped."""
    sums = np.bincount(codes, weights=values, minlength=size + 1)[:size]
    return sums.astype(np.float64, copy=False)


def _grouped_sums(
    codes: Ints, size: int, inside: Bools, summands: dict[str, Masked]
) -> dict[str, Masked]:
    """Sum each summand per strike group over the in-scope rows: null where a group has no value.

    ``codes`` is the group of every row, ``size`` (one past the last group) for rows out of scope.
    One ``np.bincount`` per column: per group, the values are added in row order (as a hash
    group-by does); a NaN value makes its group's sum NaN, a null is skipped.
    """
    out: dict[str, Masked] = {}
    height = int(np.count_nonzero(inside))
    for name, x in summands.items():
        nulls = int(np.count_nonzero(x.null & inside))
        if height and nulls == height:
            out[name] = constant(None, size)
        elif nulls:
            sums = _sum_by(codes, np.where(x.null, 0.0, x.v), size)
            known = np.bincount(codes[~x.null], minlength=size + 1)[:size] > 0
            out[name] = masked(sums, ~known)
        else:
            out[name] = Masked(_sum_by(codes, x.v, size), np.zeros(size, dtype=np.bool_))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StrikeGroups:
    """The strike rows of the in-scope contracts (one per strike, or per expiry and strike).

    Attributes
    ----------
    keys
        The strike key columns of each strike row, sorted by the keys.
    codes
        The strike row of each in-scope contract (in row order of the in-scope contracts).
    every
        The strike row of every contract; ``size`` (a dropped extra group) out of scope.
    size
        Number of strike rows.
    scope
        The normalisation groups of the strike rows (one, or one per expiry).
    """

    keys: pl.DataFrame
    codes: Ints
    every: Ints
    size: int
    scope: Scope


def strike_groups(
    keys_frame: pl.DataFrame, inside: Bools, params: BaseMetricParams
) -> StrikeGroups:
    """Group the in-scope contracts by strike (``keys_frame``: every contract's strike keys)."""
    keys = strike_keys(params)
    rows = np.flatnonzero(inside)
    if "expiry" in keys:
        in_scope = keys_frame[rows]
        codes, first = _strike_codes(in_scope)
        expiry = physical(in_scope.get_column("expiry"))[first]
        _, groups = np.unique(expiry, return_inverse=True)
        scope = Scope(groups.astype(np.intp), int(groups.max(initial=-1)) + 1)
    else:  # one key: its in-scope values straight from the column (no frame gather)
        strike = physical(keys_frame.get_column(keys[0]))[rows]
        _, first, codes = np.unique(strike, return_index=True, return_inverse=True)
        scope = Scope(None, 1)
    size = len(first)
    every = np.full(len(inside), size, dtype=np.intp)
    every[rows] = codes
    return StrikeGroups(
        keys=keys_frame[rows[first]], codes=codes, every=every, size=size, scope=scope
    )


def grouped_sums(
    groups: StrikeGroups, inside: Bools, summands: dict[str, Masked]
) -> dict[str, Masked]:
    """Sum each summand per strike over the in-scope rows (null where a strike has no value)."""
    return _grouped_sums(groups.every, groups.size, inside, summands)


def strike_metrics(
    groups: StrikeGroups,
    inside: Bools,
    summands: dict[str, Masked],
    params: BaseMetricParams,
    choice: MspiWeightChoice,
) -> tuple[pl.DataFrame, dict[str, Masked]]:
    """Aggregate in-scope per-contract values to strikes.

    ``groups`` are the strike rows (``strike_groups``), ``inside`` the in-scope contracts and
    ``summands`` their values (the MSPI components, ``mspi``, net flows ``_s_<greek>``, exposures
    ``_s_<xoi>`` and the ``flow_columns`` summands), row for row. Returns the strike frame (sorted
    by its keys) and the strike sums (with their null masks). A sum over a strike whose contracts
    all lack the value is null, not 0.
    """
    sums = grouped_sums(groups, inside, summands)
    scope, size, codes = groups.scope, groups.size, groups.codes
    clip = params.clip_percentile
    s = sums
    ratios = {
        "ctr": safe_ratio(abs(s["_s_charm"]), abs(s["_s_theta"])),
        "vvr": safe_ratio(abs(s["_s_vanna"]), abs(s["_s_vomma"])),
        "tdfi": safe_ratio(
            normalised(abs(s["_s_theta"]), scope, clip),
            normalised(abs(s["_s_txoi"]), scope, clip),
        ),
        "vfi": safe_ratio(
            normalised(abs(s["_s_vega"]), scope, clip),
            normalised(abs(s["_s_vxoi"]), scope, clip),
        ),
        "arfi": relative_flow(
            [s[f"_s_{g}"] for g, _ in ARFI_TERMS], [s[f"_s_{x}"] for _, x in ARFI_TERMS]
        ),
    }
    if params.arfi_normalise:
        ratios["arfi"] = normalised(ratios["arfi"], scope, clip)
    norms = component_norms(sums, scope, params)
    structure = {
        "mspi": mspi_array(choice, params, {**sums, **norms}, scope),
        "sai": sai_array(choice, params, norms),
        "ssi": ssi_array(choice, params, norms),
    }
    columns = [pl.Series("n_contracts", np.bincount(codes, minlength=size), dtype=pl.UInt32)]
    named = [
        *((m, sums[m]) for m in ADDITIVE_METRICS),
        ("mspi_contract_sum", sums["mspi"]),
        *structure.items(),
        *ratios.items(),
        *norms.items(),
        *((c, sums[c]) for c in FLOW_COLUMN_NAMES),
    ]
    columns.extend(x.series(name) for name, x in named)
    return groups.keys.hstack(columns), sums
