"""Customer option flow: who bought and who sold, per contract, by the best source available.

Three sources, best first (conventions.md section 5), each recorded in ``flow_source``:
side-classified trades (``trades``), volume increments between consecutive snapshots of one
session split by the quote rule (``inference`` and ``session``), and unsigned greek-times-volume
proxies (``proxy``). Net flow is customer buys minus sells (``*_bs = *_buy - *_sell``); the dealer
view is its negation. Missing flow is NaN and labelled, never 0. Column units:
``eots.flows.schema``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.flows.classify import buy_fraction
    from eots.flows.inference import inferred_flow, inferred_flow_frames
    from eots.flows.proxy import PROXY_SCHEMA, proxy_flow
    from eots.flows.schema import (
        FLOW_SCHEMA,
        INCREMENT_SCHEMA,
        WINDOWS_MIN,
        FlowReason,
        FlowSource,
    )
    from eots.flows.session import flow_totals, session_flows
    from eots.flows.trades import TRADES_SCHEMA, parse_trades, trade_flows

__all__ = [
    "FLOW_SCHEMA",
    "INCREMENT_SCHEMA",
    "PROXY_SCHEMA",
    "TRADES_SCHEMA",
    "WINDOWS_MIN",
    "FlowReason",
    "FlowSource",
    "buy_fraction",
    "flow_totals",
    "inferred_flow",
    "inferred_flow_frames",
    "parse_trades",
    "proxy_flow",
    "session_flows",
    "trade_flows",
]

lazy_package(
    __name__,
    {
        "eots.flows.classify": ("buy_fraction",),
        "eots.flows.inference": ("inferred_flow", "inferred_flow_frames"),
        "eots.flows.proxy": ("PROXY_SCHEMA", "proxy_flow"),
        "eots.flows.schema": (
            "FLOW_SCHEMA",
            "INCREMENT_SCHEMA",
            "WINDOWS_MIN",
            "FlowReason",
            "FlowSource",
        ),
        "eots.flows.session": ("flow_totals", "session_flows"),
        "eots.flows.trades": ("TRADES_SCHEMA", "parse_trades", "trade_flows"),
    },
)
