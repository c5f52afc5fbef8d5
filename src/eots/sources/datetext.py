"""Free-text download times, as CBOE's ``quotedata.csv`` writes them in its "Date:" line.

The line is rendered in the downloader's browser locale, so it comes in many shapes::

    5 April 2023, 19:41 UTC−4            (Unicode minus U+2212, 24-hour clock)
    September 14, 2023 at 4:31 PM EDT    July 9, 2022 at 5:28 p.m. EDT
    February 5 2022, 8:09 PM EST         10 May 2023, at 3:10 PM EDT
    23 de marzo de 2022, 10:11 GMT-4     9 декабря 2023 г. в 13:49 GMT-5

``download_time`` reads the date (day, month name in English, Spanish, French, German, Italian,
Portuguese or Russian, four-digit year), the clock time (12- or 24-hour) and the zone (US zone
abbreviations, ``UTC``/``GMT`` with an optional offset). It refuses anything it cannot read without
guessing (no four-digit year, two candidate days, no time, no or unknown zone) with ``ValueError``;
the readers turn that into a ``SchemaError`` that tells the user to pass ``--as-of``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_US_ZONES: dict[str, str] = {
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
}
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene janvier janv januar gennaio gen janeiro января январь",
        "february feb febrero février févr fevrier februar febbraio fevereiro fev февраля февраль",
        "march mar marzo mars märz marz março marco марта март",
        "april apr abril avril avr aprile апреля апрель",
        "may mayo mai maggio maio мая май",
        "june jun junio juin juni giugno junho июня июнь",
        "july jul julio juillet juil juli luglio lug julho июля июль",
        "august aug agosto août aout ago августа август",
        "september sep sept septiembre septembre settembre set setembro сентября сентябрь",
        "october oct octubre octobre oktober okt ottobre ott outubro out октября октябрь",
        "november nov noviembre novembre novembro ноября ноябрь",
        "december dec diciembre dic décembre decembre dezember dez dicembre dezembro декабря",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTHS["декабрь"] = 12

_ZONE = re.compile(
    r"\b(UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?(?![\w])"  # UTC-4, GMT+5:30, UTC
    r"|\b([A-Z]{2,4})\s*$"  # a zone abbreviation ending the text: EDT, EST, ...
)
_TIME = re.compile(r"\b(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\.?(?![a-z]))?", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(\d{4})\b")
_WORD = re.compile(r"[^\W\d_]+\.?")
_DAY = re.compile(r"\b(\d{1,2})\b")


def download_time(text: str) -> dt.datetime:
    """Return the timezone-aware instant a free-text "Date:" value describes.

    Parameters
    ----------
    text
        The value after ``Date:``, e.g. ``"May 23, 2023 at 7:39 PM EDT"``.

    Returns
    -------
    datetime
        Aware datetime in the zone the text states (US zones map to their IANA zone).

    Raises
    ------
    ValueError
        When the date, the time or the zone cannot be read without guessing.

    Examples
    --------
    >>> download_time("5 April 2023, 19:41 UTC−4").isoformat()
    '2023-04-05T19:41:00-04:00'
    >>> download_time("July 9, 2022 at 5:28 p.m. EDT").isoformat()
    '2022-07-09T17:28:00-04:00'
    """
    s = text.replace("\u2212", "-").replace("\u2013", "-").replace('"', " ").replace("\xa0", " ")
    s = s.replace("\u202f", " ").strip()
    if s.lower().startswith("date:"):
        s = s[5:].strip()
    tz, s = _zone(s)
    (hour, minute, second), s = _clock(s)
    year, month, day = _date(s)
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as e:
        raise ValueError(f"not a valid date/time in {text!r}: {e}") from e


def _zone(s: str) -> tuple[dt.tzinfo, str]:
    m = _ZONE.search(s)
    if m is None:
        raise ValueError(f"no time zone in {s!r} (expected e.g. EDT, EST, UTC-4, GMT-5)")
    if m.group(1) is not None:
        sign, hours, minutes = m.group(2), m.group(3), m.group(4)
        offset = dt.timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        tz: dt.tzinfo = dt.timezone(-offset if sign == "-" else offset)
    else:
        name = m.group(5)
        if name in ("UTC", "GMT"):
            tz = dt.UTC
        elif name in _US_ZONES:
            tz = ZoneInfo(_US_ZONES[name])
        else:
            raise ValueError(f"unknown time zone {name!r} in {s!r}")
    return tz, s[: m.start()] + " " + s[m.end() :]


def _clock(s: str) -> tuple[tuple[int, int, int], str]:
    matches = list(_TIME.finditer(s))
    if len(matches) != 1:
        raise ValueError(f"expected one clock time (H:MM) in {s!r}, found {len(matches)}")
    m = matches[0]
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    half = (m.group(4) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM in {s!r}")
        hour = hour % 12 + (12 if half == "p" else 0)
    return (hour, minute, second), s[: m.start()] + " " + s[m.end() :]


def _date(s: str) -> tuple[int, int, int]:
    iso = _ISO_DATE.search(s)
    if iso is not None:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    years = _YEAR.findall(s)
    if len(years) != 1:
        raise ValueError(f"expected one four-digit year in {s!r}, found {years}")
    rest = _YEAR.sub(" ", s)
    words = (w.lower().rstrip(".") for w in _WORD.findall(rest))
    months = {_MONTHS[w] for w in words if w in _MONTHS}
    if len(months) != 1:
        raise ValueError(f"expected one month name in {s!r}")
    days = _DAY.findall(rest)
    if len(days) != 1:
        raise ValueError(f"expected one day of the month in {s!r}, found {days}")
    return int(years[0]), months.pop(), int(days[0])
