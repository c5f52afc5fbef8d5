"""The normalised option-chain snapshot: schema, validation at the boundary, the snapshot value."""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.chain.coverage import ChainCoverage, chain_coverage
    from eots.chain.schema import CHAIN_SCHEMA, RAW_OPTIONAL, RAW_REQUIRED
    from eots.chain.snapshot import ChainSnapshot, QualityItem, QualityReport
    from eots.chain.validate import build_snapshot

__all__ = [
    "CHAIN_SCHEMA",
    "RAW_OPTIONAL",
    "RAW_REQUIRED",
    "ChainCoverage",
    "ChainSnapshot",
    "QualityItem",
    "QualityReport",
    "build_snapshot",
    "chain_coverage",
]

lazy_package(
    __name__,
    {
        "eots.chain.coverage": ("ChainCoverage", "chain_coverage"),
        "eots.chain.schema": ("CHAIN_SCHEMA", "RAW_OPTIONAL", "RAW_REQUIRED"),
        "eots.chain.snapshot": ("ChainSnapshot", "QualityItem", "QualityReport"),
        "eots.chain.validate": ("build_snapshot",),
    },
)
