"""What the adaptive metrics read: the base metrics' arrays, the reused base columns, DTE.

``working_arrays`` takes the frame ``base_metrics`` was computed on and the base output, and
returns a ``Working``:

* ``arrays``: the base metrics' ``ContractArrays`` (the bridge): the normalisation scope
  (``inside``: live contracts with an exposure, 0DTE only or per expiry as
  ``BaseMetricParams.normalisation_scope`` says; ``scope``: its groups), so every ``n(x)`` here runs
  over the same rows as the base metrics'; the working copies of the exposures, volume and IV
  (Float64, NaN -> null, null outside the scope); the net customer flow of each greek, chosen
  exactly as the base metrics chose it (``eots.metrics.flow_inputs``: direct ``*_buy - *_sell``,
  signed, or proxy);
* ``reused``: the base factor columns the adaptive metrics reuse (``tdpi_beta``, ``gamma_coeff``
  ...), NaN -> null so that sums skip them;
* ``dte``: calendar days from the session to the expiration date (0 = expires today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.core.errors import SchemaError, StageInputError
from eots.metrics import BaseMetrics
from eots.metrics.arrays import ContractArrays, Ints, Masked, from_nan_series, from_series

#: Exposure and chain columns read (their working copies, ``Working.w``).
WORKING_INPUTS = (
    "gxoi",
    "dxoi",
    "txoi",
    "vxoi",
    "charmxoi",
    "vannaxoi",
    "vommaxoi",
    "volume",
    "iv",
)
#: Greeks whose net flow is read.
FLOW_GREEKS = ("delta", "gamma", "theta", "charm", "vanna", "vomma", "vega")
#: Base per-contract columns reused as they are.
REUSED_BASE = (
    "tdpi_beta",
    "charm_flow_to_charm_oi_ratio",
    "norm_net_theta_flow",
    "gamma_coeff",
    "vanna_flow_to_vanna_oi_ratio",
    "dxoi_norm_for_sdag",
)
#: Contract identity used by every history join (``eots.flows.FLOW_KEY``).
CONTRACT_KEY = ("root", "expiry", "strike", "right")


@dataclass(frozen=True, slots=True, kw_only=True)
class Working:
    """The arrays every adaptive stage reads, row-aligned with the base metrics' frame.

    Attributes
    ----------
    frame
        The frame the base metrics were computed on (for the keyed history joins).
    arrays
        The base metrics' ``ContractArrays``.
    reused
        The ``REUSED_BASE`` columns, NaN -> null.
    dte
        Calendar days from the session to each contract's expiration date.
    """

    frame: pl.DataFrame
    arrays: ContractArrays
    reused: dict[str, Masked]
    dte: Ints

    @property
    def rows(self) -> int:
        """Number of contracts."""
        return self.arrays.rows

    def w(self, name: str) -> Masked:
        """Return the working copy of input ``name`` (null outside the scope)."""
        return self.arrays.working[name]

    def f(self, greek: str) -> Masked:
        """Return ``greek``'s net flow (null outside the scope)."""
        return self.arrays.flows[greek]

    def keyed(self, keyed: pl.DataFrame, on: list[str], column: str) -> Masked:
        """Return ``column`` of a keyed frame matched to every contract (null: no match).

        A keyed frame listing the frame's contracts in its order (once each: the frame's keys are
        the chain's) is read as it is; any other is joined.
        """
        if keyed.height == self.frame.height and all(
            keyed.get_column(c).equals(self.frame.get_column(c)) for c in on
        ):
            return from_series(keyed.get_column(column))
        matched = self.frame.select(on).join(
            keyed.select(*on, column), on=on, how="left", maintain_order="left"
        )
        return from_series(matched.get_column(column))


def packed_keys(frame: pl.DataFrame, on: list[str]) -> np.ndarray | None:
    """Return each row's keys packed in one int64 (None: not possible, use a join).

    Possible for one or two key columns without nulls, of 32-bit integer physical values: a
    date (days) or integer first, then an ``Enum`` (its code), as the expiry keys are.
    """
    if len(on) not in (1, 2):
        return None
    parts = []
    for name in on:
        series = frame.get_column(name)
        dtype = series.dtype
        if series.null_count() or not (
            dtype == pl.Date or dtype.is_integer() or isinstance(dtype, pl.Enum)
        ):
            return None
        parts.append(series.to_physical().to_numpy())
    if parts[0].dtype.itemsize > 4 or (
        len(parts) > 1 and (parts[1].dtype.kind != "u" or parts[1].dtype.itemsize > 4)
    ):
        return None
    packed = parts[0].astype(np.int64) << 32
    if len(parts) > 1:
        packed |= parts[1].astype(np.int64)
    return packed


def keyed_columns(
    frame: pl.DataFrame, table: pl.DataFrame, on: list[str], columns: list[str]
) -> list[Masked]:
    """Return ``columns`` of ``table`` matched to every row of ``frame`` on ``on`` (null: none).

    The columns of ``frame.select(on).join(table, on=on, how="left")``. Keys of equal dtypes that
    pack in integers (``packed_keys``) in a table with one row per key are matched by binary
    search; any other goes through the join.
    """
    same = all(frame.schema[c] == table.schema[c] for c in on)
    ours = packed_keys(frame, on) if same and table.height else None
    theirs = packed_keys(table, on) if ours is not None else None
    if ours is not None and theirs is not None:
        order = np.argsort(theirs, kind="stable")
        known = theirs[order]
        if not (known[1:] == known[:-1]).any():
            at = np.minimum(np.searchsorted(known, ours), len(known) - 1)
            found, rows = known[at] == ours, order[at]
            out = []
            for c in columns:
                value = from_series(table.get_column(c))
                null = ~found | value.null[rows]
                out.append(Masked(np.where(null, np.nan, value.v[rows]), null))
            return out
    matched = frame.select(on).join(
        table.select(*on, *columns), on=on, how="left", maintain_order="left"
    )
    return [from_series(matched.get_column(c)) for c in columns]


def working_arrays(base: BaseMetrics, contracts: pl.DataFrame, session: dt.date) -> Working:
    """Return the working arrays (module docstring), row-aligned with ``base.contracts``.

    Raises
    ------
    SchemaError
        If ``contracts`` is not the frame the base metrics were computed on (row count).
    StageInputError
        If ``contracts`` lacks a key column or ``base.contracts`` a reused metric column.
    """
    if contracts.height != base.contracts.height:
        raise SchemaError(
            "expected the frame base_metrics was computed on, "
            f"was {contracts.height} rows against {base.contracts.height}"
        )
    StageInputError.require(
        contracts.schema, ("strike", "right", "expiry"), stage="adaptive", frame="exposure"
    )
    StageInputError.require(base.contracts.schema, REUSED_BASE, stage="adaptive", frame="metric")
    reused = {c: from_nan_series(base.contracts.get_column(c)) for c in REUSED_BASE}
    expiry = contracts.get_column("expiry").to_physical().to_numpy()
    epoch_day = (session - dt.date(1970, 1, 1)).days
    dte = (expiry.astype(np.int64) - epoch_day).astype(np.intp)
    return Working(frame=contracts, arrays=base.arrays, reused=reused, dte=dte)


__all__ = [
    "CONTRACT_KEY",
    "FLOW_GREEKS",
    "REUSED_BASE",
    "WORKING_INPUTS",
    "Working",
    "keyed_columns",
    "packed_keys",
    "working_arrays",
]
