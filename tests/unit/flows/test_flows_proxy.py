"""Unsigned proxies: labelled ``proxy``, split columns NaN, greek * volume * multiplier."""

from __future__ import annotations

import math

import eots.flows
from eots.flows import PROXY_SCHEMA, FlowReason, FlowSource, proxy_flow
from unit.flows.flows_chains import et, greeks, row, snapshot


def test_proxy_flow_labelled_with_nan_splits() -> None:
    snap = snapshot(
        [(5000.0, "C", 9.9, 10.1, 10.0, 40), (5050.0, "P", 12.0, 12.4, 12.1, None)], et(11)
    )
    priced = snap.frame.join(greeks(snap), on=["root", "expiry", "strike", "right"])
    out = proxy_flow(priced)
    assert out.schema == PROXY_SCHEMA
    c = row(out, 5000.0, "C")
    assert c["flow_source"] == FlowSource.PROXY
    assert c["flow_reason"] == FlowReason.NO_SIDE_DATA
    assert c["volm"] == 40.0
    assert c["dxvolm"] == 0.5 * 40 * 100
    assert c["gxvolm"] == 0.002 * 40 * 100
    assert c["txvolm"] == -4.0 * 40 * 100
    for col in ("volm_buy", "volm_sell", "volm_bs", "value_bs", "deltas_buy", "volmbs_5m"):
        assert math.isnan(c[col]), col
    assert math.isnan(c["vannaxvolm"])  # the frame has no vanna
    assert math.isnan(row(out, 5050.0, "P")["dxvolm"])  # no volume


def test_flows_package_exports_expected_names() -> None:
    assert set(eots.flows.__all__) == {
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
    }
    assert all(hasattr(eots.flows, name) for name in eots.flows.__all__)
