"""Shared pytest configuration: hypothesis profiles and the real-data location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,  # a landing gate gives the same answer every run; `dev` explores
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REAL_DATA_REASON = (
    "EOTS_REAL_DATA is not set: point it at shared/data/chains to run the real-snapshot tests"
)


def real_data_problem(value: str | None) -> str | None:
    """Return why a set ``EOTS_REAL_DATA`` is unusable (None when unset or usable).

    Unset means "no real-data tests" (they skip). Set means "run them": a folder that is named
    but absent, or holds no ``manifest.json``, must fail the run instead of skipping every
    real-data test silently.
    """
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        return f"EOTS_REAL_DATA={value} is set but is not a folder (missing or mistyped)"
    if not (path / "manifest.json").is_file():
        return f"EOTS_REAL_DATA={value} is set but holds no manifest.json"
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to start when ``EOTS_REAL_DATA`` names a folder that is not there."""
    del config
    problem = real_data_problem(os.environ.get("EOTS_REAL_DATA"))
    if problem is not None:
        raise pytest.UsageError(problem)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real snapshots (read in place), or skip."""
    value = os.environ.get("EOTS_REAL_DATA")
    if not value:
        pytest.skip(REAL_DATA_REASON)
    problem = real_data_problem(value)
    if problem is not None:  # pytest_configure refuses this first; kept for direct use
        pytest.fail(problem)
    return Path(value)
