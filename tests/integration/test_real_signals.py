"""Signals on real snapshots under $EOTS_REAL_DATA (read in place): a sample of eight chains.

Each chain that loads and has an ATR must give finite scores, scorable claims, standing signals
that never contradict each other, and a frame and JSON that serialise.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from eots.core.errors import EotsError
from eots.pipeline import analyze
from eots.signals import (
    SIGNALS_FRAME_SCHEMA,
    ClaimKind,
    SignalParams,
    SignalState,
    signals,
    signals_frame,
    signals_to_json,
)
from eots.signals.integrate import contradicts
from eots.sources import load_chain
from signal_builders import from_analysis

_ROOT = os.environ.get("EOTS_REAL_DATA")
_ALL = (
    [e["id"] for e in json.loads((Path(_ROOT) / "manifest.json").read_text())]
    if _ROOT and (Path(_ROOT) / "manifest.json").is_file()
    else ["(no data)"]
)
_IDS = _ALL[:: max(1, len(_ALL) // 8)][:8]


@pytest.mark.real_data
@pytest.mark.parametrize("snapshot_id", _IDS)
def test_real_signals_scorable_and_consistent(real_data: Path, snapshot_id: str) -> None:
    entry = next(
        e for e in json.loads((real_data / "manifest.json").read_text()) if e["id"] == snapshot_id
    )
    try:
        snap = load_chain(real_data / entry["file"])
    except EotsError as e:
        pytest.skip(f"{snapshot_id} is refused at load ({e})")
    analysis = analyze(snap)
    if analysis.metrics.atr is None:
        pytest.skip(f"{snapshot_id}: no ATR (no IV), no signals")
    report, state = signals(from_analysis(analysis), SignalState(), SignalParams())
    for name in ("directional.composite", "time_decay.composite", "complex.structure_change"):
        assert math.isfinite(report.scores[name]), name
    for s in report.signals:
        assert 0.0 <= s.strength <= 1.0
        if s.claim.kind is ClaimKind.PIN:
            assert s.claim.strike is not None
            assert s.claim.settles_at is not None
            assert s.claim.settles_at > analysis.as_of
        else:
            assert s.claim.reference is not None
            assert math.isfinite(s.claim.reference)
    assert not any(contradicts(a, b) for a in report.signals for b in report.signals if a is not b)
    assert signals_frame(report, snapshot_id).schema == SIGNALS_FRAME_SCHEMA
    json.dumps(signals_to_json(report), allow_nan=False)
    assert state.last_update == analysis.as_of
