"""Replay the two real histories through the engine and the evaluation, with the real bars.

``build_evidence(EvidenceSpec(...))`` ingests both histories into a work folder
(``eots.evidence.ingest``), imports the real bars, replays each underlying with ``eots.replay``
(the same fold as live analysis) and evaluates each run with ``eots.evaluation.evaluate_run``:
the SPX after-close snapshots are scored on the next session, the SPY 0DTE intraday snapshots on
the rest of their session. Nothing here decides or scores anything itself.

A run written before signals were part of the replay has no ``signals.parquet``: an empty one
(the evaluation's schema, no rows) is written so the levels can still be evaluated, and the
evidence says "not yet available" for the signals (``HistoryEvidence.absent``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from eots.engine import EngineParams
from eots.evaluation import Evaluation, evaluate_run
from eots.evaluation.schemas import REQUIRED_FILES, RUN_SCHEMAS
from eots.evidence.ingest import IngestReport, import_prices, ingest_barchart, ingest_zerodte
from eots.replay import ReplaySpec, replay

#: Where each history lives under the history folder.
BARCHART_DIR = Path("spx_eod_barchart") / "snapshots"
ZERODTE_DIRS = (Path("spy_0dte_intraday") / "chains", Path("spy_0dte_intraday") / "chains_ci")

#: The bar files imported (file, underlying, interval): daily bars for the context (ATR, realised
#: vol), 15-minute bars for scoring (the replay takes the finest interval it finds).
PRICE_FILES = (
    ("spx_1d.csv", "SPX", "1d"),
    ("spx_15m.csv", "SPX", "15m"),
    ("spy_1d.csv", "SPY", "1d"),
    ("spy_15m.csv", "SPY", "15m"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceSpec:
    """What to build evidence from, where to work, and an optional subset.

    ``spx_files`` / ``spy_days``: only the first N Barchart files / 0DTE session files (None: all).
    """

    history: Path
    prices: Path
    work: Path
    spx_files: int | None = None
    spy_days: int | None = None
    params: EngineParams = field(default_factory=EngineParams)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEvidence:
    """One history's ingest report, its run's evaluation, and what the run lacked."""

    underlying: str
    ingest: IngestReport
    evaluation: Evaluation
    absent: tuple[str, ...]
    replay_seconds: float
    n_snapshots: int
    sessions: tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Both histories' evidence, the bar import lines and the inputs' identity."""

    spx: HistoryEvidence
    spy: HistoryEvidence
    prices: tuple[str, ...]
    data_digest: str
    fingerprint: str
    version: str
    spec: EvidenceSpec


def data_digest(history: Path, prices: Path) -> str:
    """Return a digest of every input file (relative name and bytes) the evidence reads."""
    files = [
        *sorted((history / BARCHART_DIR).glob("*.json*")),
        *(p for d in ZERODTE_DIRS for p in sorted((history / d).glob("SPY_*.csv*"))),
        *(prices / name for name, _, _ in PRICE_FILES),
    ]
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def complete_run(run_dir: Path) -> tuple[str, ...]:
    """Write an empty, schema-true frame for each required run file the replay did not write.

    Returns the names written (the parts of the evidence that are not yet available).
    """
    written = []
    for name in REQUIRED_FILES:
        path = run_dir / name
        if path.exists() or name not in RUN_SCHEMAS:
            continue
        pl.DataFrame(schema=RUN_SCHEMAS[name]).write_parquet(path)
        written.append(name)
    return tuple(written)


def build_evidence(spec: EvidenceSpec) -> Evidence:
    """Ingest, replay and evaluate both histories (see the module docstring)."""
    store = spec.work / "store"
    price_store = spec.work / "prices"
    if store.exists() and any(store.iterdir()):
        raise FileExistsError(
            f"{store} already holds snapshots: give a fresh work folder (the replay reads every "
            "snapshot in the store, so an earlier subset would mix in)"
        )
    lines = tuple(import_prices(spec.prices, price_store, PRICE_FILES))
    spx_report = ingest_barchart(spec.history / BARCHART_DIR, store, limit=spec.spx_files)
    spy_report = ingest_zerodte(
        [spec.history / d for d in ZERODTE_DIRS], store, limit=spec.spy_days
    )
    spx = _replayed("SPX", spx_report, spec, store, price_store)
    spy = _replayed("SPY", spy_report, spec, store, price_store)
    return Evidence(
        spx=spx,
        spy=spy,
        prices=lines,
        data_digest=data_digest(spec.history, spec.prices),
        fingerprint=spec.params.fingerprint(),
        version=importlib.metadata.version("eots"),
        spec=spec,
    )


def _replayed(
    underlying: str, report: IngestReport, spec: EvidenceSpec, store: Path, prices: Path
) -> HistoryEvidence:
    out = spec.work / f"run_{underlying.lower()}"
    start = time.perf_counter()
    result = replay(ReplaySpec(store=store, underlying=underlying, prices=prices), spec.params, out)
    seconds = time.perf_counter() - start
    absent = complete_run(out)
    evaluation = evaluate_run(out)
    stored = report.rows.filter(pl.col("outcome") != "refused").get_column("session").sort()
    return HistoryEvidence(
        underlying=underlying,
        ingest=report,
        evaluation=evaluation,
        absent=absent,
        replay_seconds=seconds,
        n_snapshots=result.analysed,
        sessions=(str(stored[0]), str(stored[-1])) if stored.len() else ("", ""),
    )
