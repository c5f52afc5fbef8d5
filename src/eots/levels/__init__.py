"""Key levels from exposures: gamma walls and the zero-gamma flip."""

from eots.levels.walls import GammaWalls, RankedStrike, gamma_walls
from eots.levels.zero_gamma import (
    GammaProfile,
    ZeroGamma,
    ZeroGammaParams,
    gamma_profile,
    zero_gamma,
)

__all__ = [
    "GammaProfile",
    "GammaWalls",
    "RankedStrike",
    "ZeroGamma",
    "ZeroGammaParams",
    "gamma_profile",
    "gamma_walls",
    "zero_gamma",
]
