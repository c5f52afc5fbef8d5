"""Session accumulation and rolling windows: known sums, and no look-ahead."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import polars as pl
import pytest

from eots.core.errors import ReplayError
from eots.flows import FLOW_SCHEMA, FlowReason, FlowSource, inferred_flow, session_flows
from unit.flows.flows_chains import et, greeks, row, snapshot

# Six snapshots at 10:00, 10:05, ..., 10:25. The call trades at the ask (all bought) with
# increments 1, 2, 3, 4, 5; the put trades at the bid (all sold) with increments 10, 20, ..., 50.
TIMES = [et(10, 5 * i) for i in range(6)]
CALL_VOL = [0, 1, 3, 6, 10, 15]
PUT_VOL = [0, 10, 30, 60, 100, 150]


def _increments() -> list[tuple[dt.datetime, pl.DataFrame]]:
    snaps = [
        snapshot([(5000.0, "C", 9.9, 10.0, 10.0, cv), (5000.0, "P", 2.0, 2.2, 2.0, pv)], ts)
        for ts, cv, pv in zip(TIMES, CALL_VOL, PUT_VOL, strict=True)
    ]
    return [(b.ts_event, inferred_flow(a, b, greeks(b))) for a, b in itertools.pairwise(snaps)]


def test_session_flows_windows_known_sums() -> None:
    out = session_flows(_increments(), as_of=TIMES[-1])
    assert out.schema == FLOW_SCHEMA
    c, p = row(out, 5000.0, "C"), row(out, 5000.0, "P")
    assert c["volm_bs"] == 15.0  # 1 + 2 + 3 + 4 + 5
    assert c["volmbs_5m"] == 5.0  # the last increment only
    assert c["volmbs_15m"] == 12.0  # the last three: 3 + 4 + 5
    assert c["volmbs_30m"] == 15.0
    assert c["volmbs_60m"] == 15.0
    assert c["valuebs_5m"] == pytest.approx(5 * 10.0 * 100)
    assert c["valuebs_15m"] == pytest.approx(12 * 10.0 * 100)
    assert c["deltas_buy"] == pytest.approx(0.5 * 15 * 100)
    assert p["volm_bs"] == -150.0
    assert p["volmbs_5m"] == -50.0
    assert p["volmbs_15m"] == -120.0
    assert p["valuebs_15m"] == pytest.approx(-120 * 2.0 * 100)
    assert c["flow_source"] == FlowSource.INFERRED_SNAPSHOTS
    assert c["n_unknown"] == 0


def test_session_flows_as_of_mid_session_counts_only_earlier() -> None:
    incs = [(ts, f) for ts, f in _increments() if ts <= TIMES[3]]
    out = session_flows(incs, as_of=TIMES[3])
    c = row(out, 5000.0, "C")
    assert c["volm_bs"] == 6.0  # 1 + 2 + 3, increments stamped at or before as_of
    assert c["volmbs_5m"] == 3.0


def test_session_flows_increment_after_as_of_refused() -> None:
    with pytest.raises(ReplayError, match="look-ahead"):
        session_flows(_increments(), as_of=TIMES[3])


def test_session_flows_increment_one_microsecond_late_refused() -> None:
    incs = _increments()
    with pytest.raises(ReplayError, match="look-ahead"):
        session_flows(incs, as_of=TIMES[-1] - dt.timedelta(microseconds=1))


def test_session_flows_other_session_refused() -> None:
    incs = _increments()
    with pytest.raises(ReplayError, match="session 2024-03-14"):
        session_flows(incs, as_of=et(10, 0, day=14))


def test_session_flows_duplicate_stamp_refused() -> None:
    incs = _increments()
    with pytest.raises(ReplayError, match="one increment per snapshot"):
        session_flows([*incs, incs[0]], as_of=TIMES[-1])


def test_session_flows_window_without_increments_is_nan() -> None:
    out = session_flows(_increments(), as_of=TIMES[-1] + dt.timedelta(minutes=10))
    c = row(out, 5000.0, "C")
    assert math.isnan(c["volmbs_5m"])
    assert c["volmbs_15m"] == 5.0  # (10:20, 10:35] holds the 10:25 stamp only
    assert c["volmbs_30m"] == 14.0  # (10:05, 10:35]: 2 + 3 + 4 + 5
    assert c["volm_bs"] == 15.0


def test_session_flows_unknown_increment_skipped_and_counted() -> None:
    a = snapshot([(5000.0, "C", 9.9, 10.0, 10.0, 10)], TIMES[0])
    b = snapshot([(5000.0, "C", 9.9, 10.0, 10.0, 4)], TIMES[1])  # volume went down
    c = snapshot([(5000.0, "C", 9.9, 10.0, 10.0, 9)], TIMES[2])
    incs = [
        (b.ts_event, inferred_flow(a, b, greeks(b))),
        (c.ts_event, inferred_flow(b, c, greeks(c))),
    ]
    out = row(session_flows(incs, as_of=TIMES[2]), 5000.0, "C")
    assert out["volm_bs"] == 5.0
    assert out["n_unknown"] == 1
    assert out["flow_reason"] == FlowReason.VOLUME_DECREASED
    only_bad = row(session_flows(incs[:1], as_of=TIMES[1]), 5000.0, "C")
    assert math.isnan(only_bad["volm_bs"])
    assert only_bad["flow_source"] == FlowSource.NONE


def test_session_flows_empty_is_empty_frame() -> None:
    assert session_flows([], as_of=TIMES[0]).schema == FLOW_SCHEMA


def test_session_flows_order_of_increments_irrelevant() -> None:
    incs = _increments()
    assert session_flows(incs[::-1], as_of=TIMES[-1]).equals(session_flows(incs, as_of=TIMES[-1]))
