"""Market state from frames: volatility, term structure, open interest, flow history, context.

Pure computations (no I/O) over price bars and priced chains: Wilder ATR (``atr``), realised
volatility (``realized_vol``), ATM implied volatility by expiry and at a constant maturity
(``atm_iv_term``, ``constant_maturity_iv``), IV rank and percentile, open interest by days to
expiry, per-strike flow and charm history; and the ``MarketContext`` value that
``eots.history.market_context`` builds from stored history for the adaptive metrics and levels.
See ``docs/context.md``.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.market.atr import ATR_SCHEMA, atr, true_range
    from eots.market.context import (
        IV_SERIES_SCHEMA,
        SPOT_PATH_SCHEMA,
        TERM_HISTORY_SCHEMA,
        MarketContext,
        PriorSnapshot,
    )
    from eots.market.estimate import Coverage, Estimate, ratio_estimate
    from eots.market.flow_history import (
        CHARM_SCHEMA,
        INCREMENT_HISTORY_SCHEMA,
        STRIKE_FLOW_SCHEMA,
        charm_rows,
        increment_history,
        strike_flows,
    )
    from eots.market.iv_rank import iv_percentile, iv_rank
    from eots.market.open_interest import OI_BY_DTE_SCHEMA, oi_by_dte
    from eots.market.params import ContextParams
    from eots.market.realized_vol import REALIZED_VOL_SCHEMA, TRADING_DAYS, realized_vol
    from eots.market.term import (
        TERM_SCHEMA,
        CmMethod,
        ConstantMaturityIv,
        atm_iv_term,
        constant_maturity_iv,
        near_the_money,
    )

__all__ = [
    "ATR_SCHEMA",
    "CHARM_SCHEMA",
    "INCREMENT_HISTORY_SCHEMA",
    "IV_SERIES_SCHEMA",
    "OI_BY_DTE_SCHEMA",
    "REALIZED_VOL_SCHEMA",
    "SPOT_PATH_SCHEMA",
    "STRIKE_FLOW_SCHEMA",
    "TERM_HISTORY_SCHEMA",
    "TERM_SCHEMA",
    "TRADING_DAYS",
    "CmMethod",
    "ConstantMaturityIv",
    "ContextParams",
    "Coverage",
    "Estimate",
    "MarketContext",
    "PriorSnapshot",
    "atm_iv_term",
    "atr",
    "charm_rows",
    "constant_maturity_iv",
    "increment_history",
    "iv_percentile",
    "iv_rank",
    "near_the_money",
    "oi_by_dte",
    "ratio_estimate",
    "realized_vol",
    "strike_flows",
    "true_range",
]

lazy_package(
    __name__,
    {
        "eots.market.atr": ("ATR_SCHEMA", "atr", "true_range"),
        "eots.market.context": (
            "IV_SERIES_SCHEMA",
            "SPOT_PATH_SCHEMA",
            "TERM_HISTORY_SCHEMA",
            "MarketContext",
            "PriorSnapshot",
        ),
        "eots.market.estimate": ("Coverage", "Estimate", "ratio_estimate"),
        "eots.market.flow_history": (
            "CHARM_SCHEMA",
            "INCREMENT_HISTORY_SCHEMA",
            "STRIKE_FLOW_SCHEMA",
            "charm_rows",
            "increment_history",
            "strike_flows",
        ),
        "eots.market.iv_rank": ("iv_percentile", "iv_rank"),
        "eots.market.open_interest": ("OI_BY_DTE_SCHEMA", "oi_by_dte"),
        "eots.market.params": ("ContextParams",),
        "eots.market.realized_vol": ("REALIZED_VOL_SCHEMA", "TRADING_DAYS", "realized_vol"),
        "eots.market.term": (
            "TERM_SCHEMA",
            "CmMethod",
            "ConstantMaturityIv",
            "atm_iv_term",
            "constant_maturity_iv",
            "near_the_money",
        ),
    },
)
