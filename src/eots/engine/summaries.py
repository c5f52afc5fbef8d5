"""Prior-session summaries: a stored snapshot's foundation reduced to what the levels read of it.

The daily and weekly levels, the engine's prior sessions and ``levels evaluate`` read each prior
end-of-day snapshot as a ``SessionSummary`` (by-strike ``strike, net_gex, dex, mspi``, walls,
abs-gamma strike, zero gamma). The levels never price a chain, so the summary is made here, above
the pipeline, from the snapshot's foundation (``eots.pipeline.foundation``: the same pricing,
exposures, expiry scope and zero gamma as the analysis) and its base metrics without history.

``Summaries`` is the one provider: memo first (``eots.storage.FoundationMemo``, keyed by content
hash and ``summary_fingerprint``), else the foundation (from contracts already priced when the
caller has them), then the memo is written. A memo file that does not match is logged and
recomputed, never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import session_of
from eots.exposures import ExpiryScope, strike_exposures
from eots.levels import LevelInputs, LevelParams, gamma_profile, gamma_walls, zero_gamma
from eots.levels.model import SessionSummary
from eots.levels.timeframes import strike_mspi
from eots.market import ContextParams, PriorSnapshot
from eots.metrics import MetricInputs, base_metrics
from eots.pipeline import AnalysisParams, Foundation, foundation
from eots.storage.memo import MEMO_FORMAT, FoundationMemo
from eots.storage.snapshots import SnapshotRef, SnapshotStore

log = logging.getLogger(__name__)


def summary_fingerprint(params: AnalysisParams) -> str:
    """Return the hash of exactly the parameters a summary depends on (and the memo format).

    Pricing, exposures, zero gamma and the base metrics: a change to the levels', the adaptive
    metrics' or the engine's sections keeps every memo file valid.
    """
    canonical = json.dumps(
        {
            "memo_format": MEMO_FORMAT,
            **{
                key: getattr(params, key).model_dump(mode="json")
                for key in ("pricing", "exposures", "zero_gamma", "metrics")
            },
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def summary_from_contracts(
    ref: SnapshotRef, snapshot: ChainSnapshot, contracts: pl.DataFrame, params: AnalysisParams
) -> SessionSummary:
    """Reduce a snapshot's priced contracts (with exposures, the foundation's) to its summary.

    Exposures over the expiry scope of ``params.exposures``, base metrics with the context-free
    fallbacks as of the snapshot's own quote time, walls (rank 1) and the zero gamma nearest spot.
    """
    session = session_of(snapshot.ts_event)
    mask = ExpiryScope.parse(params.exposures.expiries).mask(session)
    by_strike = strike_exposures(contracts, mask)
    in_scope = contracts.filter(mask)
    metrics = base_metrics(
        in_scope, MetricInputs(as_of=snapshot.ts_event, spot=snapshot.spot), params.metrics
    )
    strikes = by_strike.select("strike", "net_gex", "dex").join(
        strike_mspi(metrics.strikes), on="strike", how="left"
    )
    walls = gamma_walls(by_strike, snapshot.spot, runners_up=0)
    zg = zero_gamma(gamma_profile(in_scope, snapshot.spot, params.zero_gamma), params.zero_gamma)
    return SessionSummary(
        session=ref.session,
        ts_event=ref.ts_event,
        content_hash=ref.content_hash,
        spot=snapshot.spot,
        strikes=strikes.with_columns(pl.col("mspi").fill_null(math.nan)),
        call_wall=_or_nan(walls.call_wall_strike),
        put_wall=_or_nan(walls.put_wall_strike),
        abs_gamma=_or_nan(walls.abs_gamma_strike),
        zero_gamma=_or_nan(zg.nearest),
    )


def level_inputs(base: Foundation) -> LevelInputs:
    """Return the levels' view of a foundation with base metrics and no history.

    What ``levels evaluate`` reads of a session's last snapshot: the foundation's in-scope
    contracts, by-strike frame, profile and zero gamma, and its base metrics per strike.
    """
    snap = base.snapshot
    metrics = base_metrics(
        base.in_scope, MetricInputs(as_of=snap.ts_event, spot=snap.spot), base.params.metrics
    )
    return LevelInputs(
        spot=snap.spot,
        contracts=base.in_scope,
        by_strike=base.by_strike,
        strike_metrics=metrics.strikes,
        profile=base.profile,
        zero_gamma=base.zero_gamma,
    )


def prior_ref(prior: PriorSnapshot, underlying: str) -> SnapshotRef:
    """Return the ``SnapshotRef`` of a market context's prior snapshot."""
    from pathlib import Path

    return SnapshotRef(
        ts_event=prior.ts_event,
        ts_recv=prior.ts_recv,
        underlying=underlying.upper(),
        session=prior.session,
        content_hash=prior.content_hash,
        path=Path(prior.locator),
    )


@dataclass(slots=True)
class Summaries:
    """The summary provider (module docstring): memo, else foundation, then memo.

    ``computed`` and ``reused`` count what happened (reports and benchmarks read them).
    """

    params: AnalysisParams
    memo: FoundationMemo | None = None
    computed: int = 0
    reused: int = 0
    _fingerprint: str = field(default="", init=False)

    def __post_init__(self) -> None:
        """Fix the fingerprint once (the parameters are frozen)."""
        self._fingerprint = summary_fingerprint(self.params)

    @property
    def fingerprint(self) -> str:
        """The memo key's parameter part (``summary_fingerprint``)."""
        return self._fingerprint

    def of(
        self,
        ref: SnapshotRef,
        snapshot: ChainSnapshot | Callable[[], ChainSnapshot],
        contracts: pl.DataFrame | None = None,
    ) -> SessionSummary:
        """Return the summary of the stored snapshot ``ref``.

        ``snapshot`` is the chain or a loader called only when the memo has no matching file;
        ``contracts`` its foundation's priced contracts when the caller has them (nothing is
        priced again).
        """
        if self.memo is not None:
            found, why = self.memo.get(ref.underlying, ref.content_hash, self._fingerprint)
            if why is not None:
                log.warning("memo not used, recomputed", extra={"why": why})
            if found is not None:
                self.reused += 1
                return found
        snap = snapshot() if callable(snapshot) else snapshot
        if contracts is None:
            contracts = foundation(snap, self.params).contracts
        summary = summary_from_contracts(ref, snap, contracts, self.params)
        self.computed += 1
        if self.memo is not None:
            self.memo.put(ref.underlying, self._fingerprint, summary)
        return summary

    def of_priors(
        self, priors: Iterable[PriorSnapshot], underlying: str
    ) -> tuple[SessionSummary, ...]:
        """Return the summaries of a market context's prior snapshots (duplicates once)."""
        out: dict[str, SessionSummary] = {}
        for p in priors:
            if p.content_hash not in out:
                out[p.content_hash] = self.of(prior_ref(p, underlying), p.snapshot)
        return tuple(out.values())


@dataclass(slots=True)
class StoreFoundations:
    """Foundations and summaries of a store's snapshots for ``levels evaluate``.

    The ``eots.history.levels_eval.LevelFoundations`` the engine layer injects: a session's last
    snapshot gets its foundation (and its own summary goes to the memo, so the next session reads
    it as a prior without pricing it), the priors come from ``Summaries``.
    """

    params: AnalysisParams
    provider: Summaries

    @property
    def levels(self) -> LevelParams:
        """The analysis' level parameters."""
        return self.params.levels

    @property
    def context(self) -> ContextParams:
        """Context parameters: defaults with the analysis' pricing, the last snapshot only."""
        return ContextParams(pricing=self.params.pricing, intraday_snapshots=1)

    def inputs(self, ref: SnapshotRef, snapshot: ChainSnapshot) -> LevelInputs:
        """Return the levels' view of ``snapshot``'s foundation; memoise its summary."""
        base = foundation(snapshot, self.params)
        self.provider.of(ref, snapshot, base.contracts)
        return level_inputs(base)

    def summaries(
        self, priors: Iterable[PriorSnapshot], underlying: str
    ) -> tuple[SessionSummary, ...]:
        """Return the priors' summaries (``Summaries.of_priors``)."""
        return self.provider.of_priors(priors, underlying)


def store_foundations(store: SnapshotStore, params: AnalysisParams) -> StoreFoundations:
    """Return ``StoreFoundations`` over ``store`` (memo beside it when it is a local folder)."""
    memo = FoundationMemo(store.root) if store.fs is None else None
    return StoreFoundations(params=params, provider=Summaries(params, memo))


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


__all__ = [
    "StoreFoundations",
    "Summaries",
    "level_inputs",
    "prior_ref",
    "store_foundations",
    "summary_fingerprint",
    "summary_from_contracts",
]
