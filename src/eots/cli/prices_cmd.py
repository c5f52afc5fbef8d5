"""``eots prices``: underlying OHLC history (import a CSV, fetch from Tradier, list)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

PricesOpt = Annotated[
    Path,
    typer.Option(
        "--prices", envvar="EOTS_PRICES", help="Price history folder (created if missing)."
    ),
]
DEFAULT_PRICES = Path("eots_prices")
IntervalOpt = Annotated[str, typer.Option("--interval", help="Bar interval: 1d, 1m, 5m, ...")]

prices_app = typer.Typer(help="Underlying price history (OHLC bars).", no_args_is_help=True)


@prices_app.command("import")
def prices_import_cmd(
    path: Annotated[Path, typer.Argument(help="CSV of bars (Date/Datetime, Open, High, ...).")],
    underlying: Annotated[str, typer.Option("--underlying", "-u", help="Symbol, e.g. SPY.")],
    interval: IntervalOpt = "1d",
    prices: PricesOpt = DEFAULT_PRICES,
) -> None:
    """Import bars from a CSV; bad rows are refused one by one with their line numbers.

    The good rows are kept either way; the exit code is 1 when any row was refused.
    """
    from eots.core.errors import EotsError
    from eots.storage import PriceStore

    try:
        result = PriceStore(prices).import_csv(path, underlying.upper(), interval)
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    typer.echo(
        f"{result.rows_read} rows: {result.added} added, {result.replaced} replaced, "
        f"{result.unchanged} unchanged, {len(result.refused)} refused -> {result.path}"
    )
    for refusal in result.refused:
        typer.echo(f"  refused line {refusal.line}: {refusal.reason}")
    if result.refused:
        typer.echo(f"error: {len(result.refused)} rows refused (the others were kept)", err=True)
        raise typer.Exit(code=1)


@prices_app.command("fetch")
def prices_fetch_cmd(
    underlying: Annotated[str, typer.Argument(help="Symbol, e.g. SPY or SPX.")],
    days: Annotated[int, typer.Option(help="Calendar days of history to fetch.", min=1)] = 400,
    end: Annotated[
        str | None, typer.Option(help="Last date (YYYY-MM-DD); default: today (US/Eastern).")
    ] = None,
    prices: PricesOpt = DEFAULT_PRICES,
    recorded: Annotated[
        Path | None, typer.Option(help="Replay recorded Tradier responses (offline).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", envvar="EOTS_CONFIG", help="JSON config (its sources.tradier section)."
        ),
    ] = None,
) -> None:
    """Fetch daily bars from Tradier (token from TRADIER_TOKEN) into the price history."""
    from eots.config import EotsConfig, load_config
    from eots.core.clock import LiveClock
    from eots.core.errors import EotsError
    from eots.core.time import ET
    from eots.sources import RecordedTransport, TradierSource
    from eots.storage import PriceStore

    try:
        tradier = (load_config(config) if config is not None else EotsConfig()).sources.tradier
        policy, base_url = tradier.policy(), tradier.base_url
        if recorded is not None:
            source = TradierSource(
                "recorded",
                transport=RecordedTransport(recorded),
                policy=policy,
                base_url=base_url,
            )
        else:
            source = TradierSource.from_env(policy=policy, base_url=base_url)
        last = (
            dt.date.fromisoformat(end)
            if end is not None
            else LiveClock().now().astimezone(ET).date()
        )
        bars = source.daily_history(underlying, last - dt.timedelta(days=days), last)
        result = PriceStore(prices).append(underlying.upper(), "1d", bars)
    except (EotsError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    typer.echo(
        f"{bars.height} bars: {result.added} added, {result.replaced} replaced, "
        f"{result.unchanged} unchanged -> {result.path}"
    )


@prices_app.command("ls")
def prices_list_cmd(
    underlying: Annotated[str, typer.Argument(help="Symbol.")],
    interval: IntervalOpt = "1d",
    prices: PricesOpt = DEFAULT_PRICES,
    last: Annotated[int, typer.Option(help="Show the last N bars.", min=1)] = 10,
) -> None:
    """Show the last bars stored for an underlying."""
    from eots.storage import PriceStore

    bars = PriceStore(prices).bars(underlying.upper(), interval)
    if bars.height == 0:
        typer.echo(f"no {interval} bars of {underlying.upper()} in {prices}")
        raise typer.Exit(code=1)
    typer.echo(f"{bars.height} {interval} bars of {underlying.upper()}; last {last}:")
    typer.echo(str(bars.tail(last)))
