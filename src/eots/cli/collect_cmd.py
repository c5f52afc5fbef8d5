"""``eots collect``: poll live chains on a schedule into the snapshot store."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt

if TYPE_CHECKING:
    from eots.sources.base import ChainSource


def _source(name: str, recorded: Path | None, max_expiries: int | None) -> ChainSource:
    import httpx

    from eots.core.errors import ConfigError
    from eots.sources import CboeLiveSource, RecordedTransport, TradierSource

    transport: httpx.BaseTransport | None = (
        RecordedTransport(recorded) if recorded is not None else None
    )
    if name == "cboe":
        return CboeLiveSource(transport=transport)
    if name == "tradier":
        if recorded is not None:
            return TradierSource("recorded", transport=transport, max_expiries=max_expiries)
        return TradierSource.from_env(max_expiries=max_expiries)
    raise ConfigError(f"expected --source cboe or tradier, was {name!r}")


def collect_cmd(
    underlyings: Annotated[list[str], typer.Argument(help="Symbols to poll, e.g. SPX SPY.")],
    source: Annotated[
        str, typer.Option(help="cboe (free, delayed) | tradier (TRADIER_TOKEN).")
    ] = "cboe",
    every: Annotated[float, typer.Option(help="Seconds between rounds.", min=1.0)] = 60.0,
    store: StoreOpt = DEFAULT_STORE,
    outside_hours: Annotated[
        bool, typer.Option(help="Also poll before the open and after the close.")
    ] = False,
    always: Annotated[
        bool, typer.Option("--always", help="Ignore the calendar: poll at any time.")
    ] = False,
    max_polls: Annotated[int | None, typer.Option(help="Stop after this many rounds.")] = None,
    max_expiries: Annotated[
        int | None, typer.Option(help="Tradier: fetch only the nearest N expiries.")
    ] = None,
    recorded: Annotated[
        Path | None, typer.Option(help="Replay recorded responses from this folder (offline).")
    ] = None,
) -> None:
    """Poll live option chains every N seconds during the session and store each snapshot."""
    from rich.console import Console
    from rich.markup import escape

    from eots.collect import CollectEvent, EventKind, collect
    from eots.core.clock import LiveClock
    from eots.core.errors import EotsError
    from eots.core.time import ET
    from eots.storage import SnapshotStore

    console = Console()
    try:
        chain_source = _source(source, recorded, max_expiries)
    except EotsError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    stop = threading.Event()

    def on_event(event: CollectEvent) -> None:
        at = event.at.astimezone(ET).strftime("%H:%M:%S")
        who = f" {event.underlying}" if event.underlying else ""
        if event.kind is EventKind.SAVED:
            where = event.path.parent.name if event.path is not None else ""
            console.print(f"{at} [green]saved[/green]{who} ({where})")
        elif event.kind is EventKind.FAILED:
            console.print(f"{at} [red]failed[/red]{who}: {escape(event.message)}")
        elif event.kind is EventKind.WAITING and event.resume_at is not None:
            until = event.resume_at.astimezone(ET).strftime("%Y-%m-%d %H:%M %Z")
            console.print(escape(f"{at} waiting until {until} {event.message}"))
        elif event.kind is EventKind.DUPLICATE:
            console.print(f"{at} unchanged{who}")

    console.print(
        f"collecting {', '.join(u.upper() for u in underlyings)} from {source} every {every:g}s "
        f"into {store} (Ctrl-C stops cleanly)"
    )
    summary = collect(
        chain_source,
        SnapshotStore(store),
        [u.upper() for u in underlyings],
        every=dt.timedelta(seconds=every),
        clock=LiveClock(),
        sleep=stop.wait,
        calendar_aware=not always,
        outside_hours=outside_hours,
        max_polls=max_polls,
        on_event=on_event,
        stop=stop,
    )
    console.print(
        f"stopped ({summary.stopped_by.value}) after {summary.polls} rounds: "
        f"{summary.saved} saved, {summary.duplicates} unchanged, {summary.failures} failed"
        + (f"; last error: {summary.last_error}" if summary.last_error else "")
    )
