"""Parameter sweeps: several configs replayed over the same history, ranked, with a held-out check.

``sweep(spec, configs, out, client)`` replays every config under the session-boundary rule
(``eots.replay.sessions``): on a Dask cluster every session of every config is submitted before
any is gathered, so configs run side by side; without a client they run one after another on
this process, with identical results. Each run folder is ``out/<config name>``.

**The figure.** ``level_edge``: the pooled hold rate of every scored level (``held / tested``
summed over the level kinds of ``eots.evaluation.levels``, 95 % Wilson interval) minus the pooled
hold rate of the random levels at the same distances (the evaluation's baseline), with the exact
binomial p-value of the held count against that baseline rate. ``idea_edge`` (when every run has
closed ideas): the mean P&L per idea at bid/ask minus the random-entry baseline's, with its t
interval and the evaluation's Welch p-value on R. ``metric="auto"`` picks ``idea_edge`` when
ideas are present, else ``level_edge``.

**Multiple testing.** The best of K configs on the same data is optimistic: its edge is partly
the luck of being the maximum of K noisy figures. Two corrections are reported:

* a *held-out period*: the sessions are split in time (``holdout_fraction`` of the last sessions
  held out); configs are ranked on the selection period only, and the chosen config's figure on
  the held-out period, which played no part in choosing it, is the honest estimate;
* adjusted p-values across the K configs on the selection period: Bonferroni
  (``min(1, K p)``) and Benjamini-Hochberg ``q``.

The selection period's scores use bars after its last session (a decision's outcome can only
be known later); no decision of the held-out period is used to rank.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from eots.core.errors import ReplayError, SchemaError
from eots.engine import EngineParams
from eots.evaluation import (
    EvaluationParams,
    RunFrames,
    benjamini_hochberg,
    binomial_p,
    evaluate_run,
    wilson,
)
from eots.evaluation.schemas import RUN_SCHEMAS
from eots.replay.runner import ReplayResult, ReplaySpec, replay

if TYPE_CHECKING:
    from distributed import Client

Metric = Literal["auto", "level_edge", "idea_edge"]
PERIODS = ("selection", "held_out", "all")

#: One row per config and period.
SWEEP_SCHEMA = pl.Schema(
    {
        "config": pl.String(),
        "fingerprint": pl.String(),
        "period": pl.String(),  # selection | held_out | all
        "first_session": pl.Date(),
        "last_session": pl.Date(),
        "metric": pl.String(),  # level_edge | idea_edge
        "n": pl.Int64(),  # tested levels | closed ideas
        "value": pl.Float64(),  # hold rate | $ per idea
        "low": pl.Float64(),  # 95 % interval of value
        "high": pl.Float64(),
        "baseline": pl.Float64(),  # random levels' hold rate | random entries' $ per idea
        "edge": pl.Float64(),  # value - baseline
        "p_value": pl.Float64(),
        "p_bonferroni": pl.Float64(),  # selection period only: min(1, K p)
        "q_value": pl.Float64(),  # selection period only: Benjamini-Hochberg across configs
        "rank": pl.Int64(),  # by selection-period edge, 1 = best
    }
)

_SCORE_COLUMNS = pl.Schema(
    {k: v for k, v in SWEEP_SCHEMA.items() if k not in ("p_bonferroni", "q_value", "rank")}
)
_FILES = {
    "snapshots": "snapshots.parquet",
    "levels": "levels.parquet",
    "signals": "signals.parquet",
    "bars": "bars.parquet",
    "outcomes": "outcomes.parquet",
    "baseline_outcomes": "baseline_outcomes.parquet",
    "weights": "weights.parquet",
    "flow_accuracy": "flow_accuracy.parquet",
    "by_strike": "by_strike.parquet",
}
_OPTIONAL_NONE = frozenset({"flow_accuracy", "by_strike"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepConfig:
    """One config of a sweep: a name (its run folder) and the engine parameters."""

    name: str
    params: EngineParams


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """One config's figure over one period (``SWEEP_SCHEMA`` columns)."""

    metric: str
    n: int
    value: float
    low: float
    high: float
    baseline: float
    p_value: float

    @property
    def edge(self) -> float:
        """``value - baseline`` (NaN when either is unknown)."""
        return self.value - self.baseline


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """A finished sweep: the table, the chosen config, the split and the caveats."""

    table: pl.DataFrame
    best: str
    metric: str
    first_held_out: dt.date | None
    notes: tuple[str, ...]
    runs: dict[str, ReplayResult]


def read_replay(out: Path) -> RunFrames:
    """Read a replay's run folder for the evaluation.

    Files the replay did not write (signals,
    outcomes, ... before those stages run) read as empty frames of their schemas.

    Raises
    ------
    SchemaError
        If the manifest is missing or a present file does not follow its schema.
    """
    path = out / "manifest.json"
    if not path.is_file():
        raise SchemaError("required file is missing", source=str(path))
    kw: dict[str, Any] = {"manifest": json.loads(path.read_text(encoding="utf-8"))}
    for attr, file in _FILES.items():
        if (out / file).is_file():
            kw[attr] = pl.read_parquet(out / file)
        elif attr not in _OPTIONAL_NONE:
            kw[attr] = pl.DataFrame(schema=RUN_SCHEMAS[file])
    return RunFrames(**kw).validated()


def period_frames(run: RunFrames, sessions: Sequence[dt.date]) -> RunFrames:
    """Return the run restricted to the decisions of ``sessions`` (bars kept whole)."""
    days = pl.Series(sorted(set(sessions)), dtype=pl.Date)
    snaps = run.snapshots.filter(pl.col("session").is_in(days.implode()))
    ids = snaps.get_column("snapshot_id")
    lo = snaps.get_column("ts_event").min() if snaps.height else None
    hi = snaps.get_column("ts_event").max() if snaps.height else None

    def by_id(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("snapshot_id").is_in(ids.implode()))

    def by_time(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        if lo is None or hi is None:
            return frame.clear()
        return frame.filter(pl.col(column).is_between(lo, hi))

    kept = set(ids.to_list())
    manifest = dict(run.manifest)
    manifest["snapshot_ids"] = [i for i in run.manifest["snapshot_ids"] if i in kept]
    manifest["n_snapshots"] = len(manifest["snapshot_ids"])
    return replace(
        run,
        manifest=manifest,
        snapshots=snaps,
        levels=by_id(run.levels),
        signals=by_id(run.signals),
        by_strike=None if run.by_strike is None else by_id(run.by_strike),
        outcomes=by_time(run.outcomes, "ts_entry"),
        baseline_outcomes=by_time(run.baseline_outcomes, "ts_entry"),
        weights=by_time(run.weights, "ts_event"),
        flow_accuracy=(
            None if run.flow_accuracy is None else by_time(run.flow_accuracy, "ts_event")
        ),
    )


def score(run: RunFrames, metric: str, params: EvaluationParams | None = None) -> Score:
    """Return ``run``'s figure (module docstring) with its n, interval, baseline and p-value."""
    ev = evaluate_run(run, params)
    if metric == "level_edge":
        t = ev.levels
        k = int(t.get_column("n_held").sum()) if t.height else 0
        n = int(t.get_column("hold_n").sum()) if t.height else 0
        bn = t.get_column("baseline_n").to_numpy() if t.height else np.zeros(0)
        br = t.get_column("baseline_rate").to_numpy() if t.height else np.zeros(0)
        ok = (bn > 0) & np.isfinite(br)
        base = float((br[ok] * bn[ok]).sum() / bn[ok].sum()) if ok.any() else math.nan
        p = wilson(k, n)
        return Score(
            metric=metric,
            n=n,
            value=p.rate,
            low=p.low,
            high=p.high,
            baseline=base,
            p_value=binomial_p(k, n, base) if math.isfinite(base) else math.nan,
        )
    if metric == "idea_edge":
        rows = ev.ideas.filter(pl.col("dimension") == "all")
        mine = rows.filter(pl.col("source") == "ideas")
        theirs = rows.filter(pl.col("source") == "baseline")
        if mine.height == 0:
            return Score(
                metric=metric,
                n=0,
                value=math.nan,
                low=math.nan,
                high=math.nan,
                baseline=math.nan,
                p_value=math.nan,
            )
        r = mine.row(0, named=True)
        base = float(theirs.item(0, "expectancy_usd")) if theirs.height else math.nan
        return Score(
            metric=metric,
            n=int(r["n"]),
            value=float(r["expectancy_usd"]),
            low=float(r["expectancy_low"]),
            high=float(r["expectancy_high"]),
            baseline=base,
            p_value=float(r["p_r_vs_baseline"]),
        )
    raise ValueError(f"expected metric level_edge or idea_edge, was {metric!r}")


def split_sessions(
    sessions: Sequence[dt.date], holdout_fraction: float
) -> tuple[tuple[dt.date, ...], tuple[dt.date, ...]]:
    """Split sessions in time: the last ``ceil(fraction * n)`` are held out (none when n < 2).

    Examples
    --------
    >>> d = [dt.date(2024, 3, i) for i in (11, 12, 13, 14, 15)]
    >>> [len(p) for p in split_sessions(d, 0.4)]
    [3, 2]
    >>> [len(p) for p in split_sessions(d[:1], 0.5)]
    [1, 0]
    """
    if not 0.0 < holdout_fraction < 1.0:
        raise ValueError(f"expected 0 < holdout_fraction < 1, was {holdout_fraction}")
    ordered = tuple(sorted(set(sessions)))
    if len(ordered) < 2:
        return ordered, ()
    held = min(len(ordered) - 1, max(1, math.ceil(holdout_fraction * len(ordered))))
    return ordered[:-held], ordered[-held:]


def sweep(  # noqa: PLR0913  (keyword-only options with defaults)
    spec: ReplaySpec,
    configs: Sequence[SweepConfig],
    out: Path,
    client: Client | None = None,
    *,
    holdout_fraction: float = 0.5,
    metric: Metric = "auto",
    evaluation: EvaluationParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Replay every config over ``spec``, score and rank them, write ``out/sweep.*``.

    Raises
    ------
    ReplayError
        With no config, two configs of one name or of identical parameters, or an empty store.
    """
    _check_configs(configs)
    split_fraction = holdout_fraction
    split_sessions((), split_fraction)  # validates the fraction before any work
    runs = _run_all(spec, configs, out, client, progress)
    frames = {c.name: read_replay(runs[c.name].out) for c in configs}
    chosen = _metric(metric, frames)
    days = frames[configs[0].name].snapshots.get_column("session").unique().sort().to_list()
    selection, held_out = split_sessions(days, split_fraction)
    periods = {"selection": selection, "held_out": held_out, "all": tuple(days)}
    rows: list[dict[str, Any]] = []
    for c in configs:
        for period, sessions in periods.items():
            if not sessions:
                continue
            s = score(period_frames(frames[c.name], sessions), chosen, evaluation)
            rows.append(
                {
                    "config": c.name,
                    "fingerprint": c.params.fingerprint(),
                    "period": period,
                    "first_session": sessions[0],
                    "last_session": sessions[-1],
                    "metric": chosen,
                    "n": s.n,
                    "value": s.value,
                    "low": s.low,
                    "high": s.high,
                    "baseline": s.baseline,
                    "edge": s.edge,
                    "p_value": s.p_value,
                }
            )
    table = _rank(pl.DataFrame(rows, schema=_SCORE_COLUMNS), len(configs))
    best = str(table.filter(pl.col("rank") == 1).item(0, "config"))
    notes = _notes(table, best, len(configs), held_out)
    result = SweepResult(
        table=table,
        best=best,
        metric=chosen,
        first_held_out=held_out[0] if held_out else None,
        notes=notes,
        runs=runs,
    )
    _write(out, result)
    return result


def _check_configs(configs: Sequence[SweepConfig]) -> None:
    if not configs:
        raise ReplayError("expected at least one config to sweep")
    names = [c.name for c in configs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ReplayError(f"config names must be unique, {dup[0]!r} is given twice")
    seen: dict[str, str] = {}
    for c in configs:
        fp = c.params.fingerprint()
        if fp in seen:
            raise ReplayError(
                f"configs {seen[fp]!r} and {c.name!r} have identical parameters ({fp})"
            )
        seen[fp] = c.name


def _run_all(
    spec: ReplaySpec,
    configs: Sequence[SweepConfig],
    out: Path,
    client: Client | None,
    progress: Callable[[str], None] | None,
) -> dict[str, ReplayResult]:
    runs: dict[str, ReplayResult] = {}
    if client is None:
        for c in configs:
            runs[c.name] = replay(spec, c.params, out / c.name, session_boundaries=True)
            if progress is not None:
                progress(c.name)
        return runs
    from eots.replay.distributed import collect_replay, submit_replay

    pending = [(c, submit_replay(spec, c.params, client)) for c in configs]
    for c, p in pending:
        runs[c.name] = collect_replay(p, out / c.name)
        if progress is not None:
            progress(c.name)
    return runs


def _metric(metric: Metric, frames: dict[str, RunFrames]) -> str:
    if metric != "auto":
        return metric
    has_ideas = all(f.outcomes.height > 0 for f in frames.values())
    return "idea_edge" if has_ideas else "level_edge"


def _rank(table: pl.DataFrame, k: int) -> pl.DataFrame:
    sel = table.filter(pl.col("period") == "selection")
    p = sel.get_column("p_value").to_numpy()
    q = benjamini_hochberg(p)
    bonf = np.minimum(1.0, p * k)
    edge = sel.get_column("edge").fill_nan(None)
    order = (
        sel.with_columns(_e=edge)
        .with_row_index("_i")
        .sort(["_e", "config"], descending=[True, False], nulls_last=True)
        .get_column("_i")
        .to_list()
    )
    ranks = [0] * sel.height
    for position, i in enumerate(order, start=1):
        ranks[i] = position
    adj = sel.select("config").with_columns(
        p_bonferroni=pl.Series(bonf, dtype=pl.Float64),
        q_value=pl.Series(q, dtype=pl.Float64),
        rank=pl.Series(ranks, dtype=pl.Int64),
        period=pl.lit("selection"),
    )
    joined = table.join(adj, on=["config", "period"], how="left")
    ranked = joined.join(adj.select("config", _r="rank"), on="config", how="left").sort(
        ["_r", "period"], descending=[False, True]
    )
    return ranked.drop("_r").select(SWEEP_SCHEMA.names()).cast(SWEEP_SCHEMA)


def _f(x: float | None, spec: str = ".3f") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, spec)


def _fmt(row: dict[str, Any]) -> str:
    f = _f
    return (
        f"{f(row['value'])} [{f(row['low'])}, {f(row['high'])}] vs baseline {f(row['baseline'])}, "
        f"edge {f(row['edge'])}, n={row['n']}, p={f(row['p_value'])}"
    )


def _notes(
    table: pl.DataFrame, best: str, k: int, held_out: tuple[dt.date, ...]
) -> tuple[str, ...]:
    rows = {r["period"]: r for r in table.filter(pl.col("config") == best).iter_rows(named=True)}
    sel = rows["selection"]
    notes = [
        f"{best!r} ranks first of {k} configs on the selection period "
        f"({sel['first_session']} to {sel['last_session']}): {_fmt(sel)}; "
        f"adjusted for {k} configs: Bonferroni p={_f(sel['p_bonferroni'], '.3g')}, "
        f"BH q={_f(sel['q_value'], '.3g')}",
        "the best of several configs on the same data is optimistic: read its held-out figure, "
        "not its selection figure",
    ]
    if held_out:
        h = rows["held_out"]
        notes.append(
            f"held out ({h['first_session']} to {h['last_session']}, not used to choose): {_fmt(h)}"
        )
    else:
        notes.append("one session only: no held-out period, the selection figure is optimistic")
    if any(n < 30 for n in table.get_column("n").to_list()):
        notes.append("some cells have n < 30: their figures are not yet informative")
    notes.append(
        "levels repeat across consecutive snapshots over overlapping windows: the effective "
        "sample is smaller than n, so p-values are optimistic"
    )
    return tuple(notes)


def _json_value(v: object) -> object:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _write(out: Path, result: SweepResult) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.table.write_parquet(out / "sweep.parquet")
    doc = {
        "best": result.best,
        "metric": result.metric,
        "first_held_out": None if result.first_held_out is None else str(result.first_held_out),
        "notes": list(result.notes),
        "table": [
            {k: _json_value(v) for k, v in r.items()} for r in result.table.iter_rows(named=True)
        ],
    }
    (out / "sweep.json").write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")


__all__ = [
    "PERIODS",
    "SWEEP_SCHEMA",
    "Score",
    "SweepConfig",
    "SweepResult",
    "period_frames",
    "read_replay",
    "score",
    "split_sessions",
    "sweep",
]
