"""Replay: stored history through the engine into a run directory (``eots replay``)."""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
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

lazy_package(
    __name__,
    {
        "eots.replay.outputs": (
            "BARS_SCHEMA",
            "BY_STRIKE_SCHEMA",
            "LEVEL_ROWS_SCHEMA",
            "SNAPSHOT_SCHEMA",
            "RunRecorder",
        ),
        "eots.replay.runner": ("ReplayResult", "ReplaySpec", "replay", "run_bars"),
    },
)
