"""SAI, signal alignment indicator: do the MSPI components agree? (base_system.md 3.6).

Formulas (``s_k = sgn(n(metric_k))``, ``c_k = w_k n(metric_k)`` over the used MSPI components):

* ``signs_dag_tdpi_vri`` ([ITS241], default): ``(s_D s_T + s_D s_V + s_T s_V) / 3`` over DAG,
  TDPI and VRI; values in {-1, -1/3, 0, 1/3, 1} (0 terms when a sign is 0).
* ``sign_pairs`` ([V24]): mean over pairs i < j of ``sgn(c_i) sgn(c_j)`` (components with w > 0.01).
* ``tanh_pairs`` ([CANON]): mean over pairs of ``tanh(10 c_i c_j)``.

Inputs: the ``<metric>_norm`` columns and the MSPI weights. Output dimensionless in [-1, 1]:
+1 all components agree, -1 they conflict. Per strike it is recomputed from the strike-level
normalised components (not the first contract's value, the original's defect).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from eots.metrics.arrays import Masked, constant, sum_horizontal
from eots.metrics.mspi import MspiWeightChoice, norm_column
from eots.metrics.params import BaseMetricParams, SaiMethod

_MIN_WEIGHT = 0.01


def sai_array(
    choice: MspiWeightChoice, params: BaseMetricParams, norms: dict[str, Masked]
) -> Masked:
    """Return ``sai`` (``norms`` holds the ``<metric>_norm`` columns)."""
    method = params.sai_method
    rows = len(next(iter(norms.values())).v)
    if method is SaiMethod.SIGNS_DAG_TDPI_VRI:
        signs = [norms[norm_column(m)].sign() for m in ("dag_custom", "tdpi", "vri")]
        pairs = [a * b for a, b in combinations(signs, 2)]
    else:
        used = [(m, w) for m, w in choice.weights.items() if w > _MIN_WEIGHT]
        terms = [w * norms[norm_column(m)] for m, w in used]
        if len(terms) < 2:
            return constant(None, rows)
        if method is SaiMethod.SIGN_PAIRS:
            pairs = [a.sign() * b.sign() for a, b in combinations(terms, 2)]
        else:
            k = params.sai_tanh_scale
            pairs = [_tanh(k * a * b) for a, b in combinations(terms, 2)]
    return sum_horizontal(pairs) / len(pairs)


def _tanh(x: Masked) -> Masked:
    return Masked(np.tanh(x.v), x.null)
