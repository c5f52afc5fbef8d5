"""Declared schemas at the priced -> exposures -> metrics boundaries, and their error paths."""

from __future__ import annotations

import polars as pl
import pytest

from eots.core.errors import StageInputError
from eots.exposures import EXPOSURE_SCHEMA, ExposureParams, contract_exposures
from eots.exposures.contract import PRICED_INPUTS
from eots.greeks.frame import PRICED_SCHEMA
from eots.metrics.frame import METRIC_SCHEMA, REQUIRED_INPUTS


def _priced() -> pl.DataFrame:
    row: dict[str, list[object]] = {c: [1.0] for c in PRICED_INPUTS}
    row["right"] = ["C"]
    row["open_interest"] = [10]
    row["volume"] = [3]
    return pl.DataFrame(row)


def test_what_each_stage_reads_is_declared_by_its_producer() -> None:
    assert set(PRICED_INPUTS) <= set(PRICED_SCHEMA)
    assert set(REQUIRED_INPUTS) <= set(EXPOSURE_SCHEMA)
    assert not set(METRIC_SCHEMA) & set(EXPOSURE_SCHEMA)


def test_exposures_of_a_priced_frame_follow_the_declared_columns() -> None:
    out = contract_exposures(_priced(), 100.0, ExposureParams())
    added = [c for c in out.columns if c not in PRICED_INPUTS]
    assert added == [c for c in EXPOSURE_SCHEMA if c not in PRICED_SCHEMA]
    assert out.get_column("gxoi").to_list() == [10.0]  # gamma 1 x OI 10 x multiplier 1


@pytest.mark.parametrize("column", PRICED_INPUTS)
def test_a_priced_frame_without_an_input_is_an_error_naming_stage_and_column(column: str) -> None:
    with pytest.raises(StageInputError, match=rf"stage 'exposures'.*priced frame.*'{column}'"):
        contract_exposures(_priced().drop(column), 100.0, ExposureParams())
