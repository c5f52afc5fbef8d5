"""The XNYS calendar cache: same sessions as exchange_calendars, rebuilt when corrupt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from eots.core import time as ctime


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ctime.nyse_calendar.cache_clear()
    yield tmp_path
    ctime.nyse_calendar.cache_clear()


def _same(a: ctime.SessionCalendar, b: ctime.SessionCalendar) -> bool:
    return all(
        np.array_equal(x, y)
        for x, y in ((a.dates, b.dates), (a.opens, b.opens), (a.closes, b.closes))
    )


def test_calendar_cache_written_then_read_back_identical(cache_home: Path) -> None:
    built = ctime.nyse_calendar()
    path = ctime.calendar_cache_path()
    assert path is not None
    assert path.is_relative_to(cache_home)
    assert path.is_file()
    ctime.nyse_calendar.cache_clear()
    assert _same(ctime.nyse_calendar(), built)
    assert _same(built, ctime._build_calendar())


def test_calendar_cache_corrupt_file_is_rebuilt(cache_home: Path) -> None:
    path = ctime.calendar_cache_path()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz file")
    cal = ctime.nyse_calendar()
    assert cal.is_session(dt.date(2023, 4, 6))
    assert not cal.is_session(dt.date(2023, 4, 7))  # Good Friday
    assert _same(cal, ctime._build_calendar())


def test_calendar_cache_unwritable_folder_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    ctime.nyse_calendar.cache_clear()
    try:
        assert ctime.nyse_calendar().is_session(dt.date(2024, 3, 13))
    finally:
        ctime.nyse_calendar.cache_clear()
