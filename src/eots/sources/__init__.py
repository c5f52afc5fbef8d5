"""Adapters from vendor files and feeds to validated ``ChainSnapshot`` values.

``load_chain(path)`` detects the format of a chain file from its content and returns a validated
snapshot; ``docs/formats.md`` describes every supported format and what is inferred from each.
"""

from eots.sources.detect import ChainFormat, detect_format
from eots.sources.files import (
    load_chain,
    load_raw_chain,
    read_cboe_csv,
    read_cboe_json,
    read_generic_csv,
    read_generic_parquet,
    read_tda_json,
)
from eots.sources.raw import RawChain, snapshot_from_raw

__all__ = [
    "ChainFormat",
    "RawChain",
    "detect_format",
    "load_chain",
    "load_raw_chain",
    "read_cboe_csv",
    "read_cboe_json",
    "read_generic_csv",
    "read_generic_parquet",
    "read_tda_json",
    "snapshot_from_raw",
]
