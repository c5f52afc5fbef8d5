"""``eots levels evaluate``: evaluate stored key levels the way the field does (a table)."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from eots.cli.store_cmds import DEFAULT_STORE, StoreOpt

_COLUMNS = (
    ("kind", "kind"),
    ("timeframe", "tf"),
    ("test", "test"),
    ("n_sessions", "n"),
    ("held_rate", "held"),
    ("closed_inside_rate", "closed in"),
    ("n_breached", "breached"),
    ("fwd_1d_bps_after_breach", "1d bps"),
    ("fwd_5d_bps_after_breach", "5d bps"),
    ("rv_5d_open_above_pct", "RV5 above %"),
    ("rv_5d_open_below_pct", "RV5 below %"),
)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD, was {text!r}") from e


def levels_evaluate_cmd(
    underlying: Annotated[str, typer.Argument(help="Underlying symbol, e.g. SPX.")],
    store: StoreOpt = DEFAULT_STORE,
    prices: Annotated[
        Path | None, typer.Option("--prices", help="Price store folder with 1d bars.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First session, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last session, YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """Compute each stored session's key levels and test them on the next session's bar."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from eots.history.levels_eval import evaluate_store
    from eots.storage import PriceStore, SnapshotStore

    result = evaluate_store(
        SnapshotStore(store),
        underlying,
        (_date(start), _date(end)),
        PriceStore(prices) if prices is not None else None,
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
    console = Console()
    if result.table.height == 0:
        typer.echo(f"no levels of {underlying.upper()} could be tested in {store}")
        raise typer.Exit(code=1)
    table = Table(
        title=f"{underlying.upper()} key levels: {result.sessions_tested} sessions tested "
        f"(bars: {result.bars_source})"
    )
    for _, header in _COLUMNS:
        table.add_column(header, no_wrap=True)
    for row in result.table.iter_rows(named=True):
        cells = []
        for name, _ in _COLUMNS:
            v = row[name]
            if name.endswith("_rate") and isinstance(v, float) and not math.isnan(v):
                cells.append(f"{v:.0%}")
            elif isinstance(v, float):
                cells.append("-" if math.isnan(v) else f"{v:.1f}")
            else:
                cells.append(str(v))
        table.add_row(*cells)
    console.print(table)
    if result.bars_source == "snapshot_spots_proxy":
        console.print("note: bars derived from snapshot spots; highs/lows understate the range")
    for note in result.notes:
        console.print(escape(f"note: {note}"))


__all__ = ["levels_evaluate_cmd"]
