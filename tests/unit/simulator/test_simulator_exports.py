"""The public surface of eots.simulator."""

from __future__ import annotations

import eots.simulator


def test_simulator_exports_public_api() -> None:
    assert set(eots.simulator.__all__) == {
        "SIM_TRADES_SCHEMA",
        "FlowAccuracy",
        "HistorySummary",
        "ListingSize",
        "Regime",
        "SimStep",
        "SimTruth",
        "SimulatorParams",
        "VolSplit",
        "WallHolds",
        "flip_vol_split",
        "flow_accuracy",
        "listing_preset",
        "read_trades",
        "simulate",
        "trades_path",
        "wall_holds",
        "write_history",
    }
    assert all(hasattr(eots.simulator, name) for name in eots.simulator.__all__)
