"""What the signals read from one analysed snapshot: ``SignalInputs``.

The engine builds one ``SignalInputs`` per snapshot from ``eots.pipeline.Analysis`` (this package
sits below the pipeline and does not import it; each field names the attribute it comes from),
plus the underlying's bars up to ``as_of`` and the learned weights. ``atm_term`` computes the ATM
implied-volatility term structure from the per-contract frame when no market context supplies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from eots.market import atm_iv_term

#: Columns read from ``strike_metrics`` (base and adaptive metrics per strike).
STRIKE_METRIC_COLUMNS: tuple[str, ...] = (
    "strike",
    "mspi",
    "sai",
    "ssi",
    "vri",
    "vfi",
    "tdpi",
    "ctr",
    "tdfi",
    "arfi",
    "dag_custom",
    "a_dag",
    "sdag_multiplicative",
    "sdag_directional",
    "sdag_weighted",
    "sdag_volatility_focused",
    "d_tdpi",
    "sdag_conviction_score",
    "sdag_conviction_direction",
    "net_value_pressure",
)
#: Columns read from ``by_strike`` (exposures per strike, $).
BY_STRIKE_COLUMNS: tuple[str, ...] = ("strike", "net_gex", "abs_gex", "charm")
#: Columns read from ``contracts`` (per-contract exposures).
CONTRACT_COLUMNS: tuple[str, ...] = (
    "expiry_ts",
    "strike",
    "gex_usd_per_pct",
    "charm_usd_per_day",
)
#: Columns read from ``term`` (``eots.market.TERM_SCHEMA``).
TERM_COLUMNS: tuple[str, ...] = ("expiry_ts", "t_years", "atm_iv")
#: Columns read from ``bars`` (``eots.market.bars.PRICE_SCHEMA``; ``ts`` = bar close instant).
BAR_COLUMNS: tuple[str, ...] = ("ts", "close")


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalInputs:
    """One snapshot's inputs to ``signals`` (all as of ``as_of``).

    Attributes
    ----------
    as_of
        ``Analysis.as_of``: valuation instant (UTC); every claim is made at it.
    session
        ``Analysis.session``: the trading session (persistence never crosses sessions).
    underlying
        ``Analysis.snapshot.underlying``.
    spot
        ``Analysis.snapshot.spot``, $: the reference of direction claims.
    atr
        ``Analysis.metrics.atr``, $: the distance unit of proximity weights and pin bands.
    strike_metrics
        ``Analysis.strike_metrics`` (``STRIKE_METRIC_COLUMNS``; metric units as in
        docs/metrics.md; a missing flow column may be absent or null).
    by_strike
        ``Analysis.by_strike`` (``BY_STRIKE_COLUMNS``: net and absolute GEX $ per 1 %, dealer
        charm $ of delta per day).
    contracts
        ``Analysis.contracts`` (``CONTRACT_COLUMNS``): the front expiry's gamma and charm.
    term
        ATM IV by expiry (``TERM_COLUMNS``): ``Analysis.history.context.term_structure`` or
        ``atm_term(Analysis.contracts, spot)``.
    zero_gamma
        ``Analysis.zero_gamma.nearest``, $ (None: no crossing in the band).
    net_gex
        ``Analysis.totals.net_gex``, $ per 1 %.
    bars
        Optional underlying bars (``ts`` close instant UTC, ``close`` $; open/high/low may be
        present), ascending. Bars with ``ts > as_of`` are ignored and counted in the report's notes.
    iv_percentile
        ``Analysis.history.context.iv_percentile`` (0..1) when sufficient, else None.
    weights
        Learned weights per family or signal name (the learning loop's output, as of ``as_of``);
        None: the documented neutral prior.
    """

    as_of: dt.datetime
    session: dt.date
    underlying: str
    spot: float
    atr: float
    strike_metrics: pl.DataFrame
    by_strike: pl.DataFrame
    contracts: pl.DataFrame
    term: pl.DataFrame
    zero_gamma: float | None = None
    net_gex: float = 0.0
    bars: pl.DataFrame | None = None
    iv_percentile: float | None = None
    weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError(f"expected a timezone-aware as_of, was {self.as_of!r}")
        if not self.spot > 0:
            raise ValueError(f"expected spot > 0, was {self.spot}")
        if not self.atr > 0:
            raise ValueError(f"expected atr > 0 ($), was {self.atr}")
        _require(self.strike_metrics, ("strike", "mspi", "ssi"), "strike_metrics")
        _require(self.by_strike, BY_STRIKE_COLUMNS, "by_strike")
        _require(self.contracts, CONTRACT_COLUMNS, "contracts")
        _require(self.term, TERM_COLUMNS, "term")
        if self.bars is not None:
            _require(self.bars, BAR_COLUMNS, "bars")
        if self.iv_percentile is not None and not 0.0 <= self.iv_percentile <= 1.0:
            raise ValueError(f"expected iv_percentile in 0..1, was {self.iv_percentile}")
        if self.weights is not None:
            bad = {k: v for k, v in self.weights.items() if not v >= 0.0}
            if bad:
                raise ValueError(f"expected learned weights >= 0, were {bad}")


def _require(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: expected columns {missing}, had {frame.columns}")


def atm_term(contracts: pl.DataFrame, spot: float, *, band: float = 0.03) -> pl.DataFrame:
    """Return the ATM IV term structure (``eots.market.TERM_SCHEMA``) of a priced chain.

    Only the strikes within ``band`` (relative) of each contract's forward are passed to
    ``eots.market.atm_iv_term``, which brackets the forward with them; a chain of 20,000 contracts
    keeps a few hundred rows.

    Parameters
    ----------
    contracts
        Priced contracts (``Analysis.contracts``: ``strike``, ``forward``, ``iv``, ``t_years``,
        ``right``, ``expiry``, ``settlement``, ``expiry_ts``).
    spot
        Underlying price, $.
    band
        Relative distance of the kept strikes from the forward.
    """
    near = contracts.filter((pl.col("strike") / pl.col("forward") - 1.0).abs() <= band)
    return atm_iv_term(near, spot)


__all__ = [
    "BAR_COLUMNS",
    "BY_STRIKE_COLUMNS",
    "CONTRACT_COLUMNS",
    "STRIKE_METRIC_COLUMNS",
    "TERM_COLUMNS",
    "SignalInputs",
    "atm_term",
]
