"""ARFI, average relative flow index (the original's "CFI"), per contract (base_system.md 3.8).

Formula::

    arfi = mean( |F_delta| / |dxoi|, |F_charm| / |charmxoi|, |F_vanna| / |vannaxoi| )

Each term is a flow over its own greek's OI exposure (same units, so dimensionless, >= 0): the
flow's size relative to the open position. With the greek x volume proxies every term reduces to
volume / open interest. Default (ITS): raw ratio scale, which the original's thresholds
(``arfi_strong_flow`` 1.5, ``arfi_low_flow`` 0.5) assume; ``arfi_normalise`` gives [CANON]'s
``n(.)`` in [0, 1]. **Deviation:** a term whose denominator is 0 is left out of the mean (the
original counted it as 0); ARFI is NaN when no term is defined. Per strike it is recomputed from
strike sums (``strikes``).
"""

from __future__ import annotations

from collections.abc import Sequence

from eots.metrics.arrays import ContractArrays, Masked, mean_horizontal, normalised, safe_ratio
from eots.metrics.params import BaseMetricParams

#: (flow greek, exposure column) of each ARFI term.
ARFI_TERMS = (("delta", "dxoi"), ("charm", "charmxoi"), ("vanna", "vannaxoi"))


def relative_flow(flows: Sequence[Masked], exposures: Sequence[Masked]) -> Masked:
    """Return the mean of ``|flow| / |exposure|`` over the defined terms (null if none)."""
    terms = [safe_ratio(abs(f), abs(e)) for f, e in zip(flows, exposures, strict=True)]
    return mean_horizontal(terms)


def arfi_columns(a: ContractArrays, params: BaseMetricParams) -> dict[str, Masked]:
    """Return the per-contract ``arfi`` column."""
    value = relative_flow(
        [a.flows[g] for g, _ in ARFI_TERMS], [a.working[x] for _, x in ARFI_TERMS]
    )
    if params.arfi_normalise:
        value = normalised(value, a.scope, params.clip_percentile)
    return {"arfi": value}
