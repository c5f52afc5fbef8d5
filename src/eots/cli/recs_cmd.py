"""``eots recs ls|show|export``: the recommendation event log, read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl

    from eots.storage.events import EventLog

LogOpt = Annotated[
    Path, typer.Option("--log", envvar="EOTS_RECS_LOG", help="The event log (SQLite) to read.")
]

_OPEN_COLUMNS = (
    "idea_id",
    "strategy",
    "stars",
    "status",
    "entry_$",
    "value_$",
    "P&L_$",
    "stop",
    "target",
)
_CLOSED_COLUMNS: tuple[str, ...] = ("idea_id", "strategy", "stars", "exit", "P&L_$", "mid_$")
_CLOSED_COLUMNS += ("R", "MFE", "MAE", "min")

recs_app = typer.Typer(help="Recommendations: open, closed with outcomes, learned weights.")


def _open(path: Path) -> EventLog:
    from eots.core.errors import EotsError
    from eots.storage.events import EventLog

    try:
        return EventLog(path, create=False)
    except EotsError as e:
        raise typer.BadParameter(str(e), param_hint="--log") from e


def _money(x: object) -> str:
    return "" if not isinstance(x, float | int) else f"{x:,.2f}"


def _summary(closed: pl.DataFrame) -> str:
    from eots.tracking import wilson_interval

    n = closed.height
    if n == 0:
        return "no closed recommendations yet"
    wins = int((closed["pnl_bidask"] > 0).sum())
    lo, hi = wilson_interval(wins, n)
    mean = closed["pnl_bidask"].mean()
    mean_mid = closed["pnl_mid"].mean()
    return (
        f"{n} closed: win rate {wins / n:.1%} (95% CI {lo:.1%}-{hi:.1%}; baseline 50%), "
        f"mean P&L {_money(mean)} $ at bid/ask, {_money(mean_mid)} $ at mid"
    )


def recs_ls_cmd(log: LogOpt) -> None:
    """List open recommendations and closed ones with their outcomes."""
    from rich.table import Table

    from eots.cli.console import output_console

    with _open(log) as events:
        book = events.book()
        opened, closed = events.open_recommendations(book), events.closed(book)
    console = output_console()
    table = Table(title=f"open ({opened.height})")
    for col in _OPEN_COLUMNS:
        table.add_column(col.replace("_", " "))
    for r in opened.iter_rows(named=True):
        table.add_row(
            r["idea_id"], r["strategy"], "*" * r["stars"], r["status"],
            _money(r["entry_bidask"]), _money(r["value_bidask"]), _money(r["pnl_bidask"]),
            _money(r["stop"]), _money(r["target"]),
        )  # fmt: skip
    console.print(table)
    table = Table(title=f"closed ({closed.height}); P&L per unit, fills at bid/ask (mid beside)")
    for col in _CLOSED_COLUMNS:
        table.add_column(col.replace("_", " "))
    for r in closed.iter_rows(named=True):
        table.add_row(
            r["idea_id"], r["strategy"], "*" * r["stars"], r["exit_reason"],
            _money(r["pnl_bidask"]), _money(r["pnl_mid"]),
            "" if r["r_multiple"] is None else f"{r['r_multiple']:.2f}",
            _money(r["mfe"]), _money(r["mae"]), f"{r['minutes_held']:.0f}",
        )  # fmt: skip
    console.print(table)
    console.print(_summary(closed))


def recs_show_cmd(
    idea_id: Annotated[str, typer.Argument(help="The recommendation's idea id.")], log: LogOpt
) -> None:
    """Show one recommendation: the idea, and every event of its lifecycle in order."""
    from eots.cli.console import output_console

    with _open(log) as events:
        frame = events.events_frame(idea_id)
    if frame.height == 0:
        raise typer.BadParameter(f"no recommendation {idea_id!r} in {log}", param_hint="ID")
    console = output_console()
    first = json.loads(frame["body"][0])
    idea = first["idea"]
    console.print(
        f"[bold]{idea_id}[/bold] {idea['underlying']} {idea['strategy']} {idea['direction']} "
        f"{'*' * idea['stars']} conviction {idea['conviction']:.2f}, made {idea['ts_event']}"
    )
    for lg in idea["legs"]:
        console.print(
            f"  {lg['quantity']:+d} {lg['root']} {lg['expiry']} {lg['strike']:g}{lg['right']} "
            f"bid {lg['bid']:.2f} ask {lg['ask']:.2f}"
        )
    for ts, kind, body in frame.select("ts_event", "kind", "body").iter_rows():
        data = json.loads(body)
        detail = {
            k: v
            for k, v in data.items()
            if k
            not in {
                "ts_event",
                "ts_init",
                "snapshot_id",
                "fingerprint",
                "idea_id",
                "kind",
                "idea",
                "evidence",
            }
        }
        console.print(f"{ts:%Y-%m-%d %H:%M:%S} {kind:15} {json.dumps(detail, default=str)}")


def recs_export_cmd(
    log: LogOpt,
    what: Annotated[
        str, typer.Option("--what", help="closed (outcomes) | open | events | weights.")
    ] = "closed",
    fmt: Annotated[str, typer.Option("--format", help="csv | json | parquet.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output file (csv/json: stdout if omitted).")
    ] = None,
) -> None:
    """Export outcomes, open recommendations, events or the weight history."""
    if fmt not in {"csv", "json", "parquet"}:
        raise typer.BadParameter(
            f"expected csv, json or parquet, was {fmt!r}", param_hint="--format"
        )
    with _open(log) as events:
        readers: dict[str, Callable[[], pl.DataFrame]] = {
            "closed": events.closed,
            "open": events.open_recommendations,
            "events": events.events_frame,
            "weights": events.weight_history,
        }
        if what not in readers:
            raise typer.BadParameter(
                f"expected one of {', '.join(readers)}, was {what!r}", param_hint="--what"
            )
        frame = readers[what]()
    if fmt == "parquet":
        if out is None:
            raise typer.BadParameter("parquet needs --out FILE", param_hint="--out")
        frame.write_parquet(out)
        return
    if fmt == "csv":
        import polars as pl

        lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
        if lists:
            frame = frame.with_columns(pl.col(lists).list.join(";"))
        text = frame.write_csv()
    else:
        text = frame.write_json()
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.write_text(text, encoding="utf-8")


recs_app.command("ls")(recs_ls_cmd)
recs_app.command("show")(recs_show_cmd)
recs_app.command("export")(recs_export_cmd)
