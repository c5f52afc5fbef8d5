"""Replay: stored history through the engine into a run directory (``eots replay``)."""

from eots.replay.outputs import (
    BARS_SCHEMA,
    BY_STRIKE_SCHEMA,
    LEVEL_ROWS_SCHEMA,
    SNAPSHOT_SCHEMA,
    RunRecorder,
)
from eots.replay.runner import ReplayResult, ReplaySpec, replay, run_bars

__all__ = [
    "BARS_SCHEMA",
    "BY_STRIKE_SCHEMA",
    "LEVEL_ROWS_SCHEMA",
    "SNAPSHOT_SCHEMA",
    "ReplayResult",
    "ReplaySpec",
    "RunRecorder",
    "replay",
    "run_bars",
]
