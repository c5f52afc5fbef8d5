"""SPX/SPY specifics of the ideas (framework.md 4.4): expiration calendar, trading time, vehicle.

* **Expiration calendar** (``expiration_calendar``): SPX AM monthlies on the third Friday (the
  session before when that Friday is a holiday), SPXW PM series on every session (the dailies;
  Fridays are the weeklies), quarterly series on the last session of March/June/September/
  December and month-end series on each month's last session; SPY (and any ETF) lists PM dailies
  on every session. Sessions, holidays and half days come from ``eots.core.time`` (XNYS).
* **Trading time** (``trading_hours_between``, ``after_trading_hours``): hours of open market
  between two instants, from the session calendar (half days count their early close). An AM
  monthly stops trading at the previous session's close and settles at the expiry day's open, so
  its last trading instant is that close (``last_trade``).
* **SPX vs SPY** (``translate``, ``ratio_note``): prices translate with the live ratio of the two
  spots at the same instant, never a hard 10; a move of the ratio against a reference (dividend
  accrual, tracking, quote timing) is noted when it exceeds ``SessionRules.ratio_drift_bps``.
* **Vehicle** (``vehicle_reasons``): notional per contract, cash (SPX) vs physical (SPY)
  settlement, European vs American exercise, AM vs PM, the index options' Section 1256 60/40 tax
  treatment (US taxpayers; not advice) and dividends.
* **Time of day** (``time_of_day``): the opening and closing auction windows scale conviction by
  ``auction_factor`` (base_system.md 7.4's x0.90); no new entries inside ``no_entry_minutes``
  before the close.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from eots.core.time import ET, UTC, nyse_calendar, settlement_instant
from eots.core.types import Exercise, Settlement, underlying_spec
from eots.ideas.params import SessionRules

_QUARTER_MONTHS = (3, 6, 9, 12)
_US_PER_HOUR = 3_600_000_000


class SeriesKind(StrEnum):
    """Which cycle an expiry belongs to (several may apply; see ``ListedExpiry.kinds``)."""

    DAILY = "daily"
    WEEKLY = "weekly"  # a Friday (or the session before a holiday Friday)
    MONTHLY = "monthly"  # the third-Friday series
    QUARTERLY = "quarterly"  # last session of Mar/Jun/Sep/Dec
    MONTH_END = "month_end"  # last session of the month


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedExpiry:
    """One expiration of the calendar: root, date, settlement, its cycles and instants (UTC)."""

    root: str
    expiry: dt.date
    settlement: Settlement
    kinds: tuple[SeriesKind, ...]
    settles_at: dt.datetime
    last_trade: dt.datetime


def expiration_calendar(underlying: str, start: dt.date, end: dt.date) -> tuple[ListedExpiry, ...]:
    """Return every standard expiration of ``underlying`` between ``start`` and ``end``.

    Parameters
    ----------
    underlying
        SPX (roots SPX AM and SPXW PM), SPY, or any other symbol (PM dailies on its own root).
    start, end
        Inclusive date range (calendar dates, ET).

    Examples
    --------
    >>> cal = expiration_calendar("SPX", dt.date(2024, 3, 25), dt.date(2024, 3, 29))
    >>> [(e.root, e.expiry.isoformat(), [k.value for k in e.kinds]) for e in cal][-1]
    ('SPXW', '2024-03-28', ['daily', 'weekly', 'quarterly', 'month_end'])
    """
    cal = nyse_calendar()
    dates = cal.dates[(cal.dates >= np.datetime64(start)) & (cal.dates <= np.datetime64(end))]
    sessions = [dt.date.fromisoformat(str(d)) for d in dates]
    third = {_third_friday(y, m) for y, m in {(d.year, d.month) for d in sessions}}
    month_end = {_last_session(d.year, d.month) for d in sessions}
    weekly = {_week_end(d) for d in sessions}
    spec = underlying_spec(underlying)
    out: list[ListedExpiry] = []
    pm_root = _pm_root(underlying)
    for day in sessions:
        kinds = [SeriesKind.DAILY]
        if day in weekly:
            kinds.append(SeriesKind.WEEKLY)
        if day in third:
            kinds.append(SeriesKind.MONTHLY)
        if day in month_end and day.month in _QUARTER_MONTHS:
            kinds.append(SeriesKind.QUARTERLY)
        if day in month_end:
            kinds.append(SeriesKind.MONTH_END)
        if day in third:
            out.extend(
                _listed(root, day, Settlement.AM, (SeriesKind.MONTHLY,))
                for root in sorted(spec.am_roots)
            )
        out.append(_listed(pm_root, day, Settlement.PM, tuple(kinds)))
    return tuple(out)


def _pm_root(underlying: str) -> str:
    spec = underlying_spec(underlying)
    daily = {"SPX": "SPXW", "NDX": "NDXP", "RUT": "RUTW"}.get(spec.symbol)
    return daily or min(spec.pm_roots or {spec.symbol})


def _listed(
    root: str, day: dt.date, settlement: Settlement, kinds: tuple[SeriesKind, ...]
) -> ListedExpiry:
    return ListedExpiry(
        root=root,
        expiry=day,
        settlement=settlement,
        kinds=kinds,
        settles_at=settlement_instant(day, settlement),
        last_trade=last_trade(day, settlement),
    )


def last_trade(expiry: dt.date, settlement: Settlement) -> dt.datetime:
    """Return the last instant a series can be traded (UTC).

    PM series trade until their settlement (the close); AM monthlies stop at the previous
    session's close and settle at the expiry day's opening prints.

    Examples
    --------
    >>> last_trade(dt.date(2024, 4, 19), Settlement.AM).astimezone(ET).isoformat()
    '2024-04-18T16:00:00-04:00'
    """
    if settlement is Settlement.PM:
        return settlement_instant(expiry, Settlement.PM)
    prev = nyse_calendar().previous_session(expiry)
    return settlement_instant(prev, Settlement.PM)


def last_trades(expiries: list[dt.date], settlements: list[Settlement]) -> list[dt.datetime]:
    """Return ``last_trade`` for many series at once (one calendar lookup)."""
    cal = nyse_calendar()
    days = np.array(expiries, dtype="datetime64[D]")
    i = np.searchsorted(cal.dates, days)
    inside = (i < len(cal.dates)) & (i > 0)
    i_safe = np.clip(i, 1, len(cal.dates) - 1)
    exact = inside & (cal.dates[i_safe] == days)
    am = np.array([s is Settlement.AM for s in settlements], dtype=bool)
    closes = np.where(am, cal.closes[i_safe - 1], cal.closes[i_safe])
    out: list[dt.datetime] = []
    for k, (day, settle) in enumerate(zip(expiries, settlements, strict=True)):
        if exact[k]:
            us = int(closes[k].astype("datetime64[us]").astype(np.int64))
            out.append(dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=us))
        else:
            out.append(last_trade(day, settle))
    return out


def _on_or_before(day: dt.date) -> dt.date:
    cal = nyse_calendar()
    return day if cal.is_session(day) else cal.previous_session(day)


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return _on_or_before(first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14))


def _last_session(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return _on_or_before(nxt - dt.timedelta(days=1))


def _week_end(day: dt.date) -> dt.date:
    return _on_or_before(day + dt.timedelta(days=4 - day.weekday()))


def trading_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Return the hours of open market (XNYS sessions) between two instants.

    Examples
    --------
    >>> a = dt.datetime(2024, 4, 1, 15, 0, tzinfo=ET)
    >>> trading_hours_between(a, dt.datetime(2024, 4, 2, 10, 30, tzinfo=ET))
    2.0
    """
    if end <= start:
        return 0.0
    cal = nyse_calendar()
    s = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    e = np.datetime64(end.astimezone(UTC).replace(tzinfo=None), "us")
    lo = int(np.searchsorted(cal.closes, s, side="right"))
    hi = int(np.searchsorted(cal.opens, e, side="left"))
    opens = np.maximum(cal.opens[lo:hi], s)
    closes = np.minimum(cal.closes[lo:hi], e)
    us = (closes - opens).astype(np.int64)
    return float(us[us > 0].sum()) / _US_PER_HOUR


def after_trading_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """Return the instant at which ``hours`` of open market have passed since ``start``.

    Examples
    --------
    >>> a = dt.datetime(2024, 4, 1, 15, 0, tzinfo=ET)
    >>> after_trading_hours(a, 2.0).astimezone(ET).isoformat()
    '2024-04-02T10:30:00-04:00'
    """
    cal = nyse_calendar()
    s = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    i = int(np.searchsorted(cal.closes, s, side="right"))
    left = round(hours * _US_PER_HOUR)
    while i < len(cal.closes):
        begin = max(cal.opens[i], s)
        span = int((cal.closes[i] - begin).astype(np.int64))
        if left <= span:
            us = int(begin.astype("datetime64[us]").astype(np.int64)) + left
            return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=us)
        left -= span
        i += 1
    raise ValueError(f"{hours} trading hours after {start} lie beyond the session calendar")


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeOfDay:
    """Where the snapshot falls in its session and what that implies."""

    minutes_to_close: float
    minutes_since_open: float
    factor: float
    blocked: bool
    notes: tuple[str, ...]


def time_of_day(ts: dt.datetime, session: dt.date, rules: SessionRules) -> TimeOfDay:
    """Return the time-of-day adjustment of a snapshot at ``ts`` in ``session``.

    Outside the session's hours, or inside ``no_entry_minutes`` before the close, entries are
    blocked; inside the opening or closing auction window conviction is scaled by
    ``auction_factor``.
    """
    bounds = nyse_calendar().session_bounds(session)
    if bounds is None:
        return TimeOfDay(
            minutes_to_close=0.0,
            minutes_since_open=0.0,
            factor=1.0,
            blocked=True,
            notes=(f"{session} is not a session: no new entries",),
        )
    open_, close = bounds
    to_close = (close - ts).total_seconds() / 60.0
    since_open = (ts - open_).total_seconds() / 60.0
    local = ts.astimezone(ET).strftime("%H:%M ET")
    if since_open < 0 or to_close <= 0:
        when = "before the open" if since_open < 0 else "at or after the close"
        note = f"{local} is {when} of {session}: no new entries"
        return TimeOfDay(
            minutes_to_close=to_close,
            minutes_since_open=since_open,
            factor=1.0,
            blocked=True,
            notes=(note,),
        )
    if to_close <= rules.no_entry_minutes:
        note = (
            f"{local}: {to_close:.0f} min to the close, inside the no-entry window "
            f"({rules.no_entry_minutes:.0f} min): no new entries"
        )
        return TimeOfDay(
            minutes_to_close=to_close,
            minutes_since_open=since_open,
            factor=1.0,
            blocked=True,
            notes=(note,),
        )
    factor = 1.0
    notes: list[str] = []
    if since_open < rules.opening_minutes:
        factor = rules.auction_factor
        notes.append(
            f"{local}: opening window ({since_open:.0f} min after the open), conviction "
            f"x{factor:.2f}"
        )
    elif to_close <= rules.no_entry_minutes + rules.closing_minutes:
        factor = rules.auction_factor
        notes.append(
            f"{local}: closing-auction approach ({to_close:.0f} min to the close), conviction "
            f"x{factor:.2f}"
        )
    return TimeOfDay(
        minutes_to_close=to_close,
        minutes_since_open=since_open,
        factor=factor,
        blocked=False,
        notes=tuple(notes),
    )


def spx_per_spy(underlying: str, spot: float, companion_spot: float) -> float:
    """Return the live SPX/SPY ratio from the two spots at the same instant.

    Examples
    --------
    >>> round(spx_per_spy("SPY", 500.0, 5012.5), 3)
    10.025
    """
    if underlying.upper() in ("SPX", "XSP"):
        return spot / companion_spot
    return companion_spot / spot


def translate(price: float, underlying: str, ratio: float) -> float:
    """Translate a price of ``underlying`` into the companion's units with the SPX/SPY ratio.

    Examples
    --------
    >>> round(translate(5025.0, "SPX", 10.05), 6)
    500.0
    >>> round(translate(500.0, "SPY", 10.05), 6)
    5025.0
    """
    return price / ratio if underlying.upper() in ("SPX", "XSP") else price * ratio


def companion_symbol(underlying: str) -> str | None:
    """Return SPY for SPX and SPX for SPY (None for anything else)."""
    return {"SPX": "SPY", "SPY": "SPX"}.get(underlying.upper())


def ratio_note(ratio: float, reference: float | None, rules: SessionRules) -> str | None:
    """Describe the SPX/SPY ratio's drift against a reference when it exceeds the threshold."""
    if reference is None:
        return None
    drift_bps = (ratio / reference - 1.0) * 1e4
    if abs(drift_bps) < rules.ratio_drift_bps:
        return None
    return (
        f"ETF-vs-index drift: SPX/SPY ratio {ratio:.4f} vs reference {reference:.4f} "
        f"({drift_bps:+.1f} bps; dividend accrual, tracking or quote timing): translated "
        "levels use the live ratio"
    )


def vehicle_reasons(underlying: str, root: str, spot: float, multiplier: float) -> tuple[str, ...]:
    """Return why the idea is on this vehicle: notional, settlement, exercise, tax, dividends."""
    spec = underlying_spec(underlying)
    settlement = spec.settlement(root)
    notional = spot * multiplier
    reasons = [f"{root}: notional ${notional:,.0f} per contract"]
    if spec.exercise is Exercise.EUROPEAN:
        timing = (
            "AM-settled at the expiry day's opening prints (SOQ), last trade the session before"
            if settlement is Settlement.AM
            else "PM-settled at the close"
        )
        reasons.append(
            f"cash-settled, European (no early assignment), {timing}; index options are "
            "Section 1256 contracts (60/40 long/short-term tax for US taxpayers); no dividends "
            "to manage"
        )
        if underlying.upper() == "SPX":
            reasons.append("for finer sizing the same levels translate to SPY with the live ratio")
    else:
        reasons.append(
            f"physically settled in shares, American (early assignment possible, notably on short "
            f"calls before ex-dividend dates); {settlement.value}-settled; equity-option tax "
            "treatment; the ETF pays quarterly dividends"
        )
        if underlying.upper() == "SPY":
            reasons.append(
                "about a tenth of SPX's notional per contract: finer sizing for small accounts"
            )
    return tuple(reasons)
