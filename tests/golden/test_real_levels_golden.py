"""Golden levels on real snapshots: regressions in parsing, pricing or levels show up here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden.real_levels import CASES, GOLDEN, summary


@pytest.mark.parametrize("case", CASES)
def test_real_levels_match_golden(real_data: Path, case: str) -> None:
    expected = json.loads(GOLDEN.read_text())[case]
    got = summary(real_data, case)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float | list):
            assert got[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert got[key] == value, key
