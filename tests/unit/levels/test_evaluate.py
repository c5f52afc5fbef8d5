"""The field's level statistics on hand-built levels and bars with known answers."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from eots.levels import evaluate_levels
from eots.levels.evaluate import track_record

DAYS = [dt.date(2024, 3, d) for d in (4, 5, 6, 7, 8, 11, 12)]
CLOSES = [100.0, 101.0, 99.0, 102.0, 103.0, 101.0, 104.0]


def _bars() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "session": DAYS,
            "open": [100.0, 100.5, 100.0, 99.5, 102.0, 103.0, 101.0],
            "high": [101.0, 102.5, 100.5, 102.5, 103.5, 103.5, 104.5],
            "low": [99.0, 100.0, 98.0, 99.0, 101.5, 100.5, 100.8],
            "close": CLOSES,
        }
    )


def _levels(kind: str, prices: list[float]) -> pl.DataFrame:
    n = len(prices)
    return pl.DataFrame(
        {"session": DAYS[:n], "kind": [kind] * n, "timeframe": ["daily"] * n, "price": prices}
    )


def test_call_wall_held_closed_inside_and_forward_returns_after_breach() -> None:
    # Highs 101, 102.5, 100.5, 102.5 against walls 102, 102, 101, 102:
    # held, breached (closed 101 inside), held, breached (closed 102 inside).
    out = evaluate_levels(_levels("call_wall", [102.0, 102.0, 101.0, 102.0]), _bars())
    row = out.row(0, named=True)
    assert (row["test"], row["n_sessions"], row["n_held"], row["n_breached"]) == (
        "resistance",
        4,
        2,
        2,
    )
    assert row["held_rate"] == 0.5
    assert row["n_closed_inside"] == 4
    fwd1 = [(99.0 / 101.0 - 1) * 1e4, (103.0 / 102.0 - 1) * 1e4]
    fwd5 = [(104.0 / 101.0 - 1) * 1e4]  # the 03-07 breach has no bar 5 sessions later
    assert row["fwd_1d_bps_after_breach"] == pytest.approx(sum(fwd1) / 2)
    assert row["fwd_5d_bps_after_breach"] == pytest.approx(fwd5[0])
    assert math.isnan(row["rv_5d_open_above_pct"])


def test_put_wall_support_test_and_track_record() -> None:
    # Lows 99, 100, 98 against 98.5, 100.5, 97: held, breached (close 101 >= 100.5), held.
    out = evaluate_levels(_levels("put_wall", [98.5, 100.5, 97.0]), _bars())
    row = out.row(0, named=True)
    assert (row["test"], row["n_held"], row["n_closed_inside"], row["n_breached"]) == (
        "support",
        2,
        3,
        1,
    )
    rec = track_record(out)
    # paired-equivalent hits: n (1/2 + (held - baseline) / 2), read by conviction as 2 w - 1
    b = row["baseline_held_rate"]
    assert 0.0 < b < 1.0
    assert rec.row(0) == ("kind", "put_wall", 3, pytest.approx(3 * (0.5 + (2 / 3 - b) / 2)))
    # a kind that held exactly as often as its baseline has no excess: w = 1/2
    even = out.with_columns(held_rate=pl.col("baseline_held_rate"))
    assert track_record(even).row(0)[3] == pytest.approx(1.5)
    # no baseline, no record
    assert track_record(out.with_columns(baseline_held_rate=None)).height == 0


def test_regime_split_by_open_and_close_against_zero_gamma() -> None:
    out = evaluate_levels(_levels("zero_gamma", [100.2, 100.2]), _bars())
    row = out.row(0, named=True)
    assert row["test"] == "regime"
    assert (row["n_open_above"], row["n_open_below"]) == (1, 1)
    rets = [math.log(CLOSES[i] / CLOSES[i - 1]) for i in range(1, 7)]
    # 03-04 opens below (100.0 < 100.2): RV of returns of sessions 0..4 -> the first is undefined.
    assert math.isnan(row["rv_5d_open_below_pct"])
    # 03-05 opens above: returns of sessions 1..5.
    sd = float(pl.Series(rets[0:5]).std())  # type: ignore[arg-type]
    assert row["rv_5d_open_above_pct"] == pytest.approx(sd * math.sqrt(252) * 100)
    assert math.isnan(row["held_rate"])


def test_mixed_kinds_use_side_of_the_open_and_path_widens_the_range() -> None:
    lv = _levels("abs_gamma", [101.5, 99.0])
    path = pl.DataFrame({"session": [DAYS[1]], "spot": [98.5]})
    out = evaluate_levels(lv, _bars(), path)
    row = out.row(0, named=True)
    # 03-04: 101.5 above the open: high 101 held. 03-05: 99 below the open: the path's low 98.5
    # breaches it although the bar's low (100) did not.
    assert (row["test"], row["n_held"], row["n_breached"]) == ("mixed", 1, 1)


def test_levels_on_sessions_without_bars_are_ignored() -> None:
    lv = pl.DataFrame(
        {
            "session": [dt.date(2024, 1, 2)],
            "kind": ["support"],
            "timeframe": ["daily"],
            "price": [1.0],
        }
    )
    assert evaluate_levels(lv, _bars()).height == 0


# -- n, Wilson intervals and the distance-matched baseline ------------------------------------


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Closed form of the Wilson score interval (independent of scipy)."""
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (5, 5), (3, 10), (17, 40)])
def test_wilson_interval_matches_the_closed_form(k: int, n: int) -> None:
    from eots.levels.evaluate import wilson_interval

    lo, hi = wilson_interval(k, n)
    want = _wilson(k, n)
    assert lo == pytest.approx(max(0.0, want[0]), abs=1e-9)
    assert hi == pytest.approx(min(1.0, want[1]), abs=1e-9)


def test_rates_carry_wilson_intervals() -> None:
    out = evaluate_levels(_levels("call_wall", [102.0, 102.0, 101.0, 102.0]), _bars())
    row = out.row(0, named=True)
    assert (row["n_sessions"], row["n_held"]) == (4, 2)
    assert (row["held_ci_low"], row["held_ci_high"]) == pytest.approx(_wilson(2, 4))
    assert (row["closed_inside_ci_low"], row["closed_inside_ci_high"]) == pytest.approx(
        _wilson(4, 4)
    )


def test_distance_matched_baseline_of_a_resistance_level_by_hand() -> None:
    # A call wall at 102 on 03-05, prior close 100: d = +2 %. On the other sessions with a prior
    # close, a level at prev_close x 1.02 against (high, close):
    #   03-06 prev 101 -> 103.02 vs (100.5, 99): held, inside
    #   03-07 prev  99 -> 100.98 vs (102.5, 102): breached, outside
    #   03-08 prev 102 -> 104.04 vs (103.5, 103): held, inside
    #   03-11 prev 103 -> 105.06 vs (103.5, 101): held, inside
    #   03-12 prev 101 -> 103.02 vs (104.5, 104): breached, outside
    lv = pl.DataFrame(
        {"session": [DAYS[1]], "kind": ["call_wall"], "timeframe": ["daily"], "price": [102.0]}
    )
    row = evaluate_levels(lv, _bars()).row(0, named=True)
    assert row["held_rate"] == 0.0  # its own session: high 102.5 > 102
    assert row["baseline_held_rate"] == pytest.approx(3 / 5)
    assert row["baseline_closed_inside_rate"] == pytest.approx(3 / 5)
    assert row["n_baseline"] == 5


def test_a_far_support_holds_like_its_baseline() -> None:
    # The case: a put wall far below spot "held 100 %" - and so would any level there.
    # Put wall 96 on 03-07, prior close 99: d = -3.03 %; on every other session a level at
    # prev_close x 96/99 lies below the low (98.99/97.97/98.91/99.88/97.94 vs lows
    # 100/98/101.5/100.5/100.8), so the baseline is 100 % as well.
    lv = pl.DataFrame(
        {"session": [DAYS[3]], "kind": ["put_wall"], "timeframe": ["daily"], "price": [96.0]}
    )
    row = evaluate_levels(lv, _bars()).row(0, named=True)
    assert row["held_rate"] == 1.0
    assert row["baseline_held_rate"] == pytest.approx(1.0)
    assert row["held_ci_low"] == pytest.approx(_wilson(1, 1)[0])  # n = 1: a wide interval


def test_support_baseline_uses_the_low_and_excludes_its_own_session() -> None:
    # Put wall 98 on 03-07 (prior close 99, d = -1.0101 %): other sessions
    #   03-05 prev 100 -> 98.990 vs low 100: held;  03-06 prev 101 -> 99.980 vs low 98: no
    #   03-08 prev 102 -> 100.970 vs low 101.5: held; 03-11 prev 103 -> 101.960 vs 100.5: no
    #   03-12 prev 101 -> 99.980 vs low 100.8: held   => 3/5 (its own session, low 99, held:
    #   including it would give 4/6)
    lv = pl.DataFrame(
        {"session": [DAYS[3]], "kind": ["put_wall"], "timeframe": ["daily"], "price": [98.0]}
    )
    row = evaluate_levels(lv, _bars()).row(0, named=True)
    assert row["baseline_held_rate"] == pytest.approx(3 / 5)
    assert row["n_baseline"] == 5


def test_regime_rows_have_no_rate_interval_or_baseline() -> None:
    row = evaluate_levels(_levels("zero_gamma", [100.2, 100.2]), _bars()).row(0, named=True)
    for key in ("held_ci_low", "held_ci_high", "baseline_held_rate"):
        assert math.isnan(row[key]), key
    assert row["n_baseline"] == 0
