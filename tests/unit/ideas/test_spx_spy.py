"""SPX/SPY specifics: calendar, trading time, time of day, ratio translation, vehicle."""

from __future__ import annotations

import datetime as dt

import pytest

from eots.core.time import ET
from eots.core.types import Settlement
from eots.ideas.params import SessionRules
from eots.ideas.spx_spy import (
    SeriesKind,
    after_trading_hours,
    expiration_calendar,
    last_trade,
    ratio_note,
    spx_per_spy,
    time_of_day,
    trading_hours_between,
    translate,
    vehicle_reasons,
)


def _et(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ET)


def test_spx_monthly_is_am_on_the_third_friday_beside_the_pm_weekly() -> None:
    cal = expiration_calendar("SPX", dt.date(2024, 4, 15), dt.date(2024, 4, 19))
    friday = [e for e in cal if e.expiry == dt.date(2024, 4, 19)]
    assert [(e.root, e.settlement) for e in friday] == [
        ("SPX", Settlement.AM),
        ("SPXW", Settlement.PM),
    ]
    am = friday[0]
    assert am.settles_at == _et(2024, 4, 19, 9, 30)
    assert am.last_trade == _et(2024, 4, 18, 16, 0)  # AM: last trade the session before
    assert SeriesKind.MONTHLY in friday[1].kinds
    assert SeriesKind.WEEKLY in friday[1].kinds
    assert len([e for e in cal if e.root == "SPXW"]) == 5  # a daily on every session


def test_holiday_friday_moves_the_monthly_and_weekly_to_thursday() -> None:
    # 2025-04-18 is Good Friday (NYSE closed): the April monthly expires on the 17th.
    cal = expiration_calendar("SPX", dt.date(2025, 4, 14), dt.date(2025, 4, 18))
    assert {e.expiry for e in cal} == {dt.date(2025, 4, d) for d in (14, 15, 16, 17)}
    thursday = [e for e in cal if e.expiry == dt.date(2025, 4, 17)]
    assert {e.root for e in thursday} == {"SPX", "SPXW"}
    assert SeriesKind.WEEKLY in next(e for e in thursday if e.root == "SPXW").kinds


def test_quarter_end_and_month_end_series() -> None:
    # 2024-03-29 is Good Friday: the quarter ends on Thursday the 28th.
    cal = expiration_calendar("SPY", dt.date(2024, 3, 25), dt.date(2024, 4, 30))
    by_day = {e.expiry: e for e in cal}
    assert SeriesKind.QUARTERLY in by_day[dt.date(2024, 3, 28)].kinds
    assert SeriesKind.MONTH_END in by_day[dt.date(2024, 4, 30)].kinds
    assert SeriesKind.QUARTERLY not in by_day[dt.date(2024, 4, 30)].kinds
    assert all(e.root == "SPY" and e.settlement is Settlement.PM for e in cal)


def test_half_day_settles_at_the_early_close() -> None:
    cal = expiration_calendar("SPY", dt.date(2024, 11, 29), dt.date(2024, 11, 29))
    assert cal[0].settles_at == _et(2024, 11, 29, 13, 0)
    assert last_trade(dt.date(2024, 11, 29), Settlement.PM) == _et(2024, 11, 29, 13, 0)


def test_trading_hours_skip_nights_weekends_and_count_half_days() -> None:
    fri = _et(2024, 4, 5, 15, 0)
    assert trading_hours_between(fri, _et(2024, 4, 8, 10, 0)) == pytest.approx(1.5)
    assert trading_hours_between(_et(2024, 11, 29, 9, 30), _et(2024, 12, 2, 9, 30)) == 3.5
    assert trading_hours_between(fri, fri) == 0.0


def test_after_trading_hours_inverts_trading_hours() -> None:
    start = _et(2024, 4, 5, 15, 0)
    end = after_trading_hours(start, 4.0)
    assert end == _et(2024, 4, 8, 12, 30)
    assert trading_hours_between(start, end) == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("hh", "mm", "blocked", "factor"),
    [
        (9, 35, False, 0.9),  # opening window
        (11, 0, False, 1.0),
        (15, 14, False, 1.0),  # 46 min to the close
        (15, 16, False, 0.9),  # 44 min: closing approach (30 + 15)
        (15, 29, False, 0.9),  # 31 min
        (15, 31, True, 1.0),  # 29 min: inside the no-entry window
        (16, 0, True, 1.0),  # at the close
        (17, 0, True, 1.0),  # after hours
        (9, 0, True, 1.0),  # pre-market
    ],
)
def test_time_of_day_windows(hh: int, mm: int, blocked: bool, factor: float) -> None:
    tod = time_of_day(_et(2024, 4, 1, hh, mm), dt.date(2024, 4, 1), SessionRules())
    assert tod.blocked is blocked
    assert tod.factor == factor


def test_half_day_close_blocks_entries_earlier() -> None:
    tod = time_of_day(_et(2024, 11, 29, 12, 45), dt.date(2024, 11, 29), SessionRules())
    assert tod.blocked
    assert "no-entry window" in tod.notes[0]


def test_ratio_comes_from_the_live_spots_never_a_constant() -> None:
    assert spx_per_spy("SPX", 5025.0, 500.0) == pytest.approx(10.05)
    assert spx_per_spy("SPY", 500.0, 5025.0) == pytest.approx(10.05)
    assert translate(5050.5, "SPX", 10.05) == pytest.approx(502.537313, rel=1e-9)
    assert translate(503.0, "SPY", 10.05) == pytest.approx(5055.15)


def test_ratio_drift_is_noted_only_beyond_the_threshold() -> None:
    rules = SessionRules(ratio_drift_bps=5.0)
    assert ratio_note(10.05, 10.049, rules) is None  # 1 bp
    note = ratio_note(10.05, 10.04, rules)
    assert note is not None
    assert "+10.0 bps" in note
    assert ratio_note(10.05, None, rules) is None


def test_vehicle_reasons_name_settlement_tax_and_dividends() -> None:
    spx = " ".join(vehicle_reasons("SPX", "SPXW", 5000.0, 100.0))
    assert "$500,000" in spx
    assert "cash-settled" in spx
    assert "60/40" in spx
    assert "PM-settled" in spx
    am = " ".join(vehicle_reasons("SPX", "SPX", 5000.0, 100.0))
    assert "AM-settled" in am
    spy = " ".join(vehicle_reasons("SPY", "SPY", 500.0, 100.0))
    assert "physically settled" in spy
    assert "dividend" in spy
    assert "$50,000" in spy
