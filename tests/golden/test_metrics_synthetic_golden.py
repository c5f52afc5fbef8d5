"""Base metrics of a fixed synthetic chain match the values frozen before the speed work.

Per-strike frames cell by cell, per-contract metric columns by fingerprint (count, sum, sum of
|x|, position-weighted sum), within 1e-9 relative (``metrics_synthetic_cases.close``).
"""

from __future__ import annotations

import polars as pl
import pytest

from golden.metrics_synthetic_cases import CASES, FOLDER, close, outputs


def _mismatches(got: pl.DataFrame, want: pl.DataFrame, key: str) -> list[str]:
    out = []
    for column in want.columns:
        if not want.schema[column].is_float():
            continue
        peak = want.get_column(column).fill_nan(None).abs().max()
        scale = float(peak) if isinstance(peak, int | float) else 0.0
        pairs = zip(got.get_column(column), want.get_column(column), strict=True)
        for row, (g, w) in enumerate(pairs):
            if not close(g, w, scale):
                out.append(f"{column}[{got.get_column(key)[row]}]: got {g!r}, want {w!r}")
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_base_metrics_synthetic_match_frozen_values(case: str) -> None:
    strikes, prints = outputs(case)
    want_strikes = pl.read_csv(FOLDER / f"{case}_strikes.csv", try_parse_dates=True)
    want_prints = pl.read_csv(FOLDER / f"{case}_contracts.csv")
    assert strikes.columns == want_strikes.columns
    assert strikes.height == want_strikes.height
    assert prints.get_column("column").to_list() == want_prints.get_column("column").to_list()
    got = strikes.with_columns(pl.col(pl.Date).cast(pl.String))
    want = want_strikes.with_columns(pl.col(pl.Date).cast(pl.String))
    for key in ("strike", "n_contracts", *(["expiry"] if "expiry" in want.columns else [])):
        assert got.get_column(key).cast(pl.String).to_list() == (
            want.get_column(key).cast(pl.String).to_list()
        ), key
    bad = _mismatches(got, want, "strike") + _mismatches(prints, want_prints, "column")
    assert not bad, "\n".join(bad[:20])
