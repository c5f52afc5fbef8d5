"""Expiry scope: which expiries an aggregate covers (all, 0DTE only, ex-0DTE, up to N days).

Days to expiry are calendar days from the snapshot's session date (US/Eastern) to the expiry date;
0DTE means the contract expires on the snapshot's session date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from eots.core.errors import ConfigError


class ScopeKind(StrEnum):
    """The kinds of expiry scope."""

    ALL = "all"
    ZERO_DTE = "0dte"
    EX_ZERO_DTE = "ex0dte"
    UP_TO_DAYS = "<=N"


@dataclass(frozen=True, slots=True)
class ExpiryScope:
    """An expiry filter; build it with :meth:`parse`."""

    kind: ScopeKind
    max_days: int | None = None

    @classmethod
    def parse(cls, spec: str) -> ExpiryScope:
        """Parse ``all``, ``0dte``, ``ex0dte`` or ``<=N`` (N calendar days).

        Examples
        --------
        >>> ExpiryScope.parse("<=7").label
        '<=7d'
        >>> ExpiryScope.parse("0DTE").kind.value
        '0dte'
        """
        text = spec.strip().lower()
        for kind in (ScopeKind.ALL, ScopeKind.ZERO_DTE, ScopeKind.EX_ZERO_DTE):
            if text == kind.value:
                return cls(kind)
        match = re.fullmatch(r"<=\s*(\d+)d?", text)
        if match:
            return cls(ScopeKind.UP_TO_DAYS, int(match.group(1)))
        raise ConfigError(f"expected an expiry scope all|0dte|ex0dte|<=N, was {spec!r}")

    @property
    def label(self) -> str:
        """Short human label."""
        if self.kind is ScopeKind.UP_TO_DAYS:
            return f"<={self.max_days}d"
        return self.kind.value

    def mask(self, session: dt.date) -> pl.Expr:
        """Return a boolean expression over ``expiry`` selecting the scope's contracts."""
        days = (pl.col("expiry") - pl.lit(session)).dt.total_days()
        if self.kind is ScopeKind.ALL:
            return pl.lit(value=True)
        if self.kind is ScopeKind.ZERO_DTE:
            return days <= 0
        if self.kind is ScopeKind.EX_ZERO_DTE:
            return days > 0
        return days <= (self.max_days or 0)
