"""Adapters from vendor files and feeds to validated ``ChainSnapshot`` values.

``load_chain(path)`` detects the format of a chain file from its content and returns a validated
snapshot; ``docs/formats.md`` describes every supported format and what is inferred from each.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from eots.sources.base import ChainSource
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
from eots.sources.raw import RawChain, snapshot_from_raw

if TYPE_CHECKING:
    from eots.sources.cboe_live import CboeLiveSource
    from eots.sources.http import HttpClient, RetryPolicy
    from eots.sources.recorded import RecordedTransport, RecordingTransport
    from eots.sources.tradier import TradierSource, tradier_token

# The live clients pull in httpx: imported on first use, so file analysis starts faster.
_LIVE = {
    "CboeLiveSource": "eots.sources.cboe_live",
    "HttpClient": "eots.sources.http",
    "RetryPolicy": "eots.sources.http",
    "RecordedTransport": "eots.sources.recorded",
    "RecordingTransport": "eots.sources.recorded",
    "TradierSource": "eots.sources.tradier",
    "tradier_token": "eots.sources.tradier",
}


def __getattr__(name: str) -> Any:
    module = _LIVE.get(name)
    if module is None:
        raise AttributeError(f"module 'eots.sources' has no attribute {name!r}")
    return getattr(import_module(module), name)


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
