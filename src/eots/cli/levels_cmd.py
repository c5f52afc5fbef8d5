"""``eots levels evaluate``: evaluate stored key levels the way the field does (a table)."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt

_COLUMNS = (
    ("kind", "kind"),
    ("timeframe", "tf"),
    ("test", "test"),
    ("n_sessions", "n"),
    ("held_rate", "held [95% CI]"),
    ("baseline_held_rate", "base"),
    ("closed_inside_rate", "in [95% CI]"),
    ("baseline_closed_inside_rate", "base"),
    ("n_breached", "brch"),
    ("fwd_1d_bps_after_breach", "1d bp"),
    ("fwd_5d_bps_after_breach", "5d bp"),
    ("rv_5d_open_above_pct", "RV5>"),
    ("rv_5d_open_below_pct", "RV5<"),
)


#: Rows with fewer level-sessions than this get a note (their intervals span most of 0-100 %).
_FEW = 20


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[int, int, str], None]]:
    """Return a progress bar on a terminal; plain lines on stderr otherwise (logs, pipes)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if not console.is_terminal:

        def line(done: int, total: int, what: str) -> None:
            console.print(f"levels evaluate: {done}/{total} {what}", markup=False)

        yield line
        return
    with Progress(
        TextColumn("levels evaluate"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD, was {text!r}") from e


def _cell(name: str, row: dict[str, Any]) -> str:
    """Return one table cell: rates with their interval, counts, the timeframe's letter."""
    v = row[name]
    if name in ("held_rate", "closed_inside_rate") and not math.isnan(v):
        stem = name.removesuffix("_rate")
        lo, hi = row[f"{stem}_ci_low"], row[f"{stem}_ci_high"]
        return f"{v:.0%} [{lo:.0%}-{hi:.0%}]"
    if name.endswith("_rate") and isinstance(v, float) and not math.isnan(v):
        return f"{v:.0%}"
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.0f}"
    if name == "timeframe":
        return str(v)[0]
    return str(v)


def levels_evaluate_cmd(
    underlying: Annotated[str, typer.Argument(help="Underlying symbol, e.g. SPX.")],
    store: StoreOpt = DEFAULT_STORE,
    prices: Annotated[
        Path | None, typer.Option("--prices", help="Price store folder with 1d bars.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First session, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last session, YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="EOTS_CONFIG", help="JSON config file.")
    ] = None,
) -> None:
    """Compute each stored session's key levels and test them on the next session's bar."""
    import polars as pl
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from eots.cli.console import output_console
    from eots.config import load_params
    from eots.core.errors import ConfigError
    from eots.engine.summaries import store_foundations
    from eots.history.levels_eval import evaluate_store
    from eots.pipeline import AnalysisParams
    from eots.storage import PriceStore, SnapshotStore

    try:
        params = load_params(config) if config is not None else AnalysisParams()
    except ConfigError as e:
        raise typer.BadParameter(str(e)) from e
    status = Console(stderr=True)
    with _progress(status) as on_progress:
        snapshots = SnapshotStore(store)
        result = evaluate_store(
            snapshots,
            underlying,
            (_date(start), _date(end)),
            PriceStore(prices) if prices is not None else None,
            foundations=store_foundations(snapshots, params),
            on_progress=on_progress,
        )
    if as_json:
        data = {
            "underlying": underlying.upper(),
            "bars_source": result.bars_source,
            "sessions_tested": result.sessions_tested,
            "notes": list(result.notes),
            "table": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                for r in result.table.to_dicts()
            ],
        }
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    console = output_console()
    if result.table.height == 0:
        typer.echo(f"no levels of {underlying.upper()} could be tested in {store}")
        raise typer.Exit(code=1)
    table = Table(
        title=f"{underlying.upper()} key levels: {result.sessions_tested} sessions tested "
        f"(bars: {result.bars_source})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name, header in _COLUMNS:
        if name == "kind":
            table.add_column(header, min_width=12, max_width=19, overflow="fold")
        else:
            table.add_column(header, no_wrap=True, justify="left" if name == "test" else "right")
    for row in result.table.iter_rows(named=True):
        table.add_row(*(_cell(name, row) for name, _ in _COLUMNS))
    console.print(table)
    console.print(
        "tf: i intraday, d daily, w weekly, m multi; n: level-sessions tested; held, in "
        "(closed inside): share of those sessions with its 95% Wilson interval; base: the "
        "same rate for a level at the same distance from the prior close on the other sessions "
        "(a level tells something only where it clears its baseline); brch: breaches; 1d/5d "
        "bp: forward return after a breach; RV5>/<: 5-day realised vol (%) after opens "
        "above/below the level"
    )
    thin = result.table.filter(pl.col("n_sessions") < _FEW)
    if thin.height:
        console.print(
            f"note: {thin.height} rows rest on fewer than {_FEW} sessions; their intervals are "
            "wide and the rates are not evidence on their own"
        )
    if result.bars_source == "snapshot_spots_proxy":
        console.print("note: bars derived from snapshot spots; highs/lows understate the range")
    for note in result.notes:
        console.print(escape(f"note: {note}"))


__all__ = ["levels_evaluate_cmd"]
