"""``eots ingest`` and ``eots store``: fill and inspect the snapshot store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from eots.storage import SnapshotStore

StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store", envvar="EOTS_STORE", help="Snapshot store folder (created if missing)."
    ),
]
DEFAULT_STORE = Path("eots_store")


def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Chain files or folders (recursive).")],
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Import saved chain files into the store, skipping duplicates; report what was refused.

    Exits 1 when every file was refused, 2 when a path does not exist.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from eots.cli.console import output_console
    from eots.storage import IngestEvent, SnapshotStore, ingest

    missing = [p for p in paths if not p.exists()]
    if missing:
        typer.echo(f"error: no such file or folder: {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(code=2)
    console = Console(stderr=True)
    target = SnapshotStore(store)
    with Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_progress(event: IngestEvent) -> None:
            progress.update(
                task,
                total=event.total,
                completed=event.done,
                description=f"{event.path.name}: {event.outcome.value}",
            )

        summary = ingest(paths, target, on_progress=on_progress)
    out = output_console()
    out.print(
        f"{summary.files} files: {len(summary.stored)} stored, "
        f"{len(summary.duplicates)} duplicates, {len(summary.refused)} refused  (store: {store})"
    )
    for r in summary.conflicts:
        out.print(
            escape(f"  note: {r.path.name} differs from another snapshot quoted at the same time")
        )
    for refusal in summary.refused:
        out.print(escape(f"  refused {refusal.path}: {refusal.reason}"))
    if summary.refused and not (summary.stored or summary.duplicates):
        raise typer.Exit(code=1)  # every file refused: nothing usable came in


def store_list_cmd(
    underlying: Annotated[
        str | None, typer.Argument(help="Underlying symbol, e.g. SPX (none: a summary).")
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """List the stored snapshots of an underlying, or summarise every underlying."""
    from rich.table import Table

    from eots.cli.console import output_console
    from eots.core.time import ET
    from eots.storage import SnapshotStore

    snapshots = SnapshotStore(store)
    if underlying is None:
        _summary(snapshots, store)
        return
    refs = snapshots.list(underlying.upper())
    if not refs:
        typer.echo(f"no snapshots of {underlying.upper()} in {store}")
        raise typer.Exit(code=1)
    table = Table(title=f"{underlying.upper()} snapshots in {store}")
    for col in ("session", "quote time (ET)", "captured (ET)", "content"):
        table.add_column(col, no_wrap=True)
    for ref in refs:
        table.add_row(
            ref.session.isoformat(),
            ref.ts_event.astimezone(ET).strftime("%Y-%m-%d %H:%M"),
            ref.ts_recv.astimezone(ET).strftime("%Y-%m-%d %H:%M"),
            ref.content_hash[:12],
        )
    output_console().print(table)


def _summary(snapshots: SnapshotStore, store: Path) -> None:
    from rich.table import Table

    from eots.cli.console import output_console

    symbols = snapshots.underlyings()
    if not symbols:
        typer.echo(f"no snapshots in {store}")
        raise typer.Exit(code=1)
    table = Table(title=f"snapshots in {store}")
    for col in ("underlying", "snapshots", "sessions", "first", "last"):
        table.add_column(col, no_wrap=True)
    for symbol in symbols:
        refs = snapshots.list(symbol)
        sessions = {r.session for r in refs}
        table.add_row(
            symbol,
            str(len(refs)),
            str(len(sessions)),
            min(sessions).isoformat() if sessions else "-",
            max(sessions).isoformat() if sessions else "-",
        )
    output_console().print(table)


def _existing_store(store: Path) -> None:
    if not store.exists():
        typer.echo(f"error: no store at {store} (no such folder)", err=True)
        raise typer.Exit(code=2)
    if not store.is_dir():
        typer.echo(f"error: {store} is a file, expected a store folder", err=True)
        raise typer.Exit(code=2)


def store_verify_cmd(
    store: StoreOpt = DEFAULT_STORE,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="First remove temp files left by dead writers (eots store repair)."
        ),
    ] = False,
) -> None:
    """Check every stored file (schema, metadata, content hash); exit 1 if any is corrupt."""
    from eots.storage import SnapshotStore

    _existing_store(store)
    snapshots = SnapshotStore(store)
    if repair:
        _report_repair(snapshots)
    problems = snapshots.verify()
    if not problems:
        n = sum(len(snapshots.list(u)) for u in snapshots.underlyings())
        typer.echo(f"{store}: every snapshot verified ({n} files)")
        return
    for p in problems:
        typer.echo(f"{p.path}: {p.message}")
    raise typer.Exit(code=1)


def store_repair_cmd(store: StoreOpt = DEFAULT_STORE) -> None:
    """Remove what dead writers left (temp files of interrupted saves) and list it."""
    from eots.storage import SnapshotStore

    _existing_store(store)
    _report_repair(SnapshotStore(store))


def _report_repair(snapshots: SnapshotStore) -> None:
    report = snapshots.repair()
    for path in report.removed:
        typer.echo(f"removed {path} (temp file of an interrupted write)")
    for path in report.in_use:
        typer.echo(f"kept {path} (its writer is still running)")
    typer.echo(
        f"{snapshots.root}: {len(report.removed)} temp files removed, {len(report.in_use)} in use"
    )
