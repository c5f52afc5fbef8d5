"""The collector logs every event as key=value fields, never a secret of the environment."""

from __future__ import annotations

import io
import logging

import pytest

from builders import et
from eots.collect import collect
from eots.core.errors import SourceUnavailable
from eots.core.logs import KeyValueFormatter, configure, redact, secret_values
from unit.collect.test_collect_loop import FIVE_MIN, FakeSource, StepClock, _MemoryStore

TOKEN = "tok_live_9f8e7d6c5b4a"


def test_collect_logs_key_values_and_redacts_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADIER_TOKEN", TOKEN)
    stream = io.StringIO()
    handler = configure("INFO", stream)
    try:
        clock = StepClock(et(2024, 3, 13, 10, 0))
        leak = SourceUnavailable(f"GET https://api.example/v1/chains?token={TOKEN}: 503")
        source = FakeSource(fail=lambda n: leak if n == 2 else None)
        collect(
            source,
            _MemoryStore(),
            ["SPX"],
            every=FIVE_MIN,
            clock=clock,
            sleep=clock.sleep,
            max_polls=3,
        )
        logging.getLogger("eots.collect.loop").info("probe", extra={"api_token": "abc-secret"})
    finally:
        logging.getLogger("eots").removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text
    assert "abc-secret" not in text
    assert "api_token=***" in text
    lines = text.splitlines()
    failed = [ln for ln in lines if " WARNING eots.collect.loop " in ln]
    assert len(failed) == 1
    assert "token=***" in failed[0]
    assert "event=failed" in failed[0]
    assert "underlying=SPX" in failed[0]
    assert "poll=2" in failed[0]
    saved = [ln for ln in lines if "event=saved" in ln]
    assert len(saved) == 2
    assert "collect started" in lines[0]
    assert "underlyings=SPX" in lines[0]


def test_secret_values_and_redaction() -> None:
    env = {"TRADIER_TOKEN": TOKEN, "EOTS_API_KEY": "k3y-value", "HOME": "/root", "PIN": "12"}
    assert set(secret_values(env)) == {TOKEN, "k3y-value"}
    assert redact(f"x {TOKEN} y k3y-value", secret_values(env)) == "x *** y ***"
    record = logging.makeLogRecord(
        {"name": "eots.x", "levelname": "INFO", "msg": "m", "password": "p4ss", "note": "a b"}
    )
    line = KeyValueFormatter(secrets=()).format(record)
    assert line.endswith('INFO eots.x m password=*** note="a b"')
