"""Flow/exposure alignment coefficients and flow/exposure ratios (DAG alpha, TDPI beta, VRI gamma).

Alignment (base_system.md 3.1, 3.3, 3.4): ``aligned`` (1.3) when ``sgn(flow) * sgn(exposure) > 0``,
``opposed`` (0.7) when < 0, ``neutral`` (1.0) when either is 0. Dimensionless. A missing flow or
exposure gives a missing coefficient. With the unsigned greek x volume proxies the flow always has
the exposure's sign, so the coefficient is always ``aligned`` (as in the original).

Flow ratio: ``|flow| / |exposure|`` (flow and exposure in the same greek's share units, so the
ratio is dimensionless), 0 when the exposure is 0 (the original; the metric it multiplies is then
0 anyway). Optionally squashed: ``phi(r) = 2 / (1 + exp(-k r)) - 1`` in [0, 1).
"""

from __future__ import annotations

import numpy as np

from eots.metrics.arrays import EPS, Masked, gt, masked
from eots.metrics.params import AlignmentCoefficients, FlowRatioShape


def alignment(flow: Masked, exposure: Masked, coefficients: AlignmentCoefficients) -> Masked:
    """Return the alignment coefficient of ``flow`` against ``exposure``.

    A NaN product counts as > 0 (as polars compares); a null flow or exposure gives null.
    """
    product = flow.sign() * exposure.sign()
    value = np.where(
        gt(product, 0.0) | np.isnan(product.v),
        coefficients.aligned,
        np.where(product.v < 0, coefficients.opposed, coefficients.neutral),
    )
    return masked(value, product.null)


def flow_ratio(
    flow: Masked,
    exposure: Masked,
    shape: FlowRatioShape = FlowRatioShape.RAW,
    steepness: float = 3.0,
) -> Masked:
    """Return ``|flow| / |exposure|`` (0 when the exposure is 0), raw or sigmoid-squashed."""
    size = np.abs(exposure.v)
    use = (size >= EPS) | np.isnan(size)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(use, np.abs(flow.v) / size, flow.v * 0.0)
    raw = masked(value, flow.null | exposure.null)
    if shape is FlowRatioShape.SIGMOID:
        return 2.0 / ((-steepness * raw).exp() + 1.0) - 1.0
    return raw


def sign_nonzero(x: Masked) -> Masked:
    """Return sgn(x) with sgn(0) = +1 (the original's convention; NaN counts as >= 0)."""
    return masked(np.where(x.v < 0, -1.0, 1.0), x.null)
