"""The evaluation of one replay: every table, its notes, and where it is saved.

``evaluate_run(run)`` reads a run directory (or takes ``RunFrames``), checks that its decisions
are consistent in time (walk-forward: levels and signals carry their snapshot's time, outcomes
exit after they enter, pins settle after they are claimed, the manifest lists exactly the
snapshots present) and scores them (``levels``, ``signals``, ``ideas``, ``learning``). Nothing is
re-decided: the decisions are read as the replay recorded them, with the parameters in force at
the time, so nothing is scored with parameters learned after its decision time.
``write_evaluation`` saves ``evaluation.json`` and ``evaluation_<table>.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from eots.core.errors import SchemaError
from eots.evaluation.ideas import equity_curves, idea_performance
from eots.evaluation.io import RunFrames, read_run, records, write_json
from eots.evaluation.learning import flow_accuracy_summary, weight_paths
from eots.evaluation.levels import level_hold_rates, volatility_by_gamma_side
from eots.evaluation.params import EvaluationParams
from eots.evaluation.paths import bar_table
from eots.evaluation.signals import signal_hit_rates

#: Tables of an ``Evaluation`` (attribute -> file stem).
TABLES = ("levels", "gamma_vol", "signals", "ideas", "equity", "weights", "flow")


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """Everything measured over one run (each frame's schema in its module).

    Attributes
    ----------
    manifest
        The run's manifest (fingerprint, underlying, span, snapshots).
    params
        The evaluation's parameters.
    levels, gamma_vol
        ``levels.LEVEL_EVALUATION_SCHEMA`` and ``levels.GAMMA_VOL_SCHEMA``.
    signals
        ``signals.SIGNAL_EVALUATION_SCHEMA``.
    ideas, equity
        ``ideas.IDEA_EVALUATION_SCHEMA`` and ``ideas.EQUITY_SCHEMA``.
    weights, flow
        ``learning.WEIGHT_PATHS_SCHEMA`` and ``learning.FLOW_SUMMARY_SCHEMA`` (``flow`` None:
        the run measured no flow accuracy).
    notes
        Small samples, missing inputs and unscorable decisions, in words.
    """

    manifest: dict[str, Any]
    params: EvaluationParams
    levels: pl.DataFrame
    gamma_vol: pl.DataFrame
    signals: pl.DataFrame
    ideas: pl.DataFrame
    equity: pl.DataFrame
    weights: pl.DataFrame
    flow: pl.DataFrame | None
    notes: tuple[str, ...]

    def to_document(self) -> dict[str, Any]:
        """Return the JSON document of ``evaluation.json``."""
        m = self.manifest
        return {
            "run": {
                k: m.get(k)
                for k in (
                    "version",
                    "config_fingerprint",
                    "underlying",
                    "from",
                    "to",
                    "n_snapshots",
                )
            },
            "params": self.params.model_dump(),
            "notes": list(self.notes),
            **{
                name: (None if getattr(self, name) is None else records(getattr(self, name)))
                for name in TABLES
            },
        }


def check_walk_forward(run: RunFrames) -> None:
    """Raise ``SchemaError`` when the run's decisions are inconsistent in time.

    The snapshots must be exactly the manifest's, with unique ids; every level and signal must
    carry its snapshot's ``ts_event`` (checked where they are scored); outcomes must exit at or
    after their entry (``ideas.check_outcomes``); weight updates must fall within the run.
    """
    ids = run.snapshots.get_column("snapshot_id")
    if ids.is_duplicated().any():
        dup = ids.filter(ids.is_duplicated())[0]
        raise SchemaError(f"duplicate snapshot {dup!r}", source="snapshots.parquet")
    listed = set(run.manifest["snapshot_ids"])
    present = set(ids.to_list())
    if listed != present:
        extra = sorted(present - listed)[:3]
        missing = sorted(listed - present)[:3]
        raise SchemaError(
            f"snapshots differ from the manifest (not listed: {extra}, absent: {missing})",
            source="snapshots.parquet",
            field="snapshot_id",
        )
    if run.weights.height and run.snapshots.height:
        last = run.snapshots.get_column("ts_event").max()
        late = run.weights.filter(pl.col("ts_event") > last)
        if late.height:
            r = late.row(0, named=True)
            raise SchemaError(
                f"weight {r['name']!r} updated at {r['ts_event']}, after the run's last "
                f"snapshot {last!s}",
                source="weights.parquet",
                field="ts_event",
            )


def _notes(
    ev_levels: pl.DataFrame, ev_signals: pl.DataFrame, run: RunFrames, params: EvaluationParams
) -> tuple[str, ...]:
    small = params.small_sample_n
    notes = ["no bars: nothing could be scored"] if run.bars.height == 0 else []
    notes += _sample_notes("levels", ev_levels, small)
    notes += _sample_notes("signals", ev_signals, small)
    notes += _run_notes(run, small)
    notes.append(
        "signals and levels repeat across consecutive snapshots over overlapping windows: "
        "their effective sample is smaller than n"
    )
    return tuple(notes)


def _sample_notes(kind: str, evaluated: pl.DataFrame, small: int) -> list[str]:
    """List the small cells and unscored items of the ``levels`` or ``signals`` evaluation."""
    notes = []
    k = evaluated.filter(pl.col("small_sample"))
    if k.height and kind == "levels":
        notes.append(
            f"levels: {k.height} of {evaluated.height} kinds have fewer than {small} tested "
            "levels; their rates are not yet informative"
        )
    elif k.height:
        notes.append(
            f"signals: {k.height} of {evaluated.height} cells have fewer than {small} scored "
            "signals"
        )
    unscored = int(evaluated.get_column("n_unscored").sum()) if evaluated.height else 0
    if unscored and kind == "levels":
        notes.append(f"levels: {unscored} unscored (no bar after them, or no ATR and no IV)")
    elif unscored:
        notes.append(f"signals: {unscored} unscorable (the bars do not reach their horizon)")
    return notes


def _run_notes(run: RunFrames, small: int) -> list[str]:
    """List what the run lacks: closed ideas, the baseline, weight updates, a trade feed."""
    notes = []
    n = run.outcomes.height
    if n == 0:
        notes.append("ideas: no closed ideas in this run")
    elif n < small:
        notes.append(f"ideas: only {n} closed ideas; win rate and R are not yet informative")
    if run.baseline_outcomes.height == 0:
        notes.append("ideas: no random-entry baseline in this run")
    if run.weights.height == 0:
        notes.append("learning: no weight updates logged")
    if run.flow_accuracy is None:
        notes.append("flow: no trade feed, inferred flow's accuracy not measured")
    return notes


def evaluate_run(run: Path | str | RunFrames, params: EvaluationParams | None = None) -> Evaluation:
    """Score one replay's levels, signals, ideas and learning (``docs/evaluation.md``).

    Parameters
    ----------
    run
        A run directory, or its frames (validated here).
    params
        Thresholds and baseline settings (defaults when None).

    Raises
    ------
    SchemaError
        A missing or malformed file, or decisions inconsistent in time (``check_walk_forward``).
    """
    params = params or EvaluationParams()
    frames = read_run(run) if isinstance(run, Path | str) else run.validated()
    check_walk_forward(frames)
    bars = bar_table(frames.bars)
    ev_levels = level_hold_rates(frames.levels, frames.snapshots, bars, params)
    gamma_vol = volatility_by_gamma_side(frames.snapshots, bars, params)
    ev_signals = signal_hit_rates(frames.signals, frames.snapshots, bars, params)
    ev_ideas = idea_performance(frames.outcomes, frames.baseline_outcomes, params)
    flow = None if frames.flow_accuracy is None else flow_accuracy_summary(frames.flow_accuracy)
    return Evaluation(
        manifest=frames.manifest,
        params=params,
        levels=ev_levels,
        gamma_vol=gamma_vol,
        signals=ev_signals,
        ideas=ev_ideas,
        equity=equity_curves(frames.outcomes, frames.baseline_outcomes),
        weights=weight_paths(frames.weights),
        flow=flow,
        notes=_notes(ev_levels, ev_signals, frames, params),
    )


def write_evaluation(run_dir: Path | str, ev: Evaluation) -> list[Path]:
    """Write ``evaluation.json`` and ``evaluation_<table>.parquet`` into ``run_dir``.

    Returns
    -------
    list[Path]
        The files written (the JSON first).
    """
    root = Path(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    written = [write_json(root / "evaluation.json", ev.to_document())]
    for name in TABLES:
        frame = getattr(ev, name)
        if frame is None:
            continue
        path = root / f"evaluation_{name}.parquet"
        frame.write_parquet(path)
        written.append(path)
    return written


__all__ = ["TABLES", "Evaluation", "check_walk_forward", "evaluate_run", "write_evaluation"]
