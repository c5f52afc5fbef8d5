"""Base metrics of the original system: DAG, SDAG, TDPI/CTR/TDFI, VRI/VVR/VFI, MSPI, SAI, SSI, ARFI.

Sits above ``eots.exposures`` and below ``eots.levels``: ``base_metrics(contracts, inputs, params)``
turns the per-contract frame of ``eots.pipeline.analyze`` into per-contract and per-strike metric
frames with notes. See ``docs/metrics.md`` for the definitions as implemented.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.metrics.frame import (
        CONTRACT_METRIC_COLUMNS,
        FLOW_LABEL_COLUMNS,
        METRIC_SCHEMA,
        REQUIRED_INPUTS,
        BaseMetrics,
        base_metrics,
    )
    from eots.metrics.inputs import MetricInputs
    from eots.metrics.params import (
        AlignmentCoefficients,
        AtrProxy,
        BaseMetricParams,
        DagParams,
        FlowRatioShape,
        GammaBasis,
        MspiComponentBasis,
        MspiParams,
        MspiSelection,
        MspiWeights,
        NormalisationScope,
        ProximityShape,
        SaiMethod,
        SdagMethodParams,
        SdagParams,
        SdagWeightedParams,
        SdagWeightedUnits,
        SecondOrderFlow,
        SsiMethod,
        TdpiParams,
        TimeWeightShape,
        VriParams,
    )

__all__ = [
    "CONTRACT_METRIC_COLUMNS",
    "FLOW_LABEL_COLUMNS",
    "METRIC_SCHEMA",
    "REQUIRED_INPUTS",
    "AlignmentCoefficients",
    "AtrProxy",
    "BaseMetricParams",
    "BaseMetrics",
    "DagParams",
    "FlowRatioShape",
    "GammaBasis",
    "MetricInputs",
    "MspiComponentBasis",
    "MspiParams",
    "MspiSelection",
    "MspiWeights",
    "NormalisationScope",
    "ProximityShape",
    "SaiMethod",
    "SdagMethodParams",
    "SdagParams",
    "SdagWeightedParams",
    "SdagWeightedUnits",
    "SecondOrderFlow",
    "SsiMethod",
    "TdpiParams",
    "TimeWeightShape",
    "VriParams",
    "base_metrics",
]

lazy_package(
    __name__,
    {
        "eots.metrics.frame": (
            "CONTRACT_METRIC_COLUMNS",
            "FLOW_LABEL_COLUMNS",
            "METRIC_SCHEMA",
            "REQUIRED_INPUTS",
            "BaseMetrics",
            "base_metrics",
        ),
        "eots.metrics.inputs": ("MetricInputs",),
        "eots.metrics.params": (
            "AlignmentCoefficients",
            "AtrProxy",
            "BaseMetricParams",
            "DagParams",
            "FlowRatioShape",
            "GammaBasis",
            "MspiComponentBasis",
            "MspiParams",
            "MspiSelection",
            "MspiWeights",
            "NormalisationScope",
            "ProximityShape",
            "SaiMethod",
            "SdagMethodParams",
            "SdagParams",
            "SdagWeightedParams",
            "SdagWeightedUnits",
            "SecondOrderFlow",
            "SsiMethod",
            "TdpiParams",
            "TimeWeightShape",
            "VriParams",
        ),
    },
)
