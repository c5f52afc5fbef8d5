"""Array kernels under the metric stages: masked float columns with polars' null/NaN semantics.

The per-contract and per-strike metrics are computed on NumPy arrays (one pass over ~20k
contracts, no per-expression overhead) rather than as polars expressions. A column is a
``Masked``: float values ``v`` and a boolean ``null`` mask; ``v`` is NaN wherever ``null`` is set,
so plain arithmetic propagates both. The two kinds of missing stay apart because they behave
differently downstream, exactly as in polars:

* null ("unknown": out of scope, NaN input, undefined ratio) is skipped by maxima, sums and
  ``mean_horizontal``, and a component null on every row is dropped from MSPI;
* NaN (a computed not-a-number, e.g. a proximity without ATR) is also skipped by maxima but
  propagates through sums and means, and compares as the largest float (``NaN > 0`` is true,
  ``NaN < 0`` false, ``NaN != 0`` true), as polars compares it.

``Scope`` holds the normalisation groups (one group, or one per expiry) for the broadcast
aggregates: ``normalised`` (``n(x) = x / max|x|`` with the optional percentile clip), maxima and
sums. This is the one calculation dialect of the per-contract and per-strike math: the base
metrics (``eots.metrics``) and the adaptive metrics (``eots.adaptive``) both run on these kernels,
over the ``ContractArrays`` that ``base_metrics`` pulls from the frame once (the bridge between the
polars frames at the stage boundaries and the NumPy kernels inside them).

``max|x| < EPS`` normalises to 0 (the original's MIN_NORMALIZATION_DENOMINATOR); a ratio is
undefined (null) only where its denominator is exactly 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]

#: Denominators below this count as zero in ``normalised`` (MIN_NORMALIZATION_DENOMINATOR).
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Masked:
    """A float column: values ``v`` (NaN where null) and the ``null`` mask."""

    v: Floats
    null: Bools

    def __add__(self, other: Masked | float) -> Masked:
        """Elementwise sum; null if either side is."""
        if isinstance(other, Masked):
            return Masked(self.v + other.v, self.null | other.null)
        return Masked(self.v + other, self.null)

    __radd__ = __add__

    def __sub__(self, other: Masked | float) -> Masked:
        """Elementwise difference; null if either side is."""
        if isinstance(other, Masked):
            return Masked(self.v - other.v, self.null | other.null)
        return Masked(self.v - other, self.null)

    def __rsub__(self, other: float) -> Masked:
        """``other - self``."""
        return Masked(other - self.v, self.null)

    def __mul__(self, other: Masked | float) -> Masked:
        """Elementwise product; null if either side is."""
        if isinstance(other, Masked):
            return Masked(self.v * other.v, self.null | other.null)
        return Masked(self.v * other, self.null)

    __rmul__ = __mul__

    def __truediv__(self, other: Masked | float) -> Masked:
        """Elementwise quotient (IEEE: x/0 is inf or NaN); null if either side is."""
        with np.errstate(divide="ignore", invalid="ignore"):
            if isinstance(other, Masked):
                return Masked(self.v / other.v, self.null | other.null)
            return Masked(self.v / other, self.null)

    def __rtruediv__(self, other: float) -> Masked:
        """``other / self`` (IEEE)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return Masked(other / self.v, self.null)

    def __abs__(self) -> Masked:
        """Absolute value."""
        return Masked(np.abs(self.v), self.null)

    def sign(self) -> Masked:
        """``sign`` (NaN stays NaN)."""
        return Masked(np.sign(self.v), self.null)

    def exp(self) -> Masked:
        """``exp``."""
        return Masked(np.exp(self.v), self.null)

    def clip(self, lower: float | None = None, upper: float | None = None) -> Masked:
        """Clip to [lower, upper] (NaN stays NaN)."""
        v = self.v
        if lower is not None:
            v = np.where(v < lower, lower, v)
        if upper is not None:
            v = np.where(v > upper, upper, v)
        return Masked(v, self.null)

    def series(self, name: str) -> pl.Series:
        """Return the values as a Float64 Series with nulls as NaN (the output convention)."""
        return pl.Series(name, self.v)

    def all_null(self) -> bool:
        """Return True when every row is null (also for no rows)."""
        return bool(self.null.all())


def masked(values: Floats, null: Bools) -> Masked:
    """Return ``Masked(values, null)`` with the values set to NaN where null."""
    if null.any():
        values = np.where(null, np.nan, values)
    return Masked(values, null)


def nullable_series(
    name: str, values: np.ndarray, null: Bools, dtype: pl.DataType | None = None
) -> pl.Series:
    """Return ``values`` as a Series (Float64 unless ``dtype``) with real nulls where ``null``.

    Examples
    --------
    >>> nullable_series("x", np.array([1.0, 2.0]), np.array([False, True])).to_list()
    [1.0, None]
    """
    series = pl.Series(name, values, dtype=dtype or pl.Float64())
    if not null.any():
        return series
    # a select by mask (a third of a scatter's time at 20k rows with most rows null)
    return series.zip_with(pl.Series(~null), pl.Series(name, [None], dtype=series.dtype))


def constant(value: float | None, n: int) -> Masked:
    """Return a column of ``value`` on every row (None: all null)."""
    if value is None:
        return Masked(np.full(n, np.nan), np.ones(n, dtype=np.bool_))
    return Masked(np.full(n, value, dtype=np.float64), np.zeros(n, dtype=np.bool_))


def from_series(series: pl.Series) -> Masked:
    """Return a Series cast to Float64 as it is (NaN stays NaN, null stays null)."""
    values = series.cast(pl.Float64).to_numpy()
    if series.null_count():
        return Masked(values, series.is_null().to_numpy())
    return Masked(values, np.zeros(len(values), dtype=np.bool_))


def physical(series: pl.Series) -> np.ndarray:
    """Return ``series.to_physical().to_numpy()``, without its query for a date or a number."""
    dtype = series.dtype
    if dtype == pl.Date:
        return series.cast(pl.Int32).to_numpy()  # days since the epoch
    if dtype.is_integer() or dtype.is_float():
        return series.to_numpy()
    return series.to_physical().to_numpy()


def working(series: pl.Series, inside: Bools) -> Masked:
    """Return the working copy of an input: Float64, NaN -> null, rows outside the scope null."""
    values = series.cast(pl.Float64).to_numpy()
    null = np.isnan(values) | ~inside
    return Masked(np.where(null, np.nan, values), null)


def from_nan_series(series: pl.Series) -> Masked:
    """Return a Series cast to Float64 with NaN read as null (``fill_nan(None)``)."""
    values = series.cast(pl.Float64).to_numpy()
    null = np.isnan(values)
    return Masked(values, null)


def fill_null(x: Masked, value: float) -> Masked:
    """Return ``x`` with null rows set to ``value`` (NaN that is not null stays NaN)."""
    if not x.null.any():
        return x
    return Masked(np.where(x.null, value, x.v), np.zeros(len(x.v), dtype=np.bool_))


def gt(x: Masked, value: float) -> Bools:
    """``x > value`` as polars compares (NaN is the largest float); null rows False."""
    return ((x.v > value) | np.isnan(x.v)) & ~x.null


def ge(x: Masked, value: float) -> Bools:
    """``x >= value`` as polars compares (NaN is the largest float); null rows False."""
    return ((x.v >= value) | np.isnan(x.v)) & ~x.null


def select(condition: Bools, then: Masked, otherwise: Masked) -> Masked:
    """``when(condition).then(then).otherwise(otherwise)`` (a null condition is False)."""
    null = np.where(condition, then.null, otherwise.null)
    return Masked(np.where(condition, then.v, otherwise.v), null)


def safe_ratio(numerator: Masked, denominator: Masked) -> Masked:
    """Return ``numerator / denominator``, null where the denominator is exactly 0 (undefined).

    Only an exact zero is undefined: a ratio of two small numbers is well defined, and an
    absolute cut-off would make ratios depend on the size of the chain.
    """
    null = numerator.null | denominator.null | (denominator.v == 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return masked(numerator.v / denominator.v, null)


def sum_horizontal(columns: Sequence[Masked]) -> Masked:
    """Row sums, null if any term is (``pl.sum_horizontal(..., ignore_nulls=False)``)."""
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def mean_horizontal(columns: Sequence[Masked]) -> Masked:
    """Row means over the non-null terms, null if all are (``pl.mean_horizontal``)."""
    total = np.zeros(len(columns[0].v))
    count = np.zeros(len(columns[0].v))
    for column in columns:
        total += np.where(column.null, 0.0, column.v)
        count += ~column.null
    none = count == 0
    with np.errstate(invalid="ignore"):
        return masked(total / np.where(none, 1.0, count), none)


class Scope:
    """Normalisation groups of the rows: one group, or one per code (e.g. per expiry)."""

    def __init__(self, codes: Ints | None, groups: int) -> None:
        """``codes``: group of each row (None: a single group); ``groups``: their number."""
        self.codes = codes
        self.groups = groups

    def max_abs(self, x: Masked) -> tuple[Floats, Bools]:
        """Max |x| over each group (nulls and NaNs skipped) and where it is undefined (no value).

        Broadcast to the rows; with a single group both are 0-d arrays (NumPy broadcasts them).
        """
        a = np.abs(x.v)  # NaN where null
        if self.codes is None:
            if x.null.all():
                return np.array(np.nan), np.array(True)
            return np.array(np.fmax.reduce(a)), np.array(False)
        valid = ~x.null
        peak_g = np.full(self.groups, -np.inf)
        np.fmax.at(peak_g, self.codes[valid], a[valid])
        counts = np.bincount(self.codes[valid], minlength=self.groups)
        none_g = counts == 0
        peak_g = np.where(none_g | (peak_g == -np.inf), np.nan, peak_g)
        return peak_g[self.codes], none_g[self.codes]

    def total(self, values: Floats) -> Floats:
        """Broadcast sum of ``values`` over each group (nulls already replaced by 0)."""
        if self.codes is None:
            return np.full(len(values), values.sum())
        sums = np.bincount(self.codes, weights=values, minlength=self.groups)
        return sums.astype(np.float64, copy=False)[self.codes]

    def clip_cap(self, x: Masked, percentile: float) -> Floats:
        """Broadcast linear ``percentile`` of |x| over each group's non-null rows (NaN last)."""
        a = np.abs(x.v)
        valid = ~x.null
        codes = self.codes if self.codes is not None else np.zeros(len(a), dtype=np.intp)
        groups = self.groups if self.codes is not None else 1
        caps = np.full(groups, np.nan)
        q = percentile / 100.0
        for g in np.unique(codes[valid]):
            values = np.sort(a[valid & (codes == g)])
            index = (len(values) - 1) * q
            lo = int(np.floor(index))
            hi = int(np.ceil(index))
            caps[g] = (
                values[lo] if lo == hi else values[lo] + (values[hi] - values[lo]) * (index - lo)
            )
        return caps[codes]


def normalised(x: Masked, scope: Scope, clip_percentile: float = 100.0) -> Masked:
    """Return ``n(x) = x / max|x|`` over each group of the scope (base_system.md 2.1).

    Out-of-scope rows are null already, so they never enter a maximum. ``max|x| < EPS`` gives 0
    for every non-missing row; a missing x stays missing (conventions.md section 6). With
    ``clip_percentile`` < 100, |x| is first clipped at that percentile of |x| over the group.
    """
    if clip_percentile < 100.0:
        cap = scope.clip_cap(x, clip_percentile)
        x = Masked(np.clip(x.v, -cap, cap), x.null)
    peak, undefined = scope.max_abs(x)
    use = ((peak >= EPS) | np.isnan(peak)) & ~undefined
    with np.errstate(divide="ignore", invalid="ignore"):
        if use.ndim == 0:
            return Masked(x.v / peak if use else x.v * 0.0, x.null)
        return Masked(np.where(use, x.v / peak, x.v * 0.0), x.null)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractArrays:
    """What the per-contract kernels read, pulled from the frame once.

    ``working`` maps an input column name to its working copy (``working``); ``flows`` a greek to
    its net flow (null out of scope); ``raw`` holds ``strike``, ``delta`` and ``t_years`` as they
    are; ``is_put`` and ``is_call`` mark puts and calls; ``inside`` the rows in the normalisation
    scope; ``scope`` the normalisation groups.
    """

    working: dict[str, Masked]
    flows: dict[str, Masked]
    raw: dict[str, Masked]
    is_put: Bools
    is_call: Bools
    inside: Bools
    scope: Scope
    rows: int
