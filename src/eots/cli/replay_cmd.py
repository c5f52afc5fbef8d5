"""``eots replay``: stored snapshots through the engine, with a progress bar, into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from eots.engine import EngineParams
    from eots.replay import ReplayResult, ReplaySpec

StoreOpt = Annotated[
    str,
    typer.Option("--store", help="Snapshot store to replay: a folder or an fsspec URL (s3://...)."),
]
UnderlyingOpt = Annotated[
    str | None,
    typer.Option("--underlying", "-u", help="Underlying (default: the store's only one)."),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="First quote time (ISO 8601, ET without offset).")
]
ToOpt = Annotated[
    str | None, typer.Option("--to", help="Last quote time (ISO 8601; a date = its close).")
]
RunOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Run folder [default: runs/<underlying>-<first>].")
]
PricesOpt = Annotated[
    str | None,
    typer.Option("--prices", help="Price store (bars for ATR and the evaluation): folder or URL."),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", envvar="EOTS_CONFIG", help="JSON config (eots config show)."),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Run on Dask: local:N (N worker processes) or a scheduler address (tcp://host:8786); "
        "one task per session, under the session-boundary rule (docs/scaling.md).",
    ),
]
SessionsOpt = Annotated[
    bool,
    typer.Option(
        "--session-boundaries",
        help="Start every session from the state rebuilt from the store (the rule --cluster "
        "follows), so a local run reproduces a distributed one.",
    ),
]


def replay_cmd(
    store: StoreOpt,
    underlying: UnderlyingOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    out: RunOutOpt = None,
    prices: PricesOpt = None,
    config: ConfigOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a run folder whose replay was killed.")
    ] = False,
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="End with the evaluation and the HTML report."),
    ] = True,
    cluster: ClusterOpt = None,
    session_boundaries: SessionsOpt = False,
) -> None:
    """Replay stored snapshots in capture order through the engine.

    Metrics, levels, signals, ideas, the lifecycle and learning go into a run folder; the
    evaluation and report end it.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from eots.cli.main import _parse_as_of, engine_params
    from eots.core.errors import EotsError
    from eots.replay import ReplaySpec, replay
    from eots.storage import SnapshotStore

    console = Console(stderr=True)
    if cluster is not None:
        from eots.replay.distributed import parse_cluster

        try:
            parse_cluster(cluster)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--cluster") from e
    try:
        snapshots = SnapshotStore.open(store)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--store") from e
    if snapshots.fs is None and not snapshots.root.is_dir():
        raise typer.BadParameter(f"{store} is not a folder (expected a snapshot store)")
    symbol = underlying.upper() if underlying else _only_underlying(snapshots)
    params = engine_params(config)
    first, last = _parse_as_of(start), _parse_as_of(end)
    folder = out or Path("runs") / f"{symbol}-{_stamp(first)}"
    if prices is None and snapshots.fs is None and (snapshots.root / "_prices").is_dir():
        prices = str(snapshots.root / "_prices")  # where `eots synth` writes the bars
    spec = ReplaySpec(store=store, underlying=symbol, start=first, end=last, prices=prices)
    columns = (
        TextColumn("replay {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(symbol, total=None, rate="")

            def tick(done: int, total: int, _item: object) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                rate = f"{done / elapsed:.2f} snap/s" if elapsed > 0 else ""
                bar.update(task, completed=done, total=total, rate=rate)

            if cluster is None:
                result = replay(
                    spec,
                    params,
                    folder,
                    progress=tick,
                    resume=resume,
                    session_boundaries=session_boundaries,
                )
            else:
                result = _on_cluster(cluster, spec, params, folder, bar, task)
        typer.echo(
            f"replayed {result.analysed} snapshots of {symbol} ({result.skipped} skipped, "
            f"{result.manifest.get('ideas', 0)} ideas) into {result.out}; config "
            f"{params.fingerprint()}"
        )
        if report:
            from eots.cli.report_cmd import evaluate_and_report

            typer.echo(f"wrote {evaluate_and_report(result.out)}")
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e


def _on_cluster(
    cluster: str,
    spec: ReplaySpec,
    params: EngineParams,
    folder: Path,
    bar: Progress,
    task: TaskID,
) -> ReplayResult:
    """Run the replay on Dask, the progress bar counting sessions."""
    from eots.replay.distributed import connect, replay_distributed

    def tick(done: int, total: int, _session: object) -> None:
        elapsed = bar.tasks[0].elapsed or 0.0
        rate = f"{done / elapsed:.2f} sessions/s" if elapsed > 0 else ""
        bar.update(task, completed=done, total=total, rate=rate)

    with connect(cluster) as client:
        return replay_distributed(spec, params, folder, client, progress=tick)


def _only_underlying(store: object) -> str:
    from eots.storage import SnapshotStore

    assert isinstance(store, SnapshotStore)
    names = store.underlyings()
    if len(names) != 1:
        raise typer.BadParameter(
            f"the store holds {', '.join(names) or 'no underlyings'}: choose one with --underlying"
        )
    return names[0]


def _stamp(t: object) -> str:
    import datetime as dt

    return t.strftime("%Y%m%dT%H%M") if isinstance(t, dt.datetime) else "all"
