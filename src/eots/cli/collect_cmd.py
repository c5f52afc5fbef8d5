"""``eots collect``: poll live chains on a schedule into the snapshot store."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.engine import EngineParams
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


def live_summary(snapshot: ChainSnapshot, store: Path, params: EngineParams) -> str:
    """Analyze a just-stored snapshot with its history; return a one-line summary."""
    import polars as pl

    from eots.cli.history import HistoryInputs, analysis_for

    a = analysis_for(snapshot, params, HistoryInputs(store)).analysis
    zg = a.zero_gamma
    ranked = a.strike_metrics.filter(pl.col("mspi").is_not_nan()).sort(
        pl.col("mspi").abs(), descending=True
    )
    top = ranked.row(0, named=True) if ranked.height else None
    parts = [
        f"spot {snapshot.spot:,.2f}",
        f"net GEX {a.totals.net_gex / 1e9:+.2f}bn/1%",
        f"zero gamma {zg.nearest:,.2f}" if zg.nearest is not None else "no zero gamma in band",
        f"CW {a.walls.call_wall_strike:g}" if a.walls.call_wall_strike else "no CW",
        f"PW {a.walls.put_wall_strike:g}" if a.walls.put_wall_strike else "no PW",
    ]
    if top is not None:
        parts.append(f"top MSPI {top['strike']:g} ({top['mspi']:+.2f})")
    return ", ".join(parts)


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
    analyze: Annotated[
        bool,
        typer.Option(
            "--analyze",
            help="Analyze each saved snapshot with its stored history and print a summary line "
            "(net GEX, zero gamma, walls, top MSPI strike); its levels are saved for the next.",
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="EOTS_CONFIG", help="JSON config for --analyze."),
    ] = None,
) -> None:
    """Poll live option chains every N seconds during the session and store each snapshot."""
    from rich.console import Console
    from rich.markup import escape

    from eots.cli.main import _params
    from eots.collect import CollectEvent, EventKind, collect
    from eots.core.clock import LiveClock
    from eots.core.errors import EotsError
    from eots.core.time import ET
    from eots.engine import EngineParams
    from eots.storage import SnapshotStore

    params = EngineParams(analysis=_params(config, None, None, None))
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
            if analyze and event.snapshot is not None:
                console.print(escape(f"{at}{who} {live_summary(event.snapshot, store, params)}"))
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
