"""Fixtures shared by the replay tests."""

from __future__ import annotations

import pytest

from eots.replay import ReplaySpec
from eots.simulator import ListingSize, SimulatorParams, listing_preset
from eots.simulator.store import write_history


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> ReplaySpec:
    """Three simulated sessions of four snapshots of the small SPX listing, with 1-minute bars."""
    root = tmp_path_factory.mktemp("sim")
    params = SimulatorParams(
        market=listing_preset(ListingSize.SMALL, underlying="SPX"), sessions=3, every_minutes=130
    )
    write_history(root, params, seed=5)
    return ReplaySpec(store=root, underlying="SPX", prices=root / "_prices")
