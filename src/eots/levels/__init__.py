"""Key levels from a snapshot's foundation and metrics, and their evaluation.

Walls, zero gamma, the volatility trigger, multi-timeframe
support and resistance, clusters and conviction (``key_levels``), and their evaluation.

The levels consume what the foundation and the metrics computed (``LevelInputs``, prior-session
``SessionSummary`` values); they never price a chain nor call the metrics (an import-linter
contract forbids ``eots.levels`` -> ``eots.greeks | eots.exposures | eots.metrics``).
See ``docs/levels.md`` for every definition and default.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.levels.conviction import TRACK_RECORD_SCHEMA
    from eots.levels.evaluate import EVALUATION_SCHEMA, SESSION_LEVELS_SCHEMA, evaluate_levels
    from eots.levels.key_levels import LevelHistory, LevelInputs, key_levels
    from eots.levels.model import (
        LEVELS_SCHEMA,
        Evidence,
        EvidenceItem,
        KeyLevels,
        Level,
        LevelKind,
        SessionSummary,
        Timeframe,
        stars,
    )
    from eots.levels.params import (
        ConvictionParams,
        LevelParams,
        MspiThresholdParams,
        MultiTimeframeParams,
        WallParams,
        ZeroGammaParams,
    )
    from eots.levels.positioning import POSITIONING_SCHEMA, positioning_change
    from eots.levels.walls import GammaWalls, RankedStrike, gamma_walls
    from eots.levels.zero_gamma import GammaProfile, ZeroGamma, gamma_profile, zero_gamma

__all__ = [
    "EVALUATION_SCHEMA",
    "LEVELS_SCHEMA",
    "POSITIONING_SCHEMA",
    "SESSION_LEVELS_SCHEMA",
    "TRACK_RECORD_SCHEMA",
    "ConvictionParams",
    "Evidence",
    "EvidenceItem",
    "GammaProfile",
    "GammaWalls",
    "KeyLevels",
    "Level",
    "LevelHistory",
    "LevelInputs",
    "LevelKind",
    "LevelParams",
    "MspiThresholdParams",
    "MultiTimeframeParams",
    "RankedStrike",
    "SessionSummary",
    "Timeframe",
    "WallParams",
    "ZeroGamma",
    "ZeroGammaParams",
    "evaluate_levels",
    "gamma_profile",
    "gamma_walls",
    "key_levels",
    "positioning_change",
    "stars",
    "zero_gamma",
]

lazy_package(
    __name__,
    {
        "eots.levels.conviction": ("TRACK_RECORD_SCHEMA",),
        "eots.levels.evaluate": ("EVALUATION_SCHEMA", "SESSION_LEVELS_SCHEMA", "evaluate_levels"),
        "eots.levels.key_levels": ("LevelHistory", "LevelInputs", "key_levels"),
        "eots.levels.model": (
            "LEVELS_SCHEMA",
            "Evidence",
            "EvidenceItem",
            "KeyLevels",
            "Level",
            "LevelKind",
            "SessionSummary",
            "Timeframe",
            "stars",
        ),
        "eots.levels.params": (
            "ConvictionParams",
            "LevelParams",
            "MspiThresholdParams",
            "MultiTimeframeParams",
            "WallParams",
            "ZeroGammaParams",
        ),
        "eots.levels.positioning": ("POSITIONING_SCHEMA", "positioning_change"),
        "eots.levels.walls": ("GammaWalls", "RankedStrike", "gamma_walls"),
        "eots.levels.zero_gamma": ("GammaProfile", "ZeroGamma", "gamma_profile", "zero_gamma"),
    },
)
