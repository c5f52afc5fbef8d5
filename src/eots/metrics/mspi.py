"""MSPI, market structure position indicator: weighted normalised components (base_system.md 3.5).

Formula (the intended one, [CANON] fix adopted per section 11)::

    mspi = n( sum_k w_k * n(metric_k) ),   sum_k w_k = 1

over k in ``dag_custom, tdpi, vri, sdag_multiplicative, sdag_directional, sdag_weighted,
sdag_volatility_focused``. ``n(metric_k)`` are the ``<metric>_norm`` columns. Weights: the
time-based set for the ``as_of`` session (morning < 11:00 ET <= midday < 14:00 ET <= final), or the
volatility-based set (``low_iv`` when ``iv_percentile_30d * 100 < 50``, else ``high_iv``). An SDAG
method enters only if its ``weight_in_mspi`` > 0 (ITS ``get_weights``). Components that are missing
for the whole scope are dropped (noted); the remaining weights are renormalised to sum to 1.

Options reproduce the original: ``MspiComponentBasis.RAW_ORIGINAL`` weighs raw DAG/TDPI/VRI with
normalised SDAGs (ITS defect), ``renormalise_weights=False`` keeps the weights as configured,
``outer_normalise=False`` skips the outer ``n``. Output dimensionless in [-1, 1]; positive =
components point up (support/bullish structure by the original's reading). A contract missing any
used component has a missing MSPI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eots.metrics.arrays import Masked, Scope, constant, normalised, sum_horizontal
from eots.metrics.params import BaseMetricParams, MspiComponentBasis, MspiSelection, MspiWeights
from eots.metrics.weights import mspi_session

#: MSPI components, in the order of ``MspiWeights``.
MSPI_COMPONENTS = (
    "dag_custom",
    "tdpi",
    "vri",
    "sdag_multiplicative",
    "sdag_directional",
    "sdag_weighted",
    "sdag_volatility_focused",
)


def norm_column(metric: str) -> str:
    """Return the column holding ``n(metric)``."""
    return f"{metric}_norm"


@dataclass(frozen=True, slots=True, kw_only=True)
class MspiWeightChoice:
    """The weights MSPI uses (component -> weight; only positive ones) and why."""

    weights: dict[str, float]
    label: str
    notes: tuple[tuple[str, str], ...]


def _gated(weights: MspiWeights, params: BaseMetricParams) -> dict[str, float]:
    sdag = params.sdag
    gate = {
        "sdag_multiplicative": sdag.multiplicative.weight_in_mspi,
        "sdag_directional": sdag.directional.weight_in_mspi,
        "sdag_weighted": sdag.weighted.weight_in_mspi,
        "sdag_volatility_focused": sdag.volatility_focused.weight_in_mspi,
    }
    raw = weights.model_dump()
    return {k: float(raw[k]) for k in MSPI_COMPONENTS if raw[k] > 0 and gate.get(k, 1.0) > 0}


def mspi_weights(
    params: BaseMetricParams,
    as_of: dt.datetime,
    iv_percentile_30d: float | None,
    missing: frozenset[str] = frozenset(),
) -> MspiWeightChoice:
    """Select, gate and renormalise the MSPI weights.

    Parameters
    ----------
    params
        Weight sets and selection logic.
    as_of
        Valuation instant (selects the time-based session).
    iv_percentile_30d
        Fraction 0..1 for volatility-based selection; None falls back to time-based (noted).
    missing
        Components that are missing for the whole scope (dropped, noted).
    """
    p = params.mspi
    notes: list[tuple[str, str]] = []
    if p.selection is MspiSelection.VOLATILITY_BASED and iv_percentile_30d is not None:
        low = iv_percentile_30d * 100.0 < p.iv_percentile_threshold
        label = "low_iv" if low else "high_iv"
        chosen = p.low_iv if low else p.high_iv
    else:
        if p.selection is MspiSelection.VOLATILITY_BASED:
            notes.append(("mspi", "no iv_percentile_30d: time-based weights used instead"))
        session = mspi_session(as_of, params)
        label = session.value
        chosen = {"morning": p.morning, "midday": p.midday, "final": p.final}[label]
    weights = _gated(chosen, params)
    for name in sorted(missing & weights.keys()):
        notes.append(("mspi", f"component {name} is missing for the whole scope: dropped"))
        del weights[name]
    total = sum(weights.values())
    if p.renormalise_weights and total > 0:
        weights = {k: v / total for k, v in weights.items()}
    return MspiWeightChoice(weights=weights, label=label, notes=tuple(notes))


def component_norms(
    columns: dict[str, Masked], scope: Scope, params: BaseMetricParams
) -> dict[str, Masked]:
    """Return ``<metric>_norm`` for every MSPI component (``columns`` holds the components)."""
    clip = params.clip_percentile
    return {norm_column(m): normalised(columns[m], scope, clip) for m in MSPI_COMPONENTS}


def mspi_array(
    choice: MspiWeightChoice, params: BaseMetricParams, columns: dict[str, Masked], scope: Scope
) -> Masked:
    """Return ``mspi`` (``columns`` holds the components and their ``<metric>_norm``)."""
    raw = params.mspi.component_basis is MspiComponentBasis.RAW_ORIGINAL
    terms = []
    for metric, weight in choice.weights.items():
        column = metric if raw and not metric.startswith("sdag") else norm_column(metric)
        terms.append(weight * columns[column])
    if not terms:
        return constant(None, len(columns[MSPI_COMPONENTS[0]].v))
    total = sum_horizontal(terms)
    if params.mspi.outer_normalise:
        return normalised(total, scope, params.clip_percentile)
    return total
