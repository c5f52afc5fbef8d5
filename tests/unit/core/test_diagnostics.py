"""One diagnostics shape: (stage, code, message), and the lift of the older note forms."""

from __future__ import annotations

import pytest

from eots.core.diagnostics import Diagnostic, from_notes


def test_diagnostic_fields_and_refusals() -> None:
    d = Diagnostic("levels", "levels.atr.iv_implied", "atr: iv-implied 12.00")
    assert (d.stage, d.code, str(d)) == ("levels", "levels.atr.iv_implied", "atr: iv-implied 12.00")
    assert d.to_dict() == {
        "stage": "levels",
        "code": "levels.atr.iv_implied",
        "message": "atr: iv-implied 12.00",
    }
    with pytest.raises(ValueError, match="dotted lower-case code"):
        Diagnostic("levels", "Levels ATR", "x")
    with pytest.raises(ValueError, match="a stage and a message"):
        Diagnostic("levels", "levels.x", "")


def test_from_notes_lifts_strings_pairs_and_keeps_diagnostics() -> None:
    kept = Diagnostic("levels", "levels.daily.none", "daily: none")
    out = from_notes("metrics", ["plain", ("VRI 2.0", "no vomma"), kept])
    assert [d.code for d in out] == ["metrics.note", "metrics.vri_2_0", "levels.daily.none"]
    assert [d.stage for d in out] == ["metrics", "metrics", "levels"]
    assert [d.message for d in out] == ["plain", "no vomma", "daily: none"]
    assert from_notes("x", [("2nd", "n")])[0].code == "x.x2nd"
