"""Net-flow and pressure columns per strike (base_system.md 3.9, 3.10; [EDP207]).

Per strike K (summed over the in-scope contracts at K, calls and puts, every expiry in scope)::

    net_volume_pressure   = sum(volm_buy_call + volm_sell_put) - sum(volm_buy_put + volm_sell_call)
    net_value_pressure    = the same with value_buy / value_sell ($)
    true_net_volume_flow  = sum(volm_bs)                       (contracts)
    true_net_value_flow   = sum(value_bs)                      ($)
    net_delta_flow_calls  = sum over calls of (deltas_buy - deltas_sell)   (delta-shares)
    net_delta_flow_puts   = sum over puts  of (deltas_buy - deltas_sell)
    net_delta_flow_total  = net_delta_flow_calls + net_delta_flow_puts
    heuristic_net_delta_pressure = net_delta_flow_total
    net_gamma_flow        = sum(gammas_buy - gammas_sell)      (delta-shares per $1)
    net_vega_flow         = sum(vegas_buy - vegas_sell)        ($ per vol point)
    net_theta_exposure    = sum(thetas_buy - thetas_sell)      ($ per day)
    volmbs_<w>m, valuebs_<w>m  = sums of the rolling net flows (contracts; $), w = 5, 15, 30, 60

Sign: customer net buying positive (conventions.md 5); the pressure columns count call buys and
put sells as bullish (the original's heuristic). ``heuristic_net_delta_pressure`` equals the total
net delta flow, as the original coded it: delta already carries the call/put direction, so the
side-aware heuristic it was meant to be adds nothing. These columns need side-classified flow
(``eots.flows``); there is no proxy for them, so without it they are NaN (noted). A strike whose
contracts all lack a value is NaN, never 0 (the sums are taken in ``strikes``).
"""

from __future__ import annotations

import numpy as np

from eots.metrics.arrays import Bools, Masked, constant, select
from eots.metrics.inputs import (
    DIRECT_FLOW_PAIRS,
    NET_VALUE,
    NET_VOLUME,
    ROLLING_COLUMNS,
    VALUE_SIDES,
    VOLUME_SIDES,
)

#: The per-strike flow columns, in output order.
FLOW_COLUMN_NAMES = (
    "net_volume_pressure",
    "net_value_pressure",
    "true_net_volume_flow",
    "true_net_value_flow",
    "net_delta_flow_calls",
    "net_delta_flow_puts",
    "net_delta_flow_total",
    "heuristic_net_delta_pressure",
    "net_gamma_flow",
    "net_vega_flow",
    "net_theta_exposure",
    *ROLLING_COLUMNS,
)


def strike_flow_summands(
    working: dict[str, Masked], is_call: Bools, present: frozenset[str]
) -> tuple[dict[str, Masked], list[str]]:
    """Return, per flow column, the per-contract value whose strike sum it is, and absent inputs.

    Parameters
    ----------
    working
        Working copies of the flow input columns (by input name).
    is_call
        Rows that are calls (``right == "C"``).
    present
        Flow input columns that exist in the frame. A column whose inputs are absent is all null.
    """
    absent: list[str] = []
    rows = len(is_call)

    def have(*names: str) -> bool:
        missing = [n for n in names if n not in present]
        absent.extend(m for m in missing if m not in absent)
        return not missing

    def net(pair: tuple[str, str]) -> Masked:
        return working[pair[0]] - working[pair[1]]

    nothing = constant(None, rows)
    call_sign = np.where(is_call, 1.0, -1.0) if present else 1.0
    has_delta = have(*DIRECT_FLOW_PAIRS["delta"])
    delta = net(DIRECT_FLOW_PAIRS["delta"]) if has_delta else nothing
    zero = delta * 0.0 if has_delta else nothing
    out = {
        "net_volume_pressure": net(VOLUME_SIDES) * call_sign if have(*VOLUME_SIDES) else nothing,
        "net_value_pressure": net(VALUE_SIDES) * call_sign if have(*VALUE_SIDES) else nothing,
        "true_net_volume_flow": working[NET_VOLUME] if have(NET_VOLUME) else nothing,
        "true_net_value_flow": working[NET_VALUE] if have(NET_VALUE) else nothing,
        "net_delta_flow_calls": select(is_call, delta, zero) if has_delta else nothing,
        "net_delta_flow_puts": select(is_call, zero, delta) if has_delta else nothing,
        "net_delta_flow_total": delta,
        "heuristic_net_delta_pressure": delta,
    }
    for name, greek in (
        ("net_gamma_flow", "gamma"),
        ("net_vega_flow", "vega"),
        ("net_theta_exposure", "theta"),
    ):
        pair = DIRECT_FLOW_PAIRS[greek]
        out[name] = net(pair) if have(*pair) else nothing
    for name in ROLLING_COLUMNS:
        out[name] = working[name] if have(name) else nothing
    return out, absent
