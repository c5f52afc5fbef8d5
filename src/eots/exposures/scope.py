"""Expiry scope: which expiries an aggregate covers.

All, 0DTE only, ex-0DTE, up to N days, or the next session's 0DTE.

Days to expiry are calendar days from the snapshot's session date (US/Eastern) to the expiry date;
0DTE means the contract expires on the snapshot's session date. A file downloaded after the close,
over a weekend or before the open holds the *previous* session's quotes (``core.time.quote_time``),
so its own 0DTE has already settled: ``next0dte`` selects the expiry of the next session instead
(a pre-market download's "today", an evening download's "tomorrow").

When a scope selects no live contract, ``empty_scope_message`` says so, naming the quote time and
the next live expiry (and the scope that reaches it), so the caller can refuse with a clear message
instead of computing over nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from eots.core.errors import ConfigError, EmptyChainError
from eots.core.time import ET, nyse_calendar


class ScopeKind(StrEnum):
    """The kinds of expiry scope."""

    ALL = "all"
    ZERO_DTE = "0dte"
    NEXT_ZERO_DTE = "next0dte"
    EX_ZERO_DTE = "ex0dte"
    UP_TO_DAYS = "<=N"


def next_session(session: dt.date) -> dt.date:
    """Return the NYSE session after ``session`` (the next 0DTE date).

    Examples
    --------
    >>> next_session(dt.date(2025, 5, 9)).isoformat()  # a Friday
    '2025-05-12'
    """
    return nyse_calendar().next_session(session)


@dataclass(frozen=True, slots=True)
class ExpiryScope:
    """An expiry filter; build it with :meth:`parse`."""

    kind: ScopeKind
    max_days: int | None = None

    @classmethod
    def parse(cls, spec: str) -> ExpiryScope:
        """Parse ``all``, ``0dte``, ``next0dte``, ``ex0dte`` or ``<=N`` (N calendar days).

        Examples
        --------
        >>> ExpiryScope.parse("<=7").label
        '<=7d'
        >>> ExpiryScope.parse("0DTE").kind.value
        '0dte'
        >>> ExpiryScope.parse("next0dte").label
        'next0dte'
        """
        text = spec.strip().lower()
        for kind in (
            ScopeKind.ALL,
            ScopeKind.ZERO_DTE,
            ScopeKind.NEXT_ZERO_DTE,
            ScopeKind.EX_ZERO_DTE,
        ):
            if text == kind.value:
                return cls(kind)
        match = re.fullmatch(r"<=\s*(\d+)d?", text)
        if match:
            return cls(ScopeKind.UP_TO_DAYS, int(match.group(1)))
        raise ConfigError(f"expected an expiry scope all|0dte|next0dte|ex0dte|<=N, was {spec!r}")

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
        if self.kind is ScopeKind.NEXT_ZERO_DTE:
            return pl.col("expiry") == pl.lit(next_session(session))
        if self.kind is ScopeKind.EX_ZERO_DTE:
            return days > 0
        return days <= (self.max_days or 0)

    def empty_scope_message(
        self, expiries: Sequence[dt.date], session: dt.date, as_of: dt.datetime
    ) -> str | None:
        """Return why the scope selects no live expiry (None when it selects some).

        Parameters
        ----------
        expiries
            The live expiries of the snapshot (settled ones already dropped).
        session
            The session the quotes belong to.
        as_of
            The quote time (named in the message).
        """
        if not expiries:
            return f"no live expiry at the quote time {_et(as_of)}"
        if self.kind is ScopeKind.ALL:
            return None
        selected = pl.DataFrame({"expiry": list(expiries)}, schema={"expiry": pl.Date}).filter(
            self.mask(session)
        )
        if selected.height:
            return None
        nxt = min(expiries)
        following = next_session(session)
        if self.kind in (ScopeKind.ZERO_DTE, ScopeKind.UP_TO_DAYS):
            zero = self.kind is ScopeKind.ZERO_DTE or self.max_days == 0
            what = "no 0DTE expiry" if zero else f"no expiry {self.label}"
            hint = (
                f"; for the next session's 0DTE ({following}) use --expiries next0dte"
                if nxt == following
                else f"; the next session {following} lists no expiry"
            )
            return (
                f"{what} is live at the quote time {_et(as_of)} (session {session}: its 0DTE "
                f"contracts have settled); the next expiry is {nxt}{hint}"
            )
        if self.kind is ScopeKind.NEXT_ZERO_DTE:
            return (
                f"no expiry on the next session {following} after the quote time {_et(as_of)}; "
                f"the next expiry is {nxt}"
            )
        return f"the expiry scope {self.label} selects none of the expiries {min(expiries)}.."


def require_live_scope(
    scope: ExpiryScope,
    expiries: Sequence[dt.date],
    session: dt.date,
    as_of: dt.datetime,
    *,
    source: str,
) -> None:
    """Raise ``EmptyChainError`` (``empty_scope_message``) when ``scope`` selects no expiry."""
    message = scope.empty_scope_message(expiries, session, as_of)
    if message is not None:
        raise EmptyChainError(message, source=source, field="expiries")


def _et(ts: dt.datetime) -> str:
    return ts.astimezone(ET).strftime("%Y-%m-%d %H:%M %Z")
