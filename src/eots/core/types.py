"""Domain vocabulary shared by every layer: option rights, settlement styles, underlyings.

The underlying registry says, for each known underlying, which option roots belong to it, how each
root settles (AM at the open of expiry day, or PM at the close), whether the options are European
(priced with Black-76 on an implied forward) or American (Black-Scholes-Merton approximation), and
the contract multiplier. Roots that are not in the registry are treated as a single-stock or ETF
underlying of the same name with PM settlement and American exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OptionRight(StrEnum):
    """Call or put."""

    CALL = "C"
    PUT = "P"


class Settlement(StrEnum):
    """When a contract settles on its expiry date (US/Eastern)."""

    AM = "AM"  # opening print (09:30 ET), e.g. root SPX monthlies
    PM = "PM"  # closing time (16:00 ET, or the early close on half days)


class Exercise(StrEnum):
    """Exercise style, which decides the pricing model."""

    EUROPEAN = "european"  # Black-76 on the implied forward
    AMERICAN = "american"  # Black-Scholes-Merton as a European approximation


@dataclass(frozen=True, slots=True, kw_only=True)
class UnderlyingSpec:
    """What eots knows about an underlying and its option roots."""

    symbol: str
    exercise: Exercise
    am_roots: frozenset[str] = frozenset()
    pm_roots: frozenset[str] = frozenset()
    multiplier: float = 100.0
    names: tuple[str, ...] = ()

    @property
    def roots(self) -> frozenset[str]:
        """All option roots of this underlying."""
        return self.am_roots | self.pm_roots

    def settlement(self, root: str) -> Settlement:
        """Return how contracts of ``root`` settle."""
        return Settlement.AM if root in self.am_roots else Settlement.PM


def _index(symbol: str, am: str, pm: tuple[str, ...], names: tuple[str, ...]) -> UnderlyingSpec:
    return UnderlyingSpec(
        symbol=symbol,
        exercise=Exercise.EUROPEAN,
        am_roots=frozenset({am}),
        pm_roots=frozenset(pm),
        names=names,
    )


UNDERLYINGS: dict[str, UnderlyingSpec] = {
    "SPX": _index("SPX", "SPX", ("SPXW", "SPXPM"), ("S&P 500 INDEX", "STANDARD & POORS 500 INDEX")),
    "NDX": _index("NDX", "NDX", ("NDXP", "NDXW"), ("NASDAQ 100 INDEX", "NASDAQ-100", "NASDAQ 100")),
    "RUT": _index("RUT", "RUT", ("RUTW",), ("RUSSELL 2000 INDEX",)),
    "XSP": UnderlyingSpec(
        symbol="XSP",
        exercise=Exercise.EUROPEAN,
        pm_roots=frozenset({"XSP"}),
        names=("MINI-SPX INDEX", "MINI SPX INDEX", "S&P 500 MINI-SPX OPTIONS INDEX"),
    ),
    "SPY": UnderlyingSpec(
        symbol="SPY",
        exercise=Exercise.AMERICAN,
        pm_roots=frozenset({"SPY"}),
        names=("SPDR S&P 500 ETF TRUST",),
    ),
    "QQQ": UnderlyingSpec(
        symbol="QQQ",
        exercise=Exercise.AMERICAN,
        pm_roots=frozenset({"QQQ"}),
        names=("POWERSHARES QQQ TRUST", "INVESCO QQQ TRUST"),
    ),
    "IWM": UnderlyingSpec(symbol="IWM", exercise=Exercise.AMERICAN, pm_roots=frozenset({"IWM"})),
}

_ROOT_TO_UNDERLYING: dict[str, str] = {
    root: spec.symbol for spec in UNDERLYINGS.values() for root in spec.roots
}


def underlying_for_root(root: str) -> UnderlyingSpec:
    """Return the underlying an option root belongs to.

    Unknown roots are taken as an equity/ETF underlying of the same name (PM, American).

    Examples
    --------
    >>> underlying_for_root("SPXW").symbol
    'SPX'
    >>> underlying_for_root("AAPL").exercise.value
    'american'
    """
    symbol = _ROOT_TO_UNDERLYING.get(root)
    if symbol is not None:
        return UNDERLYINGS[symbol]
    return UnderlyingSpec(symbol=root, exercise=Exercise.AMERICAN, pm_roots=frozenset({root}))


def underlying_spec(symbol: str) -> UnderlyingSpec:
    """Return the spec of an underlying symbol (known, or a generic equity)."""
    spec = UNDERLYINGS.get(symbol.upper())
    if spec is not None:
        return spec
    return UnderlyingSpec(
        symbol=symbol.upper(), exercise=Exercise.AMERICAN, pm_roots=frozenset({symbol.upper()})
    )
