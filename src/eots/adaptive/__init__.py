"""Adaptive metrics of the framework: A-DAG, E-SDAG, D-TDPI and VRI 2.0 (framework.md section 1).

Sits above ``eots.metrics`` and below ``eots.levels``: ``adaptive_metrics(base, contracts,
context, inputs, params)`` turns the base metrics and the ``MarketContext`` (history as of the
snapshot) into per-contract and per-strike adaptive metrics with every factor as a column and a
``FactorReport`` per factor. See ``docs/adaptive.md`` for every definition.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.adaptive.frame import (
        ADAPTIVE_CONTRACT_COLUMNS,
        METRIC_COLUMNS,
        AdaptiveMetrics,
        adaptive_metrics,
    )
    from eots.adaptive.methodology import METHODS
    from eots.adaptive.params import (
        ADagFactors,
        ADagParams,
        AdaptiveParams,
        DTdpiFactors,
        DTdpiParams,
        ESdagFactors,
        ESdagParams,
        MethodologyWeights,
        TimeWeightProfiles,
        Vri2Factors,
        Vri2Params,
    )
    from eots.adaptive.report import FactorReport

__all__ = [
    "ADAPTIVE_CONTRACT_COLUMNS",
    "METHODS",
    "METRIC_COLUMNS",
    "ADagFactors",
    "ADagParams",
    "AdaptiveMetrics",
    "AdaptiveParams",
    "DTdpiFactors",
    "DTdpiParams",
    "ESdagFactors",
    "ESdagParams",
    "FactorReport",
    "MethodologyWeights",
    "TimeWeightProfiles",
    "Vri2Factors",
    "Vri2Params",
    "adaptive_metrics",
]

lazy_package(
    __name__,
    {
        "eots.adaptive.frame": (
            "ADAPTIVE_CONTRACT_COLUMNS",
            "METRIC_COLUMNS",
            "AdaptiveMetrics",
            "adaptive_metrics",
        ),
        "eots.adaptive.methodology": ("METHODS",),
        "eots.adaptive.params": (
            "ADagFactors",
            "ADagParams",
            "AdaptiveParams",
            "DTdpiFactors",
            "DTdpiParams",
            "ESdagFactors",
            "ESdagParams",
            "MethodologyWeights",
            "TimeWeightProfiles",
            "Vri2Factors",
            "Vri2Params",
        ),
        "eots.adaptive.report": ("FactorReport",),
    },
)
