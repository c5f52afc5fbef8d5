"""``eots synth``: write a simulated multi-session history (snapshots, trades, bars) to a store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

_EVERY = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "60m": 60}


def synth_cmd(
    store: Annotated[Path, typer.Option("--store", help="Store folder (created if missing).")],
    underlying: Annotated[str, typer.Option("--underlying", "-u", help="SPX or SPY.")] = "SPX",
    sessions: Annotated[int, typer.Option("--sessions", help="Sessions to simulate.", min=1)] = 1,
    every: Annotated[
        str, typer.Option("--every", help="Snapshot interval: 1m|5m|15m|30m|60m.")
    ] = "15m",
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random draw.", min=0)] = 0,
    gamma_feedback: Annotated[
        float,
        typer.Option(
            "--gamma-feedback", help="Dealer-hedging feedback strength, 0..1.", min=0.0, max=1.0
        ),
    ] = 0.5,
    start: Annotated[
        str | None, typer.Option("--start", help="First session, YYYY-MM-DD. [default: 2024-03-11]")
    ] = None,
    listing: Annotated[
        str,
        typer.Option("--listing", help="Listing size: full (~20k SPX contracts) | demo | small."),
    ] = "full",
) -> None:
    """Simulate a market that reacts to dealer hedging and store its snapshots, trades and bars.

    Output is a pure function of the options. Trades go to STORE/_trades/<U>/<date>.csv (the
    `analyze --trades` feed) and .parquet (with the opening/closing truth); 1-minute bars to the
    price store STORE/_prices.
    """
    import time

    from pydantic import ValidationError
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from eots.cli.console import output_console
    from eots.core.errors import EotsError
    from eots.simulator import ListingSize, SimulatorParams, listing_preset
    from eots.simulator.store import write_history

    symbol = underlying.upper()
    if symbol not in ("SPX", "SPY"):
        raise typer.BadParameter(
            f"expected SPX or SPY, was {underlying!r}", param_hint="--underlying"
        )
    if every not in _EVERY:
        raise typer.BadParameter(
            f"expected one of {sorted(_EVERY)}, was {every!r}", param_hint="--every"
        )
    try:
        size = ListingSize(listing)
    except ValueError as e:
        raise typer.BadParameter(
            f"expected full, demo or small, was {listing!r}", param_hint="--listing"
        ) from e
    try:
        first = dt.date.fromisoformat(start) if start else None
    except ValueError as e:
        raise typer.BadParameter(f"expected YYYY-MM-DD, was {start!r}", param_hint="--start") from e
    try:
        params = SimulatorParams(
            market=listing_preset(size, underlying=symbol),
            sessions=sessions,
            every_minutes=_EVERY[every],
            gamma_feedback=gamma_feedback,
            **({"start": first} if first else {}),
        )
    except ValidationError as e:
        raise typer.BadParameter(str(e)) from e
    console = Console(stderr=True)
    t0 = time.perf_counter()
    try:
        with Progress(
            TextColumn("synth"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=None)

            def on_step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = write_history(store, params, seed, on_step)
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    output_console().print(
        f"{summary.sessions} sessions, {summary.snapshots} snapshots, {summary.trades} trades, "
        f"{summary.bars} bars of {symbol} ({summary.first:%Y-%m-%d} to {summary.last:%Y-%m-%d}) "
        f"in {time.perf_counter() - t0:.1f} s -> {store}"
    )
