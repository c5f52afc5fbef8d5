"""Failed IV solves: source IV fallback and zero-time-value limit (in DEX, not in profiles)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from builders import Row, et, tiny_chain
from eots.greeks.frame import ZERO_TIME_VALUE_IV
from eots.pipeline import analyze

EXPIRY = dt.date(2024, 3, 15)
AS_OF = et(2024, 3, 13, 14, 0)
SPOT = 5000.0
ROWS = [
    Row("SPXW", EXPIRY, 5000.0, "C", bid=29.5, ask=30.5, open_interest=10),
    Row("SPXW", EXPIRY, 5000.0, "P", bid=27.5, ask=28.5, open_interest=10),
    # deep ITM, mids below intrinsic: no solvable IV
    Row("SPXW", EXPIRY, 4000.0, "C", bid=990.0, ask=1000.0, open_interest=700),
    Row("SPXW", EXPIRY, 3900.0, "C", bid=1090.0, ask=1100.0, open_interest=300, iv=0.55),
]


def test_failed_solves_get_source_fallback_or_intrinsic_limit() -> None:
    a = analyze(tiny_chain(ROWS, spot=SPOT, as_of=AS_OF))
    c = a.contracts.sort("strike")
    origin = dict(zip(c["strike"], c["iv_origin"].cast(str), strict=True))
    assert origin[3900.0] == "source_fallback"
    assert origin[4000.0] == "intrinsic_limit"
    limit = c.filter(c["strike"] == 4000.0).row(0, named=True)
    assert limit["iv"] == ZERO_TIME_VALUE_IV
    t = limit["t_years"]
    assert limit["delta"] == pytest.approx(math.exp(-limit["carry_q"] * t), rel=1e-9)
    assert limit["gamma"] == pytest.approx(0.0, abs=1e-12)
    fallback = c.filter(c["strike"] == 3900.0).row(0, named=True)
    assert fallback["iv"] == 0.55
    assert a.totals.contracts_without_iv == 0
    # both count in DEX: dealer long calls, delta ~1 each
    assert a.totals.net_dex > 0.95 * (700 + 300) * 100 * SPOT


def test_zero_time_value_contracts_do_not_spike_the_gamma_profile() -> None:
    a = analyze(tiny_chain(ROWS, spot=SPOT, as_of=AS_OF))
    assert a.profile.n_contracts == 3  # the intrinsic-limit contract is left out
