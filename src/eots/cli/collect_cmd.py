"""``eots collect``: poll live chains on a schedule into the snapshot store.

Unattended operation: SIGTERM and SIGINT (handlers installed explicitly, so a collector started
in the background by a script, where SIGINT is ignored, still stops on it) end the loop cleanly
after the fetch in flight and print the summary; a second signal interrupts at once. The exit code
is 0 when something was fetched (or nothing was tried), 1 when every fetch failed, 2 for bad
options. ``--recorded DIR`` replays a recording (ignoring the market calendar, so playback never
waits for a session), ``--record DIR`` writes what a live source answers into a recording.
"""

from __future__ import annotations

import datetime as dt
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt

if TYPE_CHECKING:
    from rich.console import Console

    from eots.chain.snapshot import ChainSnapshot
    from eots.collect import CollectEvent
    from eots.config import EotsConfig
    from eots.engine import EngineParams
    from eots.sources.base import ChainSource

#: Signals that stop ``collect`` cleanly.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _source(
    name: str,
    config: EotsConfig,
    *,
    recorded: Path | None = None,
    record: Path | None = None,
    max_expiries: int | None = None,
) -> ChainSource:
    import httpx

    from eots.core.errors import ConfigError
    from eots.sources import CboeLiveSource, RecordedTransport, RecordingTransport, TradierSource
    from eots.sources.http import network_transport

    transport: httpx.BaseTransport | None = None
    if recorded is not None:
        transport = RecordedTransport(recorded)
    elif record is not None:
        transport = RecordingTransport(network_transport(), record)
    if name == "cboe":
        cboe = config.sources.cboe
        return CboeLiveSource(transport=transport, policy=cboe.policy(), base_url=cboe.base_url)
    if name == "tradier":
        tradier = config.sources.tradier
        options = {
            "transport": transport,
            "policy": tradier.policy(),
            "base_url": tradier.base_url,
            "max_expiries": max_expiries,
        }
        if recorded is not None:
            return TradierSource("recorded", **options)  # type: ignore[arg-type]
        return TradierSource.from_env(**options)
    raise ConfigError(f"expected --source cboe or tradier, was {name!r}")


@contextmanager
def stop_on_signals(stop: threading.Event, on_signal: Callable[[str], None]) -> Iterator[None]:
    """Set ``stop`` on SIGTERM or SIGINT (a second one raises ``KeyboardInterrupt``).

    The previous handlers are restored on exit. Handlers are installed explicitly, so a SIGINT
    that the parent shell set to "ignore" (background jobs of scripts) stops the loop too.

    The handler takes no lock: it runs on the main thread between two bytecodes, possibly while
    that thread holds the event's lock (inside ``stop.wait``) or is writing to the console, so
    ``stop.set()`` there could wait forever and a print could be a reentrant write. It only puts
    the signal's name on a ``queue.SimpleQueue`` (whose ``put`` is safe in a signal handler); a
    thread started beforehand prints the message and sets ``stop``, even if the print fails.
    """
    received: list[str] = []
    names: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def report_and_stop() -> None:
        name = names.get()
        if name is None:
            return
        try:
            on_signal(name)
        finally:
            stop.set()

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        name = signal.Signals(signum).name
        if received or stop.is_set():
            raise KeyboardInterrupt(name)
        received.append(name)
        names.put(name)

    worker = threading.Thread(target=report_and_stop, name="eots-stop", daemon=True)
    worker.start()
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        names.put(None)  # ends the thread when no signal came; else it has the name first
        worker.join(timeout=5.0)  # the message printed before the caller's summary


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


def _event_printer(
    console: Console, store: Path, analyze_with: EngineParams | None
) -> Callable[[CollectEvent], None]:
    """Return the collector's event callback: one console line per event (and per analysis)."""
    from rich.markup import escape

    from eots.collect import EventKind, et_text
    from eots.core.time import ET

    def on_event(event: CollectEvent) -> None:
        at = event.at.astimezone(ET).strftime("%H:%M:%S %Z")
        who = f" {event.underlying}" if event.underlying else ""
        if event.kind is EventKind.SAVED:
            where = event.path.parent.name if event.path is not None else ""
            console.print(f"{at} [green]saved[/green]{who} ({where})")
            if analyze_with is not None and event.snapshot is not None:
                console.print(
                    escape(f"{at}{who} {live_summary(event.snapshot, store, analyze_with)}")
                )
        elif event.kind is EventKind.FAILED:
            console.print(f"{at} [red]failed[/red]{who}: {escape(event.message)}")
        elif event.kind is EventKind.WAITING and event.resume_at is not None:
            console.print(escape(f"{at} waiting until {et_text(event.resume_at)}: {event.message}"))
        elif event.kind is EventKind.DUPLICATE:
            console.print(f"{at} unchanged{who}")

    return on_event


def collect_cmd(
    underlyings: Annotated[list[str], typer.Argument(help="Symbols to poll, e.g. SPX SPY.")],
    source: Annotated[
        str | None,
        typer.Option(
            help="cboe (free, delayed) | tradier (TRADIER_TOKEN). "
            "\\[default: cboe, or the config's collect.source]",
        ),
    ] = None,
    every: Annotated[
        float | None,
        typer.Option(
            help="Seconds between rounds. \\[default: 60, or the config's collect.every_s]", min=1.0
        ),
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
    outside_hours: Annotated[
        bool | None,
        typer.Option(
            "--outside-hours/--regular-hours",
            help="Also poll before the open and after the close. "
            "\\[default: regular hours, or the config's collect.outside_hours]",
        ),
    ] = None,
    always: Annotated[
        bool, typer.Option("--always", help="Ignore the calendar: poll at any time.")
    ] = False,
    max_polls: Annotated[int | None, typer.Option(help="Stop after this many rounds.")] = None,
    max_expiries: Annotated[
        int | None,
        typer.Option(
            help="Tradier: fetch only the nearest N expiries. "
            "\\[default: all, or the config's collect.max_expiries]",
        ),
    ] = None,
    recorded: Annotated[
        Path | None,
        typer.Option(
            help="Replay a recording (a folder with index.json) instead of the network; "
            "ignores the market calendar."
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            help="Record every live response into this folder (replay it with --recorded)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="EOTS_CONFIG",
            help="JSON config: its sources section (base URLs, timeouts, deadlines) and collect "
            "section (defaults of these options).",
        ),
    ] = None,
    analyze: Annotated[
        bool,
        typer.Option(
            "--analyze",
            help="Analyze each saved snapshot with its stored history and print a summary line "
            "(net GEX, zero gamma, walls, top MSPI strike); its levels are saved for the next.",
        ),
    ] = False,
) -> None:
    """Poll live option chains every N seconds during the session and store each snapshot.

    SIGTERM or Ctrl-C stops cleanly with a summary. Exit code 1 when every fetch failed.
    """
    from rich.markup import escape

    from eots.cli.console import output_console
    from eots.cli.logsetup import configure_logging
    from eots.collect import collect
    from eots.config import EotsConfig, load_config
    from eots.core.clock import LiveClock
    from eots.core.errors import EotsError
    from eots.storage import SnapshotStore

    def fail(message: str) -> None:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2)

    if recorded is not None and record is not None:
        fail("--recorded replays a recording and --record makes one: give one of them")
    try:
        loaded = load_config(config) if config is not None else EotsConfig()
        configure_logging(loaded.log_level)
        settings = loaded.collect
        name = source or settings.source
        chain_source = _source(
            name,
            loaded,
            recorded=recorded,
            record=record,
            max_expiries=max_expiries if max_expiries is not None else settings.max_expiries,
        )
    except EotsError as e:
        fail(str(e))
        return
    engine_params = loaded.engine
    period = every if every is not None else settings.every_s
    console = output_console()
    stop = threading.Event()

    on_event = _event_printer(console, store, engine_params if analyze else None)

    def on_signal(signame: str) -> None:
        console.print(f"{signame}: stopping after the fetch in flight")

    symbols = [u.upper() for u in underlyings]
    mode = f" (recording into {record})" if record is not None else ""
    mode = f" (replaying {recorded}, calendar ignored)" if recorded is not None else mode
    console.print(
        escape(
            f"collecting {', '.join(symbols)} from {name} every {period:g}s into {store}{mode} "
            "(Ctrl-C or SIGTERM stops cleanly)"
        )
    )
    with stop_on_signals(stop, on_signal):
        summary = collect(
            chain_source,
            SnapshotStore(store),
            symbols,
            every=dt.timedelta(seconds=period),
            clock=LiveClock(),
            sleep=stop.wait,
            calendar_aware=not (always or recorded is not None),
            outside_hours=outside_hours if outside_hours is not None else settings.outside_hours,
            max_polls=max_polls,
            on_event=on_event,
            stop=stop,
            max_backoff=dt.timedelta(seconds=settings.max_backoff_s),
        )
    console.print(
        escape(
            f"stopped ({summary.stopped_by.value}) after {summary.polls} rounds: "
            f"{summary.saved} saved, {summary.duplicates} unchanged, {summary.failures} failed"
            + (f"; last error: {summary.last_error}" if summary.last_error else "")
        )
    )
    if summary.all_failed:
        typer.echo("error: every fetch failed; nothing was collected", err=True)
        raise typer.Exit(code=1)
