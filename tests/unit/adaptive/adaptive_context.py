"""Hand-built market contexts for the adaptive tests (every field explicit, history optional)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from eots.core.time import session_of
from eots.flows import FLOW_SCHEMA
from eots.market import (
    CHARM_SCHEMA,
    INCREMENT_HISTORY_SCHEMA,
    IV_SERIES_SCHEMA,
    SPOT_PATH_SCHEMA,
    TERM_HISTORY_SCHEMA,
    TERM_SCHEMA,
    ContextParams,
    Coverage,
    Estimate,
    MarketContext,
)
from eots.storage import PRICE_SCHEMA


def known(value: float) -> Estimate:
    """Return a sufficient estimate of ``value``."""
    return Estimate(value=value, n_obs=20, required=20, sufficient=True, source="test")


def unknown(value: float = 1.0) -> Estimate:
    """Return a neutral (insufficient) estimate."""
    return Estimate.neutral(value, required=20, note="test: thin history")


def _cov() -> Coverage:
    return Coverage(n_obs=0, required=1, sufficient=False, source="test", note="none")


def context(as_of: dt.datetime, **fields: Any) -> MarketContext:
    """Return a context with no history, then ``fields`` replaced."""
    base = MarketContext(
        underlying="SPX",
        as_of=as_of,
        session=session_of(as_of),
        visibility="test",
        params=ContextParams(),
        snapshot=None,
        spot=unknown(float("nan")),
        daily_bars=pl.DataFrame(schema=PRICE_SCHEMA),
        daily_bars_coverage=_cov(),
        atr=unknown(float("nan")),
        atr_average=unknown(float("nan")),
        atr_ratio=unknown(),
        realized_vol={},
        term_structure=pl.DataFrame(schema=TERM_SCHEMA),
        atm_iv=unknown(float("nan")),
        atm_iv_average=unknown(float("nan")),
        iv_ratio=unknown(),
        iv_rank=unknown(0.5),
        iv_percentile=unknown(0.5),
        iv_intraday=pl.DataFrame(schema=IV_SERIES_SCHEMA),
        term_intraday=pl.DataFrame(schema=TERM_HISTORY_SCHEMA),
        intraday_coverage=_cov(),
        iv_daily=pl.DataFrame(schema=IV_SERIES_SCHEMA),
        term_daily=pl.DataFrame(schema=TERM_HISTORY_SCHEMA),
        iv_daily_coverage=_cov(),
        oi_coverage=_cov(),
        flows_by_contract=pl.DataFrame(schema=FLOW_SCHEMA),
        flow_increments=pl.DataFrame(schema=INCREMENT_HISTORY_SCHEMA),
        flow_coverage=_cov(),
        charm_history=pl.DataFrame(schema=CHARM_SCHEMA),
        charm_coverage=_cov(),
        daily=(),
        daily_coverage=_cov(),
        weekly=(),
        weekly_coverage=_cov(),
        spot_path=pl.DataFrame(schema=SPOT_PATH_SCHEMA),
        spot_path_coverage=_cov(),
    )
    return dataclasses.replace(base, **fields)
