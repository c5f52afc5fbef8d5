"""Hand-built ``Working`` arrays for the adaptive formula tests (every column explicit)."""

from __future__ import annotations

import numpy as np
import polars as pl

from eots.adaptive.inputs import Working
from eots.metrics.arrays import ContractArrays, Masked, Scope


def column(values: list[float | None]) -> Masked:
    """Return a masked column (None: null)."""
    null = np.array([v is None for v in values], dtype=np.bool_)
    return Masked(np.array([np.nan if v is None else v for v in values], dtype=np.float64), null)


def working(
    exposures: dict[str, list[float | None]],
    flows: dict[str, list[float | None]] | None = None,
    reused: dict[str, list[float | None]] | None = None,
    raw: dict[str, list[float | None]] | None = None,
) -> Working:
    """Return working arrays with these exposures, flows, reused base columns and raw columns.

    Every row is in scope, one normalisation group.
    """
    n = len(next(iter(exposures.values())))
    arrays = ContractArrays(
        working={k: column(v) for k, v in exposures.items()},
        flows={k: column(v) for k, v in (flows or {}).items()},
        raw={k: column(v) for k, v in (raw or {}).items()},
        is_put=np.zeros(n, dtype=np.bool_),
        is_call=np.ones(n, dtype=np.bool_),
        inside=np.ones(n, dtype=np.bool_),
        scope=Scope(None, 1),
        rows=n,
    )
    return Working(
        frame=pl.DataFrame({"row": list(range(n))}),
        arrays=arrays,
        reused={k: column(v) for k, v in (reused or {}).items()},
        dte=np.zeros(n, dtype=np.intp),
    )


def columns(values: dict[str, list[float | None]]) -> dict[str, Masked]:
    """Return named masked columns."""
    return {k: column(v) for k, v in values.items()}
