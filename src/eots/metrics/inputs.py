"""What the base metrics read: ``MetricInputs`` (market scalars) and every input column name.

The per-contract frame comes from ``eots.pipeline.analyze`` (chain + ``greeks.frame`` priced
columns + ``exposures.contract`` exposure columns). It may also carry the flow columns of
``eots.flows`` (customer buy/sell split, conventions.md section 5); they are read by name from the
constants below, so this package does not import ``eots.flows``. Net flow is always customer
``*_buy - *_sell``; a NaN flow means "unknown", never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Exposure columns (shares; ``exposures.contract``) the metrics need.
EXPOSURE_COLUMNS = (
    "dxoi",
    "gxoi",
    "vxoi",
    "txoi",
    "vannaxoi",
    "charmxoi",
    "vommaxoi",
    "dxvolm",
    "gxvolm",
    "vxvolm",
    "txvolm",
    "vannaxvolm",
    "charmxvolm",
    "vommaxvolm",
)

#: Priced/chain columns the metrics need.
CHAIN_COLUMNS = ("strike", "right", "expiry", "t_years", "iv", "delta", "volume", "multiplier")

#: Direct (side-classified) greek flows: greek -> (buy column, sell column).
DIRECT_FLOW_PAIRS: dict[str, tuple[str, str]] = {
    "delta": ("deltas_buy", "deltas_sell"),
    "gamma": ("gammas_buy", "gammas_sell"),
    "vega": ("vegas_buy", "vegas_sell"),
    "theta": ("thetas_buy", "thetas_sell"),
}

#: Unsigned greek x volume proxies for every flow (base_system.md section 1.2).
PROXY_FLOW_COLUMNS: dict[str, str] = {
    "delta": "dxvolm",
    "gamma": "gxvolm",
    "vega": "vxvolm",
    "theta": "txvolm",
    "charm": "charmxvolm",
    "vanna": "vannaxvolm",
    "vomma": "vommaxvolm",
}

#: Greeks with no side-split flow anywhere; ``SecondOrderFlow.SIGNED`` signs them by ``volm_bs``.
SECOND_ORDER_GREEKS = ("charm", "vanna", "vomma")

#: Side-split volume and premium (contracts; $).
VOLUME_SIDES = ("volm_buy", "volm_sell")
VALUE_SIDES = ("value_buy", "value_sell")
NET_VOLUME = "volm_bs"
NET_VALUE = "value_bs"

#: Rolling net flows (base_system.md section 3.10).
ROLLING_COLUMNS = tuple(f"{name}_{w}m" for name in ("volmbs", "valuebs") for w in (5, 15, 30, 60))

#: Optional per-contract label of the flow method (``eots.flows.schema.FlowSource``).
FLOW_SOURCE_COLUMN = "flow_source"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricInputs:
    """Market scalars the metrics need besides the contracts frame.

    Attributes
    ----------
    as_of
        Valuation instant (timezone-aware); drives time-of-day weights and the MSPI session.
    spot
        Underlying price ($).
    atr
        Average true range ($). None: ``BaseMetricParams.atr_proxy`` (flagged in the notes).
    underlying_iv
        Current IV of the underlying (decimal). None: ATM IV of the nearest expiry (flagged).
    iv_5d
        The original's "IV5" (ATM IV of the ~5-DTE expiry, decimal) for the VRI trend factor.
        None: computed from the chain (the same definition).
    iv_percentile_30d
        IV percentile over 30 days as a fraction 0..1, for volatility-based MSPI weights. None:
        time-based weights are used instead (flagged).
    """

    as_of: dt.datetime
    spot: float
    atr: float | None = None
    underlying_iv: float | None = None
    iv_5d: float | None = None
    iv_percentile_30d: float | None = None

    def __post_init__(self) -> None:
        """Reject a naive ``as_of`` and a non-positive spot."""
        if self.as_of.tzinfo is None:
            raise ValueError(f"expected a timezone-aware as_of, was {self.as_of!r}")
        if not self.spot > 0:
            raise ValueError(f"expected spot > 0, was {self.spot}")


#: Prefix of the private working copies of the input columns (NaN -> null, out of scope -> null).
WORKING_PREFIX = "_w_"


def working(name: str) -> str:
    """Return the name of the working copy of input column ``name``."""
    return f"{WORKING_PREFIX}{name}"
