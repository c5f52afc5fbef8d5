"""Adapters from vendor files and feeds to validated ``ChainSnapshot`` values.

``load_chain(path)`` detects the format of a chain file from its content and returns a validated
snapshot; ``docs/formats.md`` describes every supported format and what is inferred from each.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.sources.base import ChainSource
    from eots.sources.cboe_live import CboeLiveSource
    from eots.sources.detect import ChainFormat, detect_format
    from eots.sources.files import (
        load_chain,
        load_chain_bytes,
        load_raw_chain,
        read_cboe_csv,
        read_cboe_json,
        read_generic_csv,
        read_generic_parquet,
        read_tda_json,
    )
    from eots.sources.http import HttpClient, RetryPolicy
    from eots.sources.raw import RawChain, snapshot_from_raw
    from eots.sources.recorded import RecordedTransport, RecordingTransport
    from eots.sources.tradier import TradierSource, tradier_token

__all__ = [
    "CboeLiveSource",
    "ChainFormat",
    "ChainSource",
    "HttpClient",
    "RawChain",
    "RecordedTransport",
    "RecordingTransport",
    "RetryPolicy",
    "TradierSource",
    "detect_format",
    "load_chain",
    "load_chain_bytes",
    "load_raw_chain",
    "read_cboe_csv",
    "read_cboe_json",
    "read_generic_csv",
    "read_generic_parquet",
    "read_tda_json",
    "snapshot_from_raw",
    "tradier_token",
]

lazy_package(
    __name__,
    {
        "eots.sources.base": ("ChainSource",),
        "eots.sources.cboe_live": ("CboeLiveSource",),
        "eots.sources.detect": ("ChainFormat", "detect_format"),
        "eots.sources.files": (
            "load_chain",
            "load_chain_bytes",
            "load_raw_chain",
            "read_cboe_csv",
            "read_cboe_json",
            "read_generic_csv",
            "read_generic_parquet",
            "read_tda_json",
        ),
        "eots.sources.http": ("HttpClient", "RetryPolicy"),
        "eots.sources.raw": ("RawChain", "snapshot_from_raw"),
        "eots.sources.recorded": ("RecordedTransport", "RecordingTransport"),
        "eots.sources.tradier": ("TradierSource", "tradier_token"),
    },
)
