"""The flow vocabulary: where each flow number came from, why it is unknown, and the output columns.

Every flow frame of this package has one row per contract (``FLOW_KEY``) and the base system's
flow columns (base_system.md sections 1.2, 3.9, 3.10). Units:

===================== ==========================================================================
column                meaning
===================== ==========================================================================
volm                  contracts traded (the volume increment, or the session volume for proxies)
volm_buy, volm_sell   contracts bought / sold by the initiating customer (may be fractional)
volm_unclassified     contracts traded whose side could not be told (no usable quote or price)
value_buy, value_sell premium in $: contracts * price ($ per share) * multiplier
deltas_buy, _sell     delta * contracts * multiplier: delta-shares ($ per $1 of underlying)
gammas_buy, _sell     gamma * contracts * multiplier: delta-shares per $1 of underlying
vegas_buy, _sell      vega * contracts * multiplier: $ per vol point
thetas_buy, _sell     theta * contracts * multiplier: $ per calendar day
volm_bs, value_bs     volm_buy - volm_sell (contracts), value_buy - value_sell ($)
volmbs_5m ... _60m    volm_bs summed over the increments (or trades) stamped in (as_of - w, as_of]
valuebs_5m ... _60m   value_bs likewise ($)
flow_source           ``FlowSource``: which method produced the row's buy/sell split
flow_reason           ``FlowReason`` when the split is unknown (null when it is known)
n_unknown             increments or trades of this contract whose split was unknown
===================== ==========================================================================

Sign: every ``*_buy``/``*_sell`` column is the greek's own sign times a non-negative size, and net
flow is the customer's: ``*_bs = *_buy - *_sell`` (conventions.md section 5). The dealer view is its
negation. A missing number is NaN and labelled by ``flow_source``/``flow_reason``, never 0.
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from eots.chain.schema import RIGHTS


class FlowSource(StrEnum):
    """How a row's buy/sell split was obtained, best first (conventions.md section 5)."""

    TRADE_FEED = "trade_feed"  # trades with aggressor side or bid/ask at trade time
    INFERRED_SNAPSHOTS = "inferred_snapshots"  # volume increment between snapshots, quote rule
    PROXY = "proxy"  # unsigned greek * volume; buy/sell are NaN
    NONE = "none"  # no split could be made; see flow_reason


class FlowReason(StrEnum):
    """Why a row's buy/sell split (or its volume increment) is unknown."""

    VOLUME_DECREASED = "volume_decreased"  # cumulative volume went down: never negative flow
    NO_VOLUME = "no_volume"  # volume missing in one of the two snapshots
    NO_PRICE = "no_price"  # traded, but no last (or trade) price to place in the spread
    NO_QUOTE = "no_quote"  # traded, but no usable bid/ask (needs 0 <= bid <= ask, ask > 0)
    NO_SIDE_DATA = "no_side_data"  # proxy rows: the source gives no trade side at all


FLOW_SOURCES = pl.Enum([s.value for s in FlowSource])
FLOW_REASONS = pl.Enum([r.value for r in FlowReason])

#: Contract identity of every flow frame (the chain's key plus its OCC symbol).
FLOW_KEY = ("root", "expiry", "strike", "right")

#: Rolling windows in minutes (base system names ``volmbs_5m`` ... ``valuebs_60m``).
WINDOWS_MIN = (5, 15, 30, 60)

#: Greek columns of the priced chain and the flow column prefix each one feeds.
GREEK_FLOWS = {"delta": "deltas", "gamma": "gammas", "vega": "vegas", "theta": "thetas"}

_F = pl.Float64()

SIDE_COLUMNS = pl.Schema(
    {
        "volm": _F,
        "volm_buy": _F,
        "volm_sell": _F,
        "volm_unclassified": _F,
        "value_buy": _F,
        "value_sell": _F,
        **{f"{p}_{s}": _F for p in GREEK_FLOWS.values() for s in ("buy", "sell")},
        "volm_bs": _F,
        "value_bs": _F,
    }
)

KEY_SCHEMA = pl.Schema(
    {
        "root": pl.String(),
        "expiry": pl.Date(),
        "strike": pl.Float64(),
        "right": RIGHTS,
        "symbol": pl.String(),
    }
)

#: One snapshot-to-snapshot (or one trade's) increment per contract.
INCREMENT_SCHEMA = pl.Schema(
    {
        **KEY_SCHEMA,
        **SIDE_COLUMNS,
        "flow_source": FLOW_SOURCES,
        "flow_reason": FLOW_REASONS,
    }
)

WINDOW_COLUMNS = pl.Schema(
    {f"{name}_{w}m": _F for name in ("volmbs", "valuebs") for w in WINDOWS_MIN}
)

#: Session totals and rolling windows per contract, as of one instant.
FLOW_SCHEMA = pl.Schema(
    {
        **KEY_SCHEMA,
        **SIDE_COLUMNS,
        **WINDOW_COLUMNS,
        "flow_source": FLOW_SOURCES,
        "flow_reason": FLOW_REASONS,
        "n_unknown": pl.Int64(),
    }
)
