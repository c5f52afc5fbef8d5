"""Pricing kernels: Black-Scholes-Merton / Black-76 prices and greeks, implied vol, forwards.

NumPy arrays in, NumPy arrays out; `eots.greeks.frame` is the polars-facing bridge.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.greeks.black_scholes import Greeks, greeks
    from eots.greeks.forward import ForwardMethod, ForwardResult, implied_forwards
    from eots.greeks.implied_vol import IvResult, IvStatus, implied_vol, reason

__all__ = [
    "ForwardMethod",
    "ForwardResult",
    "Greeks",
    "IvResult",
    "IvStatus",
    "greeks",
    "implied_forwards",
    "implied_vol",
    "reason",
]

lazy_package(
    __name__,
    {
        "eots.greeks.black_scholes": ("Greeks", "greeks"),
        "eots.greeks.forward": ("ForwardMethod", "ForwardResult", "implied_forwards"),
        "eots.greeks.implied_vol": ("IvResult", "IvStatus", "implied_vol", "reason"),
    },
)
