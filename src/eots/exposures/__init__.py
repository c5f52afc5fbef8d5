"""Dealer exposures: greek-times-open-interest columns, dollar exposures, per-strike sums."""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.exposures.contract import (
        CONTRACT_EXPOSURE_COLUMNS,
        EXPOSURE_SCHEMA,
        contract_exposures,
    )
    from eots.exposures.params import ExposureParams, SignConvention
    from eots.exposures.scope import ExpiryScope, require_live_scope
    from eots.exposures.strikes import STRIKE_SCHEMA, strike_exposures

__all__ = [
    "CONTRACT_EXPOSURE_COLUMNS",
    "EXPOSURE_SCHEMA",
    "STRIKE_SCHEMA",
    "ExpiryScope",
    "ExposureParams",
    "SignConvention",
    "contract_exposures",
    "require_live_scope",
    "strike_exposures",
]

lazy_package(
    __name__,
    {
        "eots.exposures.contract": (
            "CONTRACT_EXPOSURE_COLUMNS",
            "EXPOSURE_SCHEMA",
            "contract_exposures",
        ),
        "eots.exposures.params": ("ExposureParams", "SignConvention"),
        "eots.exposures.scope": ("ExpiryScope", "require_live_scope"),
        "eots.exposures.strikes": ("STRIKE_SCHEMA", "strike_exposures"),
    },
)
