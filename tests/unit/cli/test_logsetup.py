"""Each command invocation binds logging to the stderr of that invocation."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from eots.cli.logsetup import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, eots = logging.getLogger(), logging.getLogger("eots")
    saved = (root.handlers[:], root.level, eots.handlers[:], eots.level, eots.propagate)
    yield
    root.handlers[:], eots.handlers[:] = saved[0], saved[2]
    root.setLevel(saved[1])
    eots.setLevel(saved[3])
    eots.propagate = saved[4]


def test_a_second_invocation_logs_to_its_own_stream(
    monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> None:
    first = io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    configure_logging("WARNING")
    first.close()  # the first invocation's captured stream is gone (an in-process test runner)
    second = io.StringIO()
    monkeypatch.setattr("sys.stderr", second)
    configure_logging("WARNING")
    logging.getLogger("eots.collect.loop").warning("fetch failed")
    logging.getLogger("other.library").warning("plain record")
    text = second.getvalue()
    assert "fetch failed" in text
    assert "plain record" in text
    assert "Logging error" not in text


def test_the_level_applies(monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("ERROR")
    logging.getLogger("eots.engine").warning("below the level")
    logging.getLogger("eots.engine").error("at the level")
    assert "below the level" not in stream.getvalue()
    assert "at the level" in stream.getvalue()
