"""What each adaptive factor did: ``FactorReport`` and the value/report pairs the helpers return.

Every factor of A-DAG, E-SDAG, D-TDPI and VRI 2.0 produces one ``FactorReport``: whether it was
switched on (``active``), its scalar value (None for factors that vary per contract; their values
are columns), whether it is at its neutral value for lack of history (``neutral``), and why. A
factor that needs history and has none is neutral *and* says so; a factor computed from the
current snapshot alone (volume weighting, DTE scaling, smile, vomma, time profile, clustering) is
never neutral for lack of history.
"""

from __future__ import annotations

from dataclasses import dataclass

from eots.metrics.arrays import Masked


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorReport:
    """One factor of one adaptive metric.

    Attributes
    ----------
    metric
        ``a_dag``, ``e_sdag``, ``d_tdpi`` or ``vri_2_0``.
    factor
        The factor's name (its column is ``<metric>_<factor>`` where it has one).
    active
        False when the factor or its metric is switched off (then it is at its neutral value).
    value
        Its scalar value; None when it varies per contract (see the column).
    neutral
        True when it sits at its neutral value because history is missing or thin.
    reason
        How it was computed, or why it is neutral / inactive.
    """

    metric: str
    factor: str
    active: bool
    value: float | None
    neutral: bool
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScalarFactor:
    """A snapshot-wide factor value with its report."""

    value: float
    report: FactorReport


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnFactor:
    """A per-contract factor (a column over the working arrays) with its report."""

    value: Masked
    report: FactorReport


def switched_off(metric: str, factor: str, neutral_value: float | None = 1.0) -> FactorReport:
    """Return the report of a factor switched off by configuration."""
    return FactorReport(
        metric=metric,
        factor=factor,
        active=False,
        value=neutral_value,
        neutral=False,
        reason="switched off by configuration: neutral value",
    )


def per_contract(metric: str, factor: str, formula: str, *, active: bool) -> FactorReport:
    """Return the report of a factor that varies by contract (no single value), or its off one."""
    if not active:
        return switched_off(metric, factor)
    return FactorReport(
        metric=metric,
        factor=factor,
        active=True,
        value=None,
        neutral=False,
        reason=f"{formula} (per contract)",
    )


def thin(metric: str, factor: str, value: float | None, why: str) -> FactorReport:
    """Return the report of a factor left neutral for lack of history."""
    return FactorReport(
        metric=metric, factor=factor, active=True, value=value, neutral=True, reason=why
    )


def measured(metric: str, factor: str, value: float | None, how: str) -> FactorReport:
    """Return the report of a factor computed as defined."""
    return FactorReport(
        metric=metric, factor=factor, active=True, value=value, neutral=False, reason=how
    )


__all__ = ["ColumnFactor", "FactorReport", "ScalarFactor", "measured", "switched_off", "thin"]
