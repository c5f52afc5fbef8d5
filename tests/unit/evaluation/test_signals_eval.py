"""Signal hit rates on a hand-built path: known hits, baselines, horizons and bad input."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from eots.core.errors import SchemaError
from eots.evaluation.params import EvaluationParams
from eots.evaluation.paths import bar_table
from eots.evaluation.signals import forward_table, scored_signals, signal_hit_rates
from unit.evaluation.run_builder import DAY1, DAY2, bars_from_closes, et, signals, snapshots

# Ten 5-minute bars: up, up, down, up, down, up, up, down, up, up (7 up, 3 down).
CLOSES = [101.0, 102.0, 101.5, 102.5, 102.0, 103.0, 104.0, 103.0, 104.0, 105.0]
OPENS = [100.0, *CLOSES[:-1]]
DAY2_CLOSES = [104.0, 106.0]
TIMES = [et(DAY1, 9, 30 + 5 * i) for i in range(10)]
P = EvaluationParams()


def _bars() -> pl.DataFrame:
    return bar_table(
        pl.concat(
            [bars_from_closes(DAY1, 100.0, CLOSES), bars_from_closes(DAY2, 105.0, DAY2_CLOSES)]
        )
    )


def _snaps() -> pl.DataFrame:
    return snapshots(
        [{"ts_event": t, "snapshot_id": f"s{i}", "spot": OPENS[i]} for i, t in enumerate(TIMES)]
    )


def _sig(i: int, **kw: object) -> dict[str, object]:
    return {"ts_event": TIMES[i], "snapshot_id": f"s{i}", **kw}


def test_forward_returns_by_horizon() -> None:
    fwd = forward_table(_snaps(), _bars(), P).sort("ts_event")
    assert fwd["ret_5m"].to_list() == pytest.approx(
        [c / o - 1 for o, c in zip(OPENS, CLOSES, strict=True)]
    )
    assert fwd["ret_30m"][0] == pytest.approx(CLOSES[5] / 100.0 - 1)
    # 30 minutes from 09:55 runs past the last bar (10:20): capped at the session's close
    assert fwd["ret_30m"][5] == pytest.approx(CLOSES[-1] / OPENS[5] - 1)
    assert fwd["ret_close"][0] == pytest.approx(CLOSES[-1] / 100.0 - 1)
    assert fwd["ret_next_session"][0] == pytest.approx(DAY2_CLOSES[-1] / 100.0 - 1)


def test_known_hit_rate_against_the_unconditional_rate() -> None:
    picks = [0, 1, 2, 3, 5, 6]  # up moves at 0, 1, 3, 5, 6; down at 2
    sig = signals([_sig(i) for i in picks])
    t = signal_hit_rates(sig, _snaps(), _bars(), P)
    r = t.row(0, named=True)
    assert (r["n_signals"], r["hit_n"], r["hits"], r["n_unscored"]) == (6, 6, 5, 0)
    assert r["hit_rate"] == pytest.approx(5 / 6)
    ci = stats.binomtest(5, 6).proportion_ci(method="wilson")
    assert (r["hit_low"], r["hit_high"]) == pytest.approx((ci.low, ci.high))
    assert r["baseline_rate"] == pytest.approx(0.7)  # 7 of the 10 snapshots moved up
    assert r["p_value"] == pytest.approx(stats.binomtest(5, 6, 0.7).pvalue)
    moves = [(CLOSES[i] / OPENS[i] - 1) * 1e4 for i in picks]
    assert r["mean_move"] == pytest.approx(np.mean(moves))
    assert r["move_unit"] == "bps"
    assert r["small_sample"] is True


def test_bearish_claims_score_the_other_way_and_sign_the_move() -> None:
    sig = signals([_sig(i, claim_direction=-1, direction=-1) for i in (2, 4, 5)])
    r = signal_hit_rates(sig, _snaps(), _bars(), P).row(0, named=True)
    assert (r["hits"], r["hit_n"]) == (2, 3)
    assert r["baseline_rate"] == pytest.approx(0.3)
    move5 = -(CLOSES[5] / OPENS[5] - 1) * 1e4
    assert r["mean_move"] == pytest.approx(
        np.mean([-(CLOSES[2] / OPENS[2] - 1) * 1e4, -(CLOSES[4] / OPENS[4] - 1) * 1e4, move5])
    )


def test_cells_split_by_family_horizon_and_stars_with_bh() -> None:
    sig = signals(
        [
            _sig(0, stars=3),
            _sig(1, stars=4),
            _sig(0, horizon="close"),
            _sig(0, family="volatility", claim_kind="volatility", horizon="30m", reference=0.01),
        ]
    )
    t = signal_hit_rates(sig, _snaps(), _bars(), P)
    assert t.height == 4
    keys = set(zip(t["family"], t["horizon"], t["stars"], strict=True))
    assert ("directional", "5m", 4) in keys
    assert ("volatility", "30m", 3) in keys
    p = t["p_value"].to_numpy()
    q = t["q_value"].to_numpy()
    ok = np.isfinite(p)
    assert np.all(q[ok] >= p[ok] - 1e-12)


def test_volatility_claim_by_hand() -> None:
    rv = math.sqrt(
        np.mean(
            [
                math.log(c / o) ** 2 * 252 * 390 / 5
                for o, c in zip(OPENS[:6], CLOSES[:6], strict=True)
            ]
        )
    )
    sig = signals(
        [
            _sig(
                0,
                family="volatility",
                claim_kind="volatility",
                horizon="30m",
                reference=rv * 0.9,
                claim_direction=1,
            ),
            _sig(
                0,
                family="volatility",
                claim_kind="volatility",
                horizon="30m",
                reference=rv * 0.9,
                claim_direction=-1,
            ),
            _sig(
                0,
                family="volatility",
                claim_kind="volatility",
                horizon="30m",
                reference=None,
                claim_direction=1,
            ),
        ]
    )
    s = scored_signals(sig, _snaps(), _bars(), P)
    assert s["hit"].to_list() == [True, False, None]
    assert s["move"][0] == pytest.approx(rv * 0.1 * 100)


def test_pin_claim_at_settlement() -> None:
    settle = et(DAY1, 10, 20)  # the last bar's end: close 105
    sig = signals(
        [
            _sig(
                0,
                family="time_decay",
                claim_kind="pin",
                horizon="close",
                claim_direction=0,
                claim_strike=105.5,
                distance=1.0,
                settles_at=settle,
            ),
            _sig(
                0,
                family="time_decay",
                claim_kind="pin",
                horizon="close",
                claim_direction=0,
                claim_strike=103.0,
                distance=1.0,
                settles_at=settle,
            ),
            _sig(
                0,
                family="time_decay",
                claim_kind="pin",
                horizon="close",
                claim_direction=0,
                claim_strike=103.0,
                distance=1.0,
                settles_at=None,
            ),
        ]
    )
    s = scored_signals(sig, _snaps(), _bars(), P)
    assert s["hit"].to_list() == [True, False, False]
    assert s["move"].to_list() == pytest.approx([0.5, 2.0, 2.0])
    # baseline: the share of snapshots whose close-horizon return lands spot in [104.5, 106.5]
    closes = np.array([CLOSES[-1] / o - 1 for o in OPENS])
    lo, hi = 104.5 / 100 - 1, 106.5 / 100 - 1
    assert s["baseline_p"][0] == pytest.approx(np.mean((closes >= lo) & (closes <= hi)))


def test_after_close_claims() -> None:
    late = et(DAY1, 16, 30)
    snaps = pl.concat(
        [_snaps(), snapshots([{"ts_event": late, "snapshot_id": "late", "spot": 105.0}])]
    )
    sig = signals(
        [
            {"ts_event": late, "snapshot_id": "late", "horizon": "5m"},
            {"ts_event": late, "snapshot_id": "late", "horizon": "close"},
            {"ts_event": late, "snapshot_id": "late", "horizon": "next_session"},
        ]
    )
    s = scored_signals(sig, snaps, _bars(), P)
    assert s["hit"].to_list() == [None, True, True]  # 5m has no bar; next day closes at 106
    assert s["move"][1] == pytest.approx((106 / 105 - 1) * 1e4)


def test_bars_that_stop_early_leave_claims_unscored() -> None:
    sig = signals([_sig(0, horizon="next_session")])
    bars = bar_table(bars_from_closes(DAY1, 100.0, CLOSES))
    t = signal_hit_rates(sig, _snaps(), bars, P)
    assert (t["n_unscored"][0], t["hit_n"][0]) == (1, 0)
    assert math.isnan(t["hit_rate"][0])


def test_claims_that_settle_before_they_are_made_are_refused() -> None:
    sig = signals(
        [
            _sig(
                3,
                claim_kind="pin",
                claim_strike=100.0,
                distance=1.0,
                settles_at=TIMES[3] - dt.timedelta(minutes=1),
            )
        ]
    )
    with pytest.raises(SchemaError, match="settles_at"):
        signal_hit_rates(sig, _snaps(), _bars(), P)


def test_unknown_claims_and_orphans_are_refused() -> None:
    with pytest.raises(SchemaError, match="unknown claim"):
        signal_hit_rates(signals([_sig(0, horizon="1y")]), _snaps(), _bars(), P)
    with pytest.raises(SchemaError, match="no snapshot"):
        signal_hit_rates(
            signals([{"ts_event": TIMES[0], "snapshot_id": "zz"}]), _snaps(), _bars(), P
        )
    moved = signals([{"ts_event": TIMES[1], "snapshot_id": "s0"}])
    with pytest.raises(SchemaError, match="no snapshot with that id and time"):
        signal_hit_rates(moved, _snaps(), _bars(), P)


def test_a_bar_that_began_before_the_decision_never_scores_it() -> None:
    # decided at 09:37 (beyond the 60 s grace of the 09:35 bar): the 5-minute horizon ends at
    # 09:42, and the only bar ending by then began at 09:35, before the decision
    ts = TIMES[1] + dt.timedelta(minutes=2)
    snaps = pl.concat([_snaps(), snapshots([{"ts_event": ts, "snapshot_id": "mid", "spot": 101}])])
    sig = signals([{"ts_event": ts, "snapshot_id": "mid", "horizon": "5m"}])
    assert scored_signals(sig, snaps, _bars(), P)["hit"].to_list() == [None]
    # within the grace (09:35:30) the 09:35 bar is the decision's own bar and scores it
    ts = TIMES[1] + dt.timedelta(seconds=30)
    snaps = pl.concat([_snaps(), snapshots([{"ts_event": ts, "snapshot_id": "g", "spot": 101}])])
    sig = signals([{"ts_event": ts, "snapshot_id": "g", "horizon": "5m"}])
    assert scored_signals(sig, snaps, _bars(), P)["hit"].to_list() == [True]
