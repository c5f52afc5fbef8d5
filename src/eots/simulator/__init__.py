"""A synthetic market that reacts to dealer hedging: multi-session histories with known truth.

`simulate(params, seed)` yields `SimStep` values (a validated chain snapshot, the customer
trades and the 1-minute bars since the previous step, and the ground truth: dealer gamma, zero
gamma, walls, regime); `write_history` stores them (snapshots in a `SnapshotStore`, trades as
feed files, bars in a `PriceStore`) and `read_trades` reads the trades back. It is a test bed
with known truth, not a forecast: see ``docs/simulator.md``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.simulator.params import ListingSize, SimulatorParams, listing_preset
    from eots.simulator.simulate import SIM_TRADES_SCHEMA, Regime, SimStep, SimTruth, simulate
    from eots.simulator.store import HistorySummary, read_trades, trades_path, write_history
    from eots.simulator.truth import (
        FlowAccuracy,
        VolSplit,
        WallHolds,
        flip_vol_split,
        flow_accuracy,
        wall_holds,
    )

__all__ = [
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
]

lazy_package(
    __name__,
    {
        "eots.simulator.params": ("ListingSize", "SimulatorParams", "listing_preset"),
        "eots.simulator.simulate": (
            "SIM_TRADES_SCHEMA",
            "Regime",
            "SimStep",
            "SimTruth",
            "simulate",
        ),
        "eots.simulator.store": ("HistorySummary", "read_trades", "trades_path", "write_history"),
        "eots.simulator.truth": (
            "FlowAccuracy",
            "VolSplit",
            "WallHolds",
            "flip_vol_split",
            "flow_accuracy",
            "wall_holds",
        ),
    },
)
