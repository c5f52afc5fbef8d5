"""Flow inferred between two snapshots: the quote rule, edge rules, values and greeks by hand."""

from __future__ import annotations

import itertools
import math

import hypothesis.strategies as st
import polars as pl
import pytest
from hypothesis import given
from polars.testing import assert_frame_equal

from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.flows import INCREMENT_SCHEMA, FlowReason, FlowSource, inferred_flow
from eots.flows.inference import KeyOrder
from eots.greeks.frame import priced_chain
from eots.greeks.params import PricingParams
from unit.flows.flows_chains import KEY, et, greeks, row, snapshot


def _flow(prev_quotes: list, curr_quotes: list, minutes: int = 5) -> pl.DataFrame:  # type: ignore[type-arg]
    prev = snapshot(prev_quotes, et(10, 0))
    curr = snapshot(curr_quotes, et(10, minutes))
    return inferred_flow(prev, curr, greeks(curr))


def test_inferred_flow_last_at_ask_all_buy() -> None:
    out = _flow([(5000.0, "C", 9.9, 10.1, 10.0, 100)], [(5000.0, "C", 9.9, 10.1, 10.1, 110)])
    r = row(out, 5000.0, "C")
    assert (r["volm"], r["volm_buy"], r["volm_sell"], r["volm_bs"]) == (10.0, 10.0, 0.0, 10.0)
    assert r["flow_source"] == FlowSource.INFERRED_SNAPSHOTS
    assert r["flow_reason"] is None
    assert out.schema == INCREMENT_SCHEMA


def test_inferred_flow_last_above_ask_all_buy() -> None:
    out = _flow([(5000.0, "C", 9.9, 10.1, 10.0, 100)], [(5000.0, "C", 9.9, 10.1, 10.3, 104)])
    assert row(out, 5000.0, "C")["volm_buy"] == 4.0


def test_inferred_flow_last_at_bid_all_sell() -> None:
    out = _flow([(5000.0, "P", 8.0, 8.4, 8.2, 50)], [(5000.0, "P", 8.0, 8.4, 8.0, 70)])
    r = row(out, 5000.0, "P")
    assert (r["volm_buy"], r["volm_sell"], r["volm_bs"]) == (0.0, 20.0, -20.0)


def test_inferred_flow_last_midway_splits_half() -> None:
    out = _flow([(5000.0, "C", 9.0, 10.0, 9.5, 0)], [(5000.0, "C", 9.0, 10.0, 9.5, 8)])
    r = row(out, 5000.0, "C")
    assert (r["volm_buy"], r["volm_sell"], r["volm_bs"]) == (4.0, 4.0, 0.0)


def test_inferred_flow_inside_spread_splits_by_position() -> None:
    out = _flow([(5000.0, "C", 9.0, 10.0, 9.5, 0)], [(5000.0, "C", 9.0, 10.0, 9.75, 8)])
    r = row(out, 5000.0, "C")
    assert (r["volm_buy"], r["volm_sell"]) == (6.0, 2.0)


def test_inferred_flow_values_and_greeks_by_hand() -> None:
    # put 5050: +30 contracts, last 12.2 in bid 12.0 / ask 12.4 -> buy fraction 0.5 -> 15 / 15;
    # call 5050: +10 at the ask 3.1 -> 10 bought.
    out = _flow(
        [(5050.0, "P", 12.0, 12.4, 12.1, 100), (5050.0, "C", 3.0, 3.1, 3.0, 5)],
        [(5050.0, "P", 12.0, 12.4, 12.2, 130), (5050.0, "C", 3.0, 3.1, 3.1, 15)],
    )
    p = row(out, 5050.0, "P")
    assert p["volm_buy"] == pytest.approx(15.0)
    assert p["value_buy"] == pytest.approx(15 * 12.2 * 100)  # 18,300 $
    assert p["value_sell"] == pytest.approx(15 * 12.2 * 100)
    assert p["deltas_buy"] == pytest.approx(-0.75 * 15 * 100)  # -1,125 delta-shares
    assert p["gammas_sell"] == pytest.approx(0.001 * 15 * 100)
    assert p["vegas_buy"] == pytest.approx(2.0 * 15 * 100)
    assert p["thetas_sell"] == pytest.approx(-1.5 * 15 * 100)
    assert p["value_bs"] == pytest.approx(0.0, abs=1e-6)
    c = row(out, 5050.0, "C")
    assert c["value_buy"] == pytest.approx(10 * 3.1 * 100)  # 3,100 $
    assert c["value_sell"] == 0.0
    assert c["deltas_buy"] == pytest.approx(0.25 * 10 * 100)
    assert c["thetas_buy"] == pytest.approx(-2.0 * 10 * 100)
    assert c["value_bs"] == pytest.approx(3100.0)


def test_inferred_flow_volume_decrease_unknown_never_negative() -> None:
    out = _flow([(5000.0, "C", 9.9, 10.1, 10.0, 500)], [(5000.0, "C", 9.9, 10.1, 10.1, 20)])
    r = row(out, 5000.0, "C")
    assert r["flow_source"] == FlowSource.NONE
    assert r["flow_reason"] == FlowReason.VOLUME_DECREASED
    for c in ("volm", "volm_buy", "volm_sell", "volm_bs", "value_bs", "deltas_buy"):
        assert math.isnan(r[c]), c


def test_inferred_flow_missing_volume_unknown() -> None:
    out = _flow([(5000.0, "C", 9.9, 10.1, 10.0, None)], [(5000.0, "C", 9.9, 10.1, 10.1, 20)])
    r = row(out, 5000.0, "C")
    assert r["flow_reason"] == FlowReason.NO_VOLUME
    assert math.isnan(r["volm_bs"])


def test_inferred_flow_different_sessions_refused() -> None:
    prev = snapshot([(5000.0, "C", 9.9, 10.1, 10.0, 500)], et(15, 55, day=12))
    curr = snapshot([(5000.0, "C", 9.9, 10.1, 10.1, 20)], et(9, 35, day=13))
    with pytest.raises(ReplayError, match="one session") as e:
        inferred_flow(prev, curr, greeks(curr))
    assert "2024-03-12" in str(e.value)
    assert "2024-03-13" in str(e.value)


def test_inferred_flow_reversed_pair_refused() -> None:
    a = snapshot([(5000.0, "C", 9.9, 10.1, 10.0, 5)], et(10, 0))
    b = snapshot([(5000.0, "C", 9.9, 10.1, 10.0, 9)], et(10, 5))
    with pytest.raises(ReplayError, match="prev before curr"):
        inferred_flow(b, a, greeks(a))


def test_inferred_flow_missing_quote_unclassified_counted() -> None:
    out = _flow([(5000.0, "C", None, None, 10.0, 100)], [(5000.0, "C", None, 10.1, 10.1, 112)])
    r = row(out, 5000.0, "C")
    assert r["flow_source"] == FlowSource.NONE
    assert r["flow_reason"] == FlowReason.NO_QUOTE
    assert (r["volm"], r["volm_unclassified"]) == (12.0, 12.0)
    assert math.isnan(r["volm_buy"])
    assert math.isnan(r["volm_sell"])


def test_inferred_flow_missing_last_unclassified() -> None:
    out = _flow([(5000.0, "C", 9.9, 10.1, None, 0)], [(5000.0, "C", 9.9, 10.1, None, 3)])
    r = row(out, 5000.0, "C")
    assert r["flow_reason"] == FlowReason.NO_PRICE
    assert r["volm_unclassified"] == 3.0


def test_inferred_flow_zero_bid_quote_classifies() -> None:
    out = _flow([(5050.0, "C", 0.0, 0.05, 0.05, 0)], [(5050.0, "C", 0.0, 0.05, 0.05, 40)])
    assert row(out, 5050.0, "C")["volm_buy"] == 40.0


def test_inferred_flow_no_trade_is_known_zero_even_without_quote() -> None:
    out = _flow([(5000.0, "C", None, None, None, 7)], [(5000.0, "C", None, None, None, 7)])
    r = row(out, 5000.0, "C")
    assert r["flow_source"] == FlowSource.INFERRED_SNAPSHOTS
    assert (r["volm_buy"], r["volm_sell"], r["value_buy"], r["deltas_sell"]) == (0, 0, 0, 0)


def test_inferred_flow_new_contract_counts_whole_volume() -> None:
    out = _flow(
        [(5000.0, "C", 9.9, 10.1, 10.0, 5)],
        [(5000.0, "C", 9.9, 10.1, 10.0, 5), (5050.0, "P", 12.0, 12.4, 12.0, 25)],
    )
    r = row(out, 5050.0, "P")
    assert (r["volm"], r["volm_sell"]) == (25.0, 25.0)


def test_inferred_flow_contract_gone_from_curr_has_no_row() -> None:
    out = _flow(
        [(5000.0, "C", 9.9, 10.1, 10.0, 5), (5050.0, "P", 12.0, 12.4, 12.0, 25)],
        [(5000.0, "C", 9.9, 10.1, 10.0, 5)],
    )
    assert out.height == 1


def test_inferred_flow_accepts_priced_chain() -> None:
    quotes = [(5000.0, "C", 30.0, 31.0, 31.0, 10), (5000.0, "P", 25.0, 26.0, 25.0, 10)]
    prev = snapshot([(*q[:5], 0) for q in quotes], et(10, 0))
    curr = snapshot(quotes, et(10, 5))
    out = inferred_flow(prev, curr, priced_chain(curr, PricingParams()))
    c, p = row(out, 5000.0, "C"), row(out, 5000.0, "P")
    assert c["deltas_buy"] > 0
    assert p["deltas_sell"] < 0
    assert c["gammas_buy"] > 0


_quote = st.tuples(
    st.sampled_from([5000.0, 5050.0]),
    st.sampled_from(["C", "P"]),
    st.one_of(st.none(), st.floats(0.0, 20.0)),
    st.one_of(st.none(), st.floats(0.0, 20.0)),
    st.one_of(st.none(), st.floats(0.01, 25.0)),
    st.one_of(st.none(), st.integers(0, 10_000)),
)


def _dedupe(quotes: list) -> list:  # type: ignore[type-arg]
    seen: dict[tuple[float, str], tuple] = {}  # type: ignore[type-arg]
    for q in quotes:
        seen.setdefault((q[0], q[1]), q)
    return list(seen.values())


@given(
    prev=st.lists(_quote, min_size=1, max_size=4).map(_dedupe),
    curr=st.lists(_quote, min_size=1, max_size=4).map(_dedupe),
    seed=st.integers(0, 1000),
)
def test_inferred_flow_property_split_sums_to_increment(prev: list, curr: list, seed: int) -> None:  # type: ignore[type-arg]
    p, c = snapshot(prev, et(10, 0)), snapshot(curr, et(10, 5))
    out = inferred_flow(p, c, greeks(c))
    known = out.filter(pl.col("flow_source") == FlowSource.INFERRED_SNAPSHOTS)
    assert (known.get_column("volm_buy") >= 0).all()
    assert (known.get_column("volm_sell") >= 0).all()
    total = known.get_column("volm_buy") + known.get_column("volm_sell")
    assert ((total - known.get_column("volm")).abs() <= 1e-9 * (1 + total)).all()
    assert not (out.get_column("volm").fill_nan(0) < 0).any()
    # row order of the inputs does not change per-contract results
    shuffled = inferred_flow(
        _reordered(p, seed),
        _reordered(c, seed + 1),
        greeks(c).sample(fraction=1, shuffle=True, seed=seed),
    )
    assert_frame_equal(out, shuffled)


def _reordered(snap, seed: int):
    import dataclasses

    return dataclasses.replace(snap, frame=snap.frame.sample(fraction=1.0, shuffle=True, seed=seed))


def test_inferred_flow_output_sorted_by_key() -> None:
    out = _flow(
        [(5050.0, "P", 12.0, 12.4, 12.0, 0), (5000.0, "C", 9.9, 10.1, 10.0, 0)],
        [(5050.0, "P", 12.0, 12.4, 12.0, 1), (5000.0, "C", 9.9, 10.1, 10.0, 1)],
    )
    assert out.select(KEY).rows() == sorted(out.select(KEY).rows())


_LAYOUT = [
    (5050.0, "P", 12.0, 12.4, 12.0, 0),
    (5000.0, "C", 9.9, 10.1, 10.0, 0),
    (5025.0, "C", 5.0, 5.2, 5.1, 0),
    (5000.0, "P", 7.0, 7.2, 7.1, 0),
]


def _traded(quotes: list, extra: int) -> list:  # type: ignore[type-arg]
    return [(*q[:5], q[5] + extra * (i + 1)) for i, q in enumerate(quotes)]


def _reversed(snap: ChainSnapshot) -> ChainSnapshot:
    """The snapshot with its rows in reverse (so not key) order."""
    import dataclasses

    return dataclasses.replace(snap, frame=snap.frame.reverse())


def test_key_order_reused_equals_sorting_each_time() -> None:
    # one layout (not in key order) through three snapshots: the kept permutation gives the
    # frames a fresh sort gives
    snaps = [_reversed(snapshot(_traded(_LAYOUT, k), et(10, k))) for k in range(3)]
    order = KeyOrder()
    for prev, curr in itertools.pairwise(snaps):
        kept = inferred_flow(prev, curr, greeks(curr), order=order)
        assert_frame_equal(kept, inferred_flow(prev, curr, greeks(curr)))
    assert order.keys is not None
    assert not order.identity


def test_key_order_changed_layout_is_not_served_from_the_kept_permutation() -> None:
    order = KeyOrder()
    a = _reversed(snapshot(_LAYOUT, et(10, 0)))
    b = _reversed(snapshot(_traded(_LAYOUT, 1), et(10, 1)))
    inferred_flow(a, b, greeks(b), order=order)
    kept_rows = order.rows
    # the same contracts in another order, then one contract more: each is sorted afresh
    for k, quotes in enumerate(
        (_traded(_LAYOUT[::-1], 2), [*_traded(_LAYOUT, 3), (4990.0, "P", 1.0, 1.2, 1.1, 9)])
    ):
        c = snapshot(quotes, et(10, 2 + k))
        out = inferred_flow(b, c, greeks(c), order=order)
        assert_frame_equal(out, inferred_flow(b, c, greeks(c)))
        assert out.select(KEY).rows() == sorted(out.select(KEY).rows())
        b = c
    assert kept_rows is not None
    assert order.rows is not None
    assert order.rows.to_list() != kept_rows.to_list()


def test_key_order_sorted_layout_is_identity() -> None:
    quotes = sorted(_LAYOUT, key=lambda q: (q[0], q[1]))
    a, b = snapshot(quotes, et(10, 0)), snapshot(_traded(quotes, 1), et(10, 1))
    order = KeyOrder()
    out = inferred_flow(a, b, greeks(b), order=order)
    assert order.identity
    assert_frame_equal(out, inferred_flow(a, b, greeks(b)))
