"""Fixtures of the history tests: the four-session snapshot list (built once)."""

from __future__ import annotations

import pytest

from eots.chain import ChainSnapshot
from unit.history.context_store import session_snapshots


@pytest.fixture(scope="session")
def snapshots() -> list[ChainSnapshot]:
    """Hourly trimmed synthetic snapshots of four sessions, oldest first."""
    return session_snapshots()
