"""Fixtures of the storage tests: tiny snapshots at chosen instants, and empty stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from builders import tiny_chain
from eots.chain import ChainSnapshot
from eots.storage import SnapshotStore

EXPIRY = dt.date(2024, 3, 28)


def _snapshot_at(
    ts: dt.datetime, *, spot: float = 5001.0, open_interest: int = 1200
) -> ChainSnapshot:
    """Return a two-contract SPX snapshot quoted (and received) at ``ts``."""
    return tiny_chain(
        [
            ("SPXW", EXPIRY, 5000.0, "C", 10.0, 10.5, open_interest, 15, 0.14),
            ("SPXW", EXPIRY, 5000.0, "P", 9.0, 9.4, 800, None, None),
            ("SPX", EXPIRY - dt.timedelta(days=7), 4900.0, "P", 2.0, 2.2, 50),
        ],
        spot=spot,
        as_of=ts,
    )


@pytest.fixture(scope="session")
def make_snapshot() -> Callable[..., ChainSnapshot]:
    """The ``snapshot_at`` factory."""
    return _snapshot_at


@pytest.fixture
def store(tmp_path: Path) -> SnapshotStore:
    """An empty store in a fresh folder."""
    return SnapshotStore(tmp_path / "store")
