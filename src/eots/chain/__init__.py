"""The normalised option-chain snapshot: schema, validation at the boundary, the snapshot value."""

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
