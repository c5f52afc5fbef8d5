"""The project's own synthetic option market: the bundled default sample and test fixture factory.

`synthetic_chain` builds one validated `ChainSnapshot` (SPX with SPX/SPXW roots, SPY, ...) from
`SyntheticParams` and a quote time; `synthetic_session` builds a session of them with a random-walk
spot and accumulating volume. Everything is deterministic for a seed.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.synthetic.expiries import ExpiryKind, ListedSeries, listed_expiries
    from eots.synthetic.market import SOURCE_FORMAT, session_day, synthetic_chain, synthetic_session
    from eots.synthetic.params import DEFAULT_SPOTS, SyntheticParams
    from eots.synthetic.strikes import strike_grid, strike_ladder
    from eots.synthetic.surface import atm_vol, implied_vol, total_variance

__all__ = [
    "DEFAULT_SPOTS",
    "SOURCE_FORMAT",
    "ExpiryKind",
    "ListedSeries",
    "SyntheticParams",
    "atm_vol",
    "implied_vol",
    "listed_expiries",
    "session_day",
    "strike_grid",
    "strike_ladder",
    "synthetic_chain",
    "synthetic_session",
    "total_variance",
]

lazy_package(
    __name__,
    {
        "eots.synthetic.expiries": ("ExpiryKind", "ListedSeries", "listed_expiries"),
        "eots.synthetic.market": (
            "SOURCE_FORMAT",
            "session_day",
            "synthetic_chain",
            "synthetic_session",
        ),
        "eots.synthetic.params": ("DEFAULT_SPOTS", "SyntheticParams"),
        "eots.synthetic.strikes": ("strike_grid", "strike_ladder"),
        "eots.synthetic.surface": ("atm_vol", "implied_vol", "total_variance"),
    },
)
