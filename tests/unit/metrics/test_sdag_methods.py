"""The four SDAG methods as one kernel (``sdag_methods``), on hand-made columns."""

from __future__ import annotations

import numpy as np
import pytest

from eots.metrics import BaseMetricParams
from eots.metrics.arrays import Masked, Scope
from eots.metrics.sdag import sdag_methods


def _m(values: list[float]) -> Masked:
    return Masked(np.array(values), np.zeros(len(values), dtype=np.bool_))


def test_volatility_focused_flips_the_delta_term_where_dealer_gamma_is_negative() -> None:
    params = BaseMetricParams()
    f_v = params.sdag.volatility_focused.delta_weight_factor
    f_m = params.sdag.multiplicative.delta_weight_factor
    gamma, dn, d = _m([3.0, -3.0]), _m([0.5, 0.5]), _m([1.0, 1.0])
    out = sdag_methods(gamma, dn, d, Scope(None, 1), params)
    assert out["sdag_volatility_focused"].v.tolist() == pytest.approx(
        [3.0 * (1 + 0.5 * f_v), -3.0 * (1 - 0.5 * f_v)]
    )
    assert out["sdag_multiplicative"].v.tolist() == pytest.approx(
        [3.0 * (1 + 0.5 * f_m), -3.0 * (1 + 0.5 * f_m)]
    )
    # directional: G sgn(G Dn) (1 + |Dn f|)
    f_d = params.sdag.directional.delta_weight_factor
    assert out["sdag_directional"].v.tolist() == pytest.approx(
        [3.0 * (1 + 0.5 * f_d), -3.0 * -1.0 * (1 + 0.5 * f_d)]
    )
