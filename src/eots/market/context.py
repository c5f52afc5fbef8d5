"""``MarketContext``: what history says about the market as of one instant, with provenance.

Built by ``eots.history.market_context`` through an as-of-guarded reader (nothing quoted after
``as_of`` is read) and consumed by the adaptive metrics (A-DAG, D-TDPI, VRI 2.0) and the
multi-timeframe levels. It lives here, beside the analytic stages, so that they can take it as
an argument without depending on storage.

Every history-derived field says how much history it was built from: scalar fields are
``Estimate``s, frame fields come with a ``Coverage``. When history is thin the field holds its
documented neutral value (or an empty frame) and ``sufficient`` is False; it is never a silent
default. Field by field (units as in docs/conventions.md):

========================= ===================================================================
field                     meaning; value when history is thin
========================= ===================================================================
snapshot                  latest visible snapshot of the current session (None if none yet)
spot                      its spot, $; else the last daily close (flagged); else NaN/"none"
daily_bars                daily OHLC up to ``as_of`` (``PRICE_SCHEMA``), stored or derived
                          from snapshot spots (``source = snapshot_spots_proxy``)
atr                       Wilder ATR(n) of daily bars, $; fewer than n bars: mean true range
                          of those bars; none: S * IV * sqrt(1/252) ("iv_implied"); else NaN
atr_average               mean of the last m ATR values, $; thin: mean of those there are,
                          else ``atr``'s value (so the ratio is neutral)
atr_ratio                 atr / atr_average; neutral 1.0 unless both are sufficient
realized_vol              {window: annualised close-to-close vol}; thin: the stdev of the
                          returns there are (>= 2), else the ATM IV ("iv_implied"), else NaN
term_structure            ATM IV by expiry now (``TERM_SCHEMA``); empty without a snapshot
atm_iv                    constant-maturity ATM IV now (``iv_days``); NaN/"none" without one
atm_iv_average            mean of prior sessions' end-of-day ``atm_iv``; thin: mean of those
                          there are, else ``atm_iv`` (ratio neutral)
iv_ratio                  atm_iv / atm_iv_average; neutral 1.0 unless both sufficient
iv_rank, iv_percentile    of ``atm_iv`` against prior sessions' end-of-day values (0..1);
                          neutral 0.5 below ``iv_rank_min_sessions``
iv_intraday, term_intraday  ``atm_iv`` and the term structure of the current session's last N
                          snapshots (oldest first, the current one last)
iv_daily, term_daily      the same for prior sessions' end-of-day snapshots (oldest first)
oi_by_dte                 open interest per calendar DTE of the current snapshot (derived from
                          ``snapshot`` when first read)
flows_by_contract         per-contract session totals and rolling windows (``FLOW_SCHEMA``),
                          from the increments of the last N snapshots of the session
flows_by_strike           the same summed per strike (``STRIKE_FLOW_SCHEMA``; derived from
                          ``flows_by_contract`` when first read)
flow_increments           each snapshot-to-snapshot increment, stamped (temporal decay input)
charm_history             per-contract charm and charmxoi of the last N snapshots
daily, weekly             prior sessions' end-of-day snapshots, prior weeks' last snapshots
spot_path                 (ts_event, spot) of the current session's snapshots up to as_of
term_source               ``term_structure`` with the priced rows and spot it was computed
                          from (``KnownTerm``): the base metrics reuse it on equal rows
flow_rows                 for each row of ``snapshot.frame``, its row in ``flows_by_contract``
                          (-1: none; None: not known): the analysis attaches the flows to the
                          contracts by these rows (checked on the keys) instead of a join
========================= ===================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain.schema import UTC_US
from eots.chain.snapshot import ChainSnapshot
from eots.market.estimate import Coverage, Estimate
from eots.market.flow_history import strike_flows
from eots.market.open_interest import OI_BY_DTE_SCHEMA, oi_by_dte
from eots.market.params import ContextParams
from eots.market.term import TERM_SCHEMA, KnownTerm

#: One ATM IV observation per snapshot (``iv_intraday``, ``iv_daily``), oldest first.
IV_SERIES_SCHEMA = pl.Schema(
    {
        "ts_event": UTC_US,  # the snapshot's quote time
        "session": pl.Date(),  # its NYSE session
        "spot": pl.Float64(),  # $
        "atm_iv": pl.Float64(),  # constant-maturity ATM IV, decimal per year (NaN: none)
        "cm_method": pl.String(),  # ``CmMethod`` value (flat_* = extrapolated)
        "n_expiries": pl.Int64(),  # expiries with an ATM IV
    }
)

#: Term structures stacked over snapshots (``term_intraday``, ``term_daily``).
TERM_HISTORY_SCHEMA = pl.Schema({"ts_event": UTC_US, "session": pl.Date(), **TERM_SCHEMA})

#: The current session's spot path.
SPOT_PATH_SCHEMA = pl.Schema({"ts_event": UTC_US, "spot": pl.Float64()})


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorSnapshot:
    """A prior session's end-of-day snapshot (or a prior week's last one), loaded.

    ``locator`` says where the store keeps it (a file path for ``SnapshotStore``);
    ``content_hash`` (16 hex digits) identifies its content independently of the store.
    """

    session: dt.date
    ts_event: dt.datetime
    ts_recv: dt.datetime
    spot: float
    content_hash: str
    locator: str
    snapshot: ChainSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketContext:
    """History-derived market state of one underlying as of ``as_of`` (module docstring)."""

    underlying: str
    as_of: dt.datetime
    session: dt.date
    visibility: str
    params: ContextParams
    snapshot: ChainSnapshot | None
    spot: Estimate
    daily_bars: pl.DataFrame
    daily_bars_coverage: Coverage
    atr: Estimate
    atr_average: Estimate
    atr_ratio: Estimate
    realized_vol: Mapping[int, Estimate]
    term_structure: pl.DataFrame
    atm_iv: Estimate
    atm_iv_average: Estimate
    iv_ratio: Estimate
    iv_rank: Estimate
    iv_percentile: Estimate
    iv_intraday: pl.DataFrame
    term_intraday: pl.DataFrame
    intraday_coverage: Coverage
    iv_daily: pl.DataFrame
    term_daily: pl.DataFrame
    iv_daily_coverage: Coverage
    oi_coverage: Coverage
    flows_by_contract: pl.DataFrame
    flow_increments: pl.DataFrame
    flow_coverage: Coverage
    charm_history: pl.DataFrame
    charm_coverage: Coverage
    daily: tuple[PriorSnapshot, ...]
    daily_coverage: Coverage
    weekly: tuple[PriorSnapshot, ...]
    weekly_coverage: Coverage
    spot_path: pl.DataFrame
    spot_path_coverage: Coverage
    notes: tuple[str, ...] = ()
    term_source: KnownTerm | None = field(default=None, repr=False, compare=False)
    flow_rows: NDArray[np.int64] | None = field(default=None, repr=False, compare=False)
    _oi_by_dte: pl.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _flows_by_strike: pl.DataFrame | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def oi_by_dte(self) -> pl.DataFrame:
        """Open interest per calendar DTE of ``snapshot`` (``OI_BY_DTE_SCHEMA``), made once.

        Derived on first read: the engine's metrics take the same sums on the contracts'
        arrays, so a step that does not read it does not pay for it.
        """
        if self._oi_by_dte is None:
            frame = (
                oi_by_dte(self.snapshot.frame, self.session)
                if self.snapshot is not None
                else pl.DataFrame(schema=OI_BY_DTE_SCHEMA)
            )
            object.__setattr__(self, "_oi_by_dte", frame)
        assert self._oi_by_dte is not None
        return self._oi_by_dte

    @property
    def flows_by_strike(self) -> pl.DataFrame:
        """``flows_by_contract`` summed per strike (``STRIKE_FLOW_SCHEMA``), made once.

        Derived on first read (no analysis stage reads it; reports and tests do).
        """
        if self._flows_by_strike is None:
            object.__setattr__(self, "_flows_by_strike", strike_flows(self.flows_by_contract))
        assert self._flows_by_strike is not None
        return self._flows_by_strike

    def estimates(self) -> dict[str, Estimate]:
        """Return every scalar field by name (``realized_vol_<w>d`` for each window)."""
        named = {
            "spot": self.spot,
            "atr": self.atr,
            "atr_average": self.atr_average,
            "atr_ratio": self.atr_ratio,
            "atm_iv": self.atm_iv,
            "atm_iv_average": self.atm_iv_average,
            "iv_ratio": self.iv_ratio,
            "iv_rank": self.iv_rank,
            "iv_percentile": self.iv_percentile,
        }
        named.update({f"realized_vol_{w}d": e for w, e in sorted(self.realized_vol.items())})
        return named

    def coverages(self) -> dict[str, Coverage]:
        """Return the provenance of every field (scalars and frames) by name."""
        out = {name: e.coverage for name, e in self.estimates().items()}
        out.update(
            daily_bars=self.daily_bars_coverage,
            intraday=self.intraday_coverage,
            iv_daily=self.iv_daily_coverage,
            oi_by_dte=self.oi_coverage,
            flows=self.flow_coverage,
            charm_history=self.charm_coverage,
            daily=self.daily_coverage,
            weekly=self.weekly_coverage,
            spot_path=self.spot_path_coverage,
        )
        return out

    @property
    def insufficient(self) -> tuple[str, ...]:
        """Names of the fields built from less history than they are defined on."""
        return tuple(name for name, c in self.coverages().items() if not c.sufficient)


__all__ = [
    "IV_SERIES_SCHEMA",
    "SPOT_PATH_SCHEMA",
    "TERM_HISTORY_SCHEMA",
    "MarketContext",
    "PriorSnapshot",
]
