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

import polars as pl

from eots.metrics.inputs import (
    DIRECT_FLOW_PAIRS,
    NET_VALUE,
    NET_VOLUME,
    ROLLING_COLUMNS,
    VALUE_SIDES,
    VOLUME_SIDES,
    working,
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


def _net(pair: tuple[str, str]) -> pl.Expr:
    return pl.col(working(pair[0])) - pl.col(working(pair[1]))


def strike_flow_summands(present: frozenset[str]) -> tuple[dict[str, pl.Expr], list[str]]:
    """Return, per flow column, the per-contract value whose strike sum it is, and absent inputs.

    Parameters
    ----------
    present
        Flow input columns that exist (and have a working copy) in the frame. A column whose
        inputs are absent maps to a null literal.
    """
    absent: list[str] = []

    def have(*names: str) -> bool:
        missing = [n for n in names if n not in present]
        absent.extend(m for m in missing if m not in absent)
        return not missing

    nothing = pl.lit(None, dtype=pl.Float64)
    call_sign = pl.when(pl.col("right") == "C").then(1.0).otherwise(-1.0)
    is_call = pl.col("right") == "C"
    delta = _net(DIRECT_FLOW_PAIRS["delta"])
    has_delta = have(*DIRECT_FLOW_PAIRS["delta"])
    out = {
        "net_volume_pressure": call_sign * _net(VOLUME_SIDES) if have(*VOLUME_SIDES) else nothing,
        "net_value_pressure": call_sign * _net(VALUE_SIDES) if have(*VALUE_SIDES) else nothing,
        "true_net_volume_flow": pl.col(working(NET_VOLUME)) if have(NET_VOLUME) else nothing,
        "true_net_value_flow": pl.col(working(NET_VALUE)) if have(NET_VALUE) else nothing,
        "net_delta_flow_calls": pl.when(is_call).then(delta).otherwise(delta * 0.0)
        if has_delta
        else nothing,
        "net_delta_flow_puts": pl.when(is_call).then(delta * 0.0).otherwise(delta)
        if has_delta
        else nothing,
        "net_delta_flow_total": delta if has_delta else nothing,
        "heuristic_net_delta_pressure": delta if has_delta else nothing,
    }
    for name, greek in (
        ("net_gamma_flow", "gamma"),
        ("net_vega_flow", "vega"),
        ("net_theta_exposure", "theta"),
    ):
        pair = DIRECT_FLOW_PAIRS[greek]
        out[name] = _net(pair) if have(*pair) else nothing
    for name in ROLLING_COLUMNS:
        out[name] = pl.col(working(name)) if have(name) else nothing
    return out, absent
