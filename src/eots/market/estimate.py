"""How much history a context value was built from: ``Estimate`` and ``Coverage``.

Every history-derived field of the market context says how many observations it used
(``n_obs``), how many its definition asks for (``required``), whether that is enough
(``sufficient``), where the data came from (``source``) and, when it fell back, why (``note``).
Thin history never gives a silent default: the value is then the documented neutral value of the
field (a ratio of 1, a rank of 0.5, an implied-volatility proxy for ATR ...) and
``sufficient`` is False.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """How much history a frame-valued field holds.

    Attributes
    ----------
    n_obs
        Observations used (snapshots, sessions or bars, as the field says).
    required
        Observations its definition asks for.
    sufficient
        True when the field is built as defined (``n_obs >= required`` and no fallback).
    source
        Where the data came from, e.g. ``bars_1d``, ``snapshot_spots_proxy``, ``eod_snapshots``.
    note
        Why the field is insufficient or which fallback was taken ("" when none).
    """

    n_obs: int
    required: int
    sufficient: bool
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """A scalar built from history, with the same provenance fields as ``Coverage``.

    ``value`` is always usable by a consumer: when history is thin it is the field's neutral value
    (documented on the field) and ``sufficient`` is False. It is NaN only when not even a neutral
    value exists (e.g. ATR with neither bars nor an implied volatility); ``source`` is then
    ``"none"``.

    Examples
    --------
    >>> e = Estimate.neutral(1.0, required=20, note="no IV history")
    >>> e.value, e.sufficient, e.source
    (1.0, False, 'neutral')
    """

    value: float
    n_obs: int
    required: int
    sufficient: bool
    source: str
    note: str = ""

    @classmethod
    def neutral(cls, value: float, *, required: int, note: str, n_obs: int = 0) -> Estimate:
        """Return the neutral ``value`` flagged as insufficient (``source="neutral"``)."""
        return cls(
            value=value,
            n_obs=n_obs,
            required=required,
            sufficient=False,
            source="neutral",
            note=note,
        )

    @property
    def known(self) -> bool:
        """True when ``value`` is a finite number (neutral or measured)."""
        return math.isfinite(self.value)

    @property
    def coverage(self) -> Coverage:
        """The provenance without the value."""
        return Coverage(
            n_obs=self.n_obs,
            required=self.required,
            sufficient=self.sufficient,
            source=self.source,
            note=self.note,
        )


def ratio_estimate(current: Estimate, average: Estimate, *, what: str) -> Estimate:
    """Return ``current / average``, neutral 1.0 (flagged) unless both are sufficient and > 0.

    This is the input of the volatility-regime factors (IV over its longer average, ATR over its
    average): a ratio above 1 means the current level is above its recent norm.

    Examples
    --------
    >>> a = Estimate(value=30.0, n_obs=14, required=14, sufficient=True, source="bars_1d")
    >>> b = Estimate(value=20.0, n_obs=20, required=20, sufficient=True, source="bars_1d")
    >>> ratio_estimate(a, b, what="ATR").value
    1.5
    >>> thin = Estimate.neutral(30.0, required=20, note="3 ATR values")
    >>> r = ratio_estimate(a, thin, what="ATR")
    >>> r.value, r.sufficient
    (1.0, False)
    """
    n_obs = min(current.n_obs, average.n_obs)
    required = max(current.required, average.required)
    ok = (
        current.sufficient
        and average.sufficient
        and current.known
        and average.known
        and current.value > 0
        and average.value > 0
    )
    if not ok:
        reasons = [f"{name}: {e.note}" for name, e in (("current", current), ("average", average))]
        reasons = [r for r, e in zip(reasons, (current, average), strict=True) if not e.sufficient]
        note = f"{what} ratio neutral (1.0): " + ("; ".join(reasons) or "non-positive level")
        return Estimate.neutral(1.0, required=required, note=note, n_obs=n_obs)
    return Estimate(
        value=current.value / average.value,
        n_obs=n_obs,
        required=required,
        sufficient=True,
        source=f"{current.source}/{average.source}",
    )


__all__ = ["Coverage", "Estimate", "ratio_estimate"]
