"""eots: what dealers' hedging implies, from an option chain.

The public API is small and imported lazily so that ``import eots`` (and the CLI) start fast:

>>> import eots
>>> sorted(eots.__all__)[:3]
['Analysis', 'AnalysisParams', 'ChainSnapshot']
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Analysis": "eots.pipeline",
    "AnalysisParams": "eots.pipeline",
    "analyze": "eots.pipeline",
    "ChainSnapshot": "eots.chain.snapshot",
    "load_chain": "eots.sources",
    "synthetic_chain": "eots.synthetic",
    "SyntheticParams": "eots.synthetic",
}

__all__ = [
    "Analysis",
    "AnalysisParams",
    "ChainSnapshot",
    "SyntheticParams",
    "__version__",
    "analyze",
    "load_chain",
    "synthetic_chain",
]

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.pipeline import Analysis, AnalysisParams, analyze
    from eots.sources import load_chain
    from eots.synthetic import SyntheticParams, synthetic_chain


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eots' has no attribute {name!r}")
    return getattr(import_module(module), name)
