"""The engine's stages after the analysis: signals, trade ideas and the recommendation lifecycle.

Each is a pure function of the step's analysis and the state's part it reads; ``step`` composes
them in this order and the config switches them (``EngineParams.components``):

* ``signal_stage``: ``eots.signals`` on the analysis, with bars up to the quote time (the price
  store's, else the snapshots' spot path as a coarse proxy, said in the notes) and the learned
  signal-family weights;
* ``idea_stage``: ``eots.ideas`` from the integrated signals and the levels, with the learned
  conviction mapping; an idea whose strategy and direction are already open or pending is not
  proposed again (no pyramiding of one thesis);
* ``baseline_integration``: a seeded random integration (uniform scores) for the random-entry
  baseline: the same strategy rules and sizing at the same times, without the signals' content;
* ``marks``: what a snapshot tells the lifecycle (quotes, bars since the previous snapshot,
  settlement prints known by now).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

import numpy as np
import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import nyse_calendar
from eots.core.types import Settlement
from eots.ideas import IdeaInputs, IdeaParams, IdeaReport, trade_ideas
from eots.pipeline import Analysis
from eots.signals import SignalInputs, SignalParams, SignalReport, SignalState, atm_term, signals
from eots.signals.model import SignalIntegration
from eots.tracking.book import Book
from eots.tracking.learning import LearnedWeights
from eots.tracking.model import EvidenceItem, Marks, SettlementPrint, Status, WeightGroup


def signal_stage(
    analysis: Analysis,
    state: SignalState,
    bars: pl.DataFrame | None,
    weights: LearnedWeights,
    params: SignalParams,
) -> tuple[SignalReport | None, SignalState, tuple[str, ...]]:
    """Return the snapshot's signals (None without an ATR: nothing to measure with)."""
    atr = analysis.metrics.atr
    if atr is None or not atr > 0:
        return None, state, ("signals: no ATR (no IV at all): no signals",)
    context = analysis.history.context
    pct = None
    if context is not None and context.iv_percentile.sufficient:
        pct = context.iv_percentile.value
    inputs = SignalInputs(
        as_of=analysis.as_of,
        session=analysis.session,
        underlying=analysis.snapshot.underlying,
        spot=analysis.snapshot.spot,
        atr=atr,
        strike_metrics=analysis.strike_metrics,
        by_strike=analysis.by_strike,
        contracts=analysis.contracts,
        term=atm_term(analysis.contracts, analysis.snapshot.spot),
        zero_gamma=analysis.zero_gamma.nearest,
        net_gex=analysis.totals.net_gex,
        bars=bars,
        iv_percentile=pct,
        weights=weights.signal_weights()
        if weights.source(WeightGroup.SIGNAL_FAMILY) == "learned"
        else None,
    )
    report, state = signals(inputs, state, params)
    return report, state, ()


def idea_params(params: IdeaParams, weights: LearnedWeights) -> IdeaParams:
    """Return ``params`` with the learned conviction mapping (performance, signal, level)."""
    m = weights.conviction_mapping()
    rules = params.conviction.model_copy(
        update={
            "weight_performance": m["performance"],
            "weight_signal": m["signal_strength"],
            "weight_level": m["level_strength"],
        }
    )
    return params.model_copy(update={"conviction": rules})


def idea_stage(
    analysis: Analysis,
    integration: SignalIntegration,
    report: SignalReport | None,
    book: Book,
    params: IdeaParams,
) -> IdeaReport:
    """Return the snapshot's new trade ideas (``docs/ideas.md``), minus theses already held."""
    atr = analysis.metrics.atr
    if atr is None or not atr > 0:
        return IdeaReport(ideas=(), skipped=("no ATR: no plan, no ideas",))
    inputs = IdeaInputs(
        ts_event=analysis.as_of,
        underlying=analysis.snapshot.underlying,
        spot=analysis.snapshot.spot,
        session=analysis.session,
        contracts=analysis.contracts,
        levels=analysis.levels,
        atr=atr,
        integration=integration,
        signals=report.signals if report is not None else (),
        track_record=None,
        rate=analysis.params.pricing.rate,
    )
    out = trade_ideas(inputs, params)
    held = {
        (p.idea.strategy, p.idea.direction)
        for p in book.positions.values()
        if p.status in (Status.PROPOSED, Status.OPEN)
    }
    fresh = tuple(i for i in out.ideas if (i.strategy, i.direction) not in held)
    dropped = tuple(
        f"{i.strategy.value} ({i.direction.value}) not proposed: the same thesis is already held"
        for i in out.ideas
        if (i.strategy, i.direction) in held
    )
    return replace(out, ideas=fresh, skipped=out.skipped + dropped)


def baseline_integration(integration: SignalIntegration, snapshot_id: str) -> SignalIntegration:
    """Return a random integration seeded by the snapshot: uniform direction, volatility and
    time-decay scores, no pin strike (the random-entry baseline's "signals")."""
    seed = int.from_bytes(hashlib.sha256(snapshot_id.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    d, v = rng.uniform(-1.0, 1.0, 2)
    return replace(
        integration,
        direction_score=float(d),
        volatility_score=float(v),
        time_decay_score=float(rng.uniform(0.0, 1.0)),
        pin_strike=None,
        conflicts=(),
        weights_source="random baseline",
    )


def marks(
    analysis: Analysis,
    snapshot: ChainSnapshot,
    sequence: int,
    ids: tuple[str, str],
    bars: pl.DataFrame | None,
    evidence: tuple[EvidenceItem, ...] = (),
) -> Marks:
    """Return what ``snapshot`` tells the lifecycle. ``ids`` = (snapshot id, config fingerprint);
    ``bars`` = every bar known (``ts`` = bar close), sliced here to those closed by now."""
    ts = analysis.as_of
    known = bars.filter(pl.col("ts") <= ts) if bars is not None and bars.height else None
    return Marks(
        ts_event=ts,
        ts_init=sequence,
        snapshot_id=ids[0],
        fingerprint=ids[1],
        underlying=snapshot.underlying,
        spot=snapshot.spot,
        quotes=snapshot.frame.select("root", "expiry", "strike", "right", "bid", "ask"),
        bars=known.select("ts", "high", "low", "close") if known is not None else None,
        settlements=settlement_prints(snapshot.underlying, ts, known),
        atr=analysis.metrics.atr,
        evidence=evidence,
    )


def settlement_prints(
    underlying: str, ts: dt.datetime, bars: pl.DataFrame | None
) -> tuple[SettlementPrint, ...]:
    """Settlement prints known at ``ts`` from the bars: PM = the session's last close at or
    before its close, AM = the first bar's open (the special opening quotation, approximated)."""
    if bars is None or bars.height == 0:
        return ()
    cal = nyse_calendar()
    frame = bars.with_columns(day=pl.col("ts").dt.convert_time_zone("America/New_York").dt.date())
    out = []
    for day in frame.get_column("day").unique().sort().to_list()[-5:]:
        bounds = cal.session_bounds(day)
        if bounds is None:
            continue
        rows = frame.filter(pl.col("day") == day)
        if ts >= bounds[1]:
            closing = rows.filter(pl.col("ts") <= bounds[1])
            if closing.height:
                close = float(closing.get_column("close")[-1])
                out.append(
                    SettlementPrint(
                        underlying=underlying, session=day, style=Settlement.PM, price=close
                    )
                )
        if rows.height and ts >= bounds[0] and "open" in rows.columns:
            out.append(
                SettlementPrint(
                    underlying=underlying,
                    session=day,
                    style=Settlement.AM,
                    price=float(rows.get_column("open")[0]),
                )
            )
    return tuple(out)


__all__ = [
    "baseline_integration",
    "idea_params",
    "idea_stage",
    "marks",
    "settlement_prints",
    "signal_stage",
]
