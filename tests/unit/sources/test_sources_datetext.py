"""Free-text download times from the CBOE Date line."""

from __future__ import annotations

import datetime as dt

import pytest

from eots.sources.datetext import download_time

EDT = dt.timezone(dt.timedelta(hours=-4))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 April 2023, 19:41 UTC−4", (2023, 4, 5, 19, 41, -4)),
        ("September 14, 2023 at 4:31 PM EDT", (2023, 9, 14, 16, 31, -4)),
        ("July 9, 2022 at 5:28 p.m. EDT", (2022, 7, 9, 17, 28, -4)),
        ("February 5 2022, 8:09 PM EST", (2022, 2, 5, 20, 9, -5)),
        ("10 May 2023, at 3:10 PM EDT", (2023, 5, 10, 15, 10, -4)),
        ('20 May 2023, 11:46 AM EDT"', (2023, 5, 20, 11, 46, -4)),
        ("8 June 2023 7:56 PM EDT", (2023, 6, 8, 19, 56, -4)),
        ("May 8, 2025 at 12:03 AM EDT", (2025, 5, 8, 0, 3, -4)),
        ("23 de marzo de 2022, 10:11 GMT-4", (2022, 3, 23, 10, 11, -4)),
        ("9 декабря 2023 г. в 13:49 GMT-5", (2023, 12, 9, 13, 49, -5)),
        ("12 sept. 2023 à 16h31 UTC−4", (2023, 9, 12, 16, 31, -4)),
        ("2023-04-05 23:41:07 UTC", (2023, 4, 5, 23, 41, 0)),
        ("Date: Jan 7, 2024, 10:52 AM EST", (2024, 1, 7, 10, 52, -5)),
    ],
)
def test_download_time_reads_locale_variants(text: str, expected: tuple[int, ...]) -> None:
    y, mo, d, h, mi, off = expected
    got = download_time(text)
    assert got.replace(second=0).astimezone(dt.UTC) == dt.datetime(
        y, mo, d, h, mi, tzinfo=dt.timezone(dt.timedelta(hours=off))
    )
    assert got.utcoffset() == dt.timedelta(hours=off)


@pytest.mark.parametrize(
    "text",
    [
        "4 June 4, 3:15 PM EDT",  # no year
        "May 23, 2023 at 7:39 PM",  # no zone
        "May 2023 7:39 PM EDT",  # no day
        "May 23, 2023 EDT",  # no time
        "May 23, 2023 at 13:39 PM EDT",  # 13 PM
        "Smarch 23, 2023 at 1:39 PM EDT",  # no month
        "May 23, 2023 at 1:39 PM XYZT",  # unknown zone
        "February 30, 2023 at 1:39 PM EST",  # no such day
    ],
)
def test_download_time_refuses_guesses(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        download_time(text)
