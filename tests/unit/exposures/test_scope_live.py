"""Issue 10: a 0DTE scope on an after-close file says why it is empty, and what to use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eots.core.errors import EmptyChainError
from eots.core.time import ET
from eots.exposures import ExpiryScope, require_live_scope
from eots.exposures.scope import next_session
from eots.pipeline import AnalysisParams, analyze
from eots.synthetic import SyntheticParams, synthetic_chain, synthetic_session

CLOSE = dt.datetime(2025, 5, 7, 16, 0, tzinfo=ET)
EXPIRIES = (dt.date(2025, 5, 8), dt.date(2025, 5, 9), dt.date(2025, 5, 16))


@pytest.mark.parametrize("spec", ["0dte", "<=0"])
def test_zero_dte_after_close_names_the_next_expiry_and_scope(spec: str) -> None:
    message = ExpiryScope.parse(spec).empty_scope_message(EXPIRIES, CLOSE.date(), CLOSE)
    assert message is not None
    assert "no 0DTE expiry is live at the quote time 2025-05-07 16:00" in message
    assert "the next expiry is 2025-05-08" in message
    assert "next0dte" in message


def test_next_zero_dte_selects_the_next_sessions_expiry() -> None:
    scope = ExpiryScope.parse("next0dte")
    assert scope.empty_scope_message(EXPIRIES, CLOSE.date(), CLOSE) is None
    assert next_session(dt.date(2025, 5, 9)) == dt.date(2025, 5, 12)
    assert next_session(dt.date(2025, 8, 29)) == dt.date(2025, 9, 2)  # Labor Day
    # A Friday-evening download's next 0DTE is Monday's, not Saturday's.
    fri = dt.date(2025, 5, 9)
    message = scope.empty_scope_message((dt.date(2025, 5, 16),), fri, CLOSE)
    assert message is not None
    assert "2025-05-12" in message


def test_other_scopes_with_live_expiries_pass() -> None:
    for spec in ("all", "ex0dte", "<=1", "<=7"):
        require_live_scope(ExpiryScope.parse(spec), EXPIRIES, CLOSE.date(), CLOSE, source="x")
    with pytest.raises(EmptyChainError, match="no 0DTE expiry"):
        require_live_scope(ExpiryScope.parse("<=0"), EXPIRIES, CLOSE.date(), CLOSE, source="x")


def test_analyze_refuses_empty_zero_dte_scope_with_the_next_one() -> None:
    params = SyntheticParams(underlying="SPY", spot=560.0, daily_sessions=3, weekly_weeks=1)
    snap = synthetic_chain(params, as_of=CLOSE)
    zero = AnalysisParams.model_validate({"exposures": {"expiries": "0dte"}})
    with pytest.raises(EmptyChainError, match="next expiry is 2025-05-08"):
        analyze(snap, zero)
    nxt = analyze(snap, AnalysisParams.model_validate({"exposures": {"expiries": "next0dte"}}))
    assert nxt.totals.contracts_in_scope > 0
    expiries = nxt.contracts.filter(nxt.scope.mask(nxt.session)).get_column("expiry").unique()
    assert expiries.to_list() == [dt.date(2025, 5, 8)]


def test_synthetic_everything_settled_is_a_clear_error() -> None:
    params = SyntheticParams(
        underlying="SPY",
        spot=500.0,
        daily_sessions=1,
        weekly_weeks=0,
        monthly_months=1,
        quarterly_years=0,
        leaps_years=0,
    )
    with pytest.raises(EmptyChainError, match="every listed contract has settled"):
        synthetic_chain(params, as_of=dt.datetime(2024, 2, 16, 16, 0, tzinfo=ET))
    with pytest.raises(EmptyChainError, match="every listed contract has settled"):
        synthetic_session(params, session=dt.date(2024, 2, 16), every=dt.timedelta(minutes=30))


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("case", "next_expiry"),
    [
        ("spx_20230405_post", "2023-04-06"),
        ("spy_20250508_pre", "2025-05-08"),
        ("spy_20250829_hol", "2025-09-02"),
    ],
)
def test_real_after_hours_files_zero_dte(real_data: Path, case: str, next_expiry: str) -> None:
    from eots.sources import load_chain

    snap = load_chain(next((real_data / case).iterdir()))
    for spec in ("0dte", "<=0"):
        params = AnalysisParams.model_validate({"exposures": {"expiries": spec}})
        with pytest.raises(EmptyChainError, match=f"next expiry is {next_expiry}.*next0dte"):
            analyze(snap, params)
    a = analyze(snap, AnalysisParams.model_validate({"exposures": {"expiries": "next0dte"}}))
    assert a.totals.contracts_in_scope > 0
    in_scope = a.contracts.filter(a.scope.mask(a.session)).get_column("expiry").unique()
    assert [d.isoformat() for d in in_scope.to_list()] == [next_expiry]
