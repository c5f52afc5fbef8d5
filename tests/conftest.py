"""Shared pytest configuration: hypothesis profiles and the real-data location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REAL_DATA_REASON = (
    "EOTS_REAL_DATA is not set: point it at shared/data/chains to run the real-snapshot tests"
)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real snapshots (read in place), or skip."""
    value = os.environ.get("EOTS_REAL_DATA")
    if not value:
        pytest.skip(REAL_DATA_REASON)
    path = Path(value)
    if not (path / "manifest.json").is_file():
        pytest.skip(f"EOTS_REAL_DATA={value} has no manifest.json")
    return path
