"""``eots replay``: stored snapshots through the engine, with a progress bar, into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

StoreOpt = Annotated[Path, typer.Option("--store", help="Snapshot store to replay.")]
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
    Path | None, typer.Option("--prices", help="Price store (bars for ATR and the evaluation).")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", envvar="EOTS_CONFIG", help="JSON config (eots config show)."),
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
    if not store.is_dir():
        raise typer.BadParameter(f"{store} is not a folder (expected a snapshot store)")
    symbol = underlying.upper() if underlying else _only_underlying(SnapshotStore(store))
    params = engine_params(config)
    first, last = _parse_as_of(start), _parse_as_of(end)
    folder = out or Path("runs") / f"{symbol}-{_stamp(first)}"
    if prices is None and (store / "_prices").is_dir():
        prices = store / "_prices"  # where `eots synth` writes the bars
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

            result = replay(spec, params, folder, progress=tick, resume=resume)
        typer.echo(
            f"replayed {result.analysed} snapshots of {symbol} ({result.skipped} skipped, "
            f"{result.manifest['ideas']} ideas) into {result.out}; config {params.fingerprint()}"
        )
        if report:
            from eots.cli.report_cmd import evaluate_and_report

            typer.echo(f"wrote {evaluate_and_report(result.out)}")
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e


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
