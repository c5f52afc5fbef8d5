"""Level detectors are a registry the config selects from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from eots.levels import LevelKind
from eots.levels.key_levels import DETECTORS
from eots.levels.params import LevelParams
from eots.pipeline import AnalysisParams, analyze
from unit.engine.engine_data import sessions

WALL_KINDS = {
    LevelKind.CALL_WALL,
    LevelKind.PUT_WALL,
    LevelKind.SECONDARY_CALL_WALL,
    LevelKind.SECONDARY_PUT_WALL,
    LevelKind.ABS_GAMMA,
}


def test_every_configured_detector_exists() -> None:
    assert set(LevelParams().detectors) == set(DETECTORS)


def test_only_the_selected_detectors_run() -> None:
    snap = sessions()[2]
    every = {lv.kind for lv in analyze(snap).levels.levels}
    assert LevelKind.ZERO_GAMMA in every or LevelKind.SUPPORT in every
    walls = AnalysisParams(levels=LevelParams(detectors=("walls",)))
    only = {lv.kind for lv in analyze(snap, walls).levels.levels}
    assert only
    assert only <= WALL_KINDS | {LevelKind.CLUSTER}
    gamma = AnalysisParams(levels=LevelParams(detectors=("gamma",)))
    kinds = {lv.kind for lv in analyze(snap, gamma).levels.levels}
    assert kinds <= {LevelKind.ZERO_GAMMA, LevelKind.VOL_TRIGGER, LevelKind.CLUSTER}


def test_an_unknown_detector_is_refused() -> None:
    with pytest.raises(ValidationError, match="detectors"):
        LevelParams(detectors=("walls", "astrology"))
