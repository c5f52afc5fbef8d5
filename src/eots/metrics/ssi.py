"""SSI, structural stability index: how tightly the MSPI components agree (base_system.md 3.7).

Formulas, over the used MSPI components (population std across components, per row):

* ``std`` ([ITS241], default): ``clip(1 - std_k(n(metric_k)), 0, 1)``. With the normalised
  components of the section 11 fix (each in [-1, 1], so std <= 1) this is a real [0, 1] score; the
  original took the std of raw columns and collapsed to ~0.
* ``std_over_half`` ([CANON]): ``1 - min(1, std_k(w_k n(metric_k)) / 0.5)``.

Inputs: the ``<metric>_norm`` columns and the MSPI weights. Output dimensionless in [0, 1]; high =
stable structure that respects levels, low = structure may break. Per strike it is recomputed from
the strike-level normalised components. Fewer than two components: missing.
"""

from __future__ import annotations

import numpy as np

from eots.metrics.arrays import Masked, constant, sum_horizontal
from eots.metrics.mspi import MspiWeightChoice, norm_column
from eots.metrics.params import BaseMetricParams, SsiMethod


def _population_std(values: list[Masked]) -> Masked:
    count = len(values)
    mean = sum_horizontal(values) / count
    squares = []
    for v in values:
        d = v - mean
        squares.append(d * d)
    return _sqrt(sum_horizontal(squares) / count)


def _sqrt(x: Masked) -> Masked:
    with np.errstate(invalid="ignore"):
        return Masked(np.sqrt(x.v), x.null)


def ssi_array(
    choice: MspiWeightChoice, params: BaseMetricParams, norms: dict[str, Masked]
) -> Masked:
    """Return ``ssi`` (``norms`` holds the ``<metric>_norm`` columns)."""
    if len(choice.weights) < 2:
        return constant(None, len(next(iter(norms.values())).v))
    if params.ssi_method is SsiMethod.STD:
        values = [norms[norm_column(m)] for m in choice.weights]
        return (1.0 - _population_std(values)).clip(0.0, 1.0)
    values = [w * norms[norm_column(m)] for m, w in choice.weights.items()]
    return 1.0 - (_population_std(values) / 0.5).clip(upper=1.0)
