"""``eots levels export FILE --format csv|tradingview|thinkscript``: key levels for other platforms.

The levels come from ``analyze`` on the chain file. Formats:

* ``csv``: ``kind,timeframe,price,strength,conviction`` (price descending);
* ``tradingview``: a Pine Script v5 indicator drawing one ``hline`` per level (colour by kind,
  width by stars), to paste into TradingView's Pine editor;
* ``thinkscript``: a thinkorswim study with one horizontal ``plot`` per level.

The text formatters are pure functions of a ``levels.LEVELS_SCHEMA`` frame.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl

FORMATS = ("csv", "tradingview", "thinkscript")
COLOURS = {
    "call_wall": "#2e7d32",
    "secondary_call_wall": "#81c784",
    "put_wall": "#c62828",
    "secondary_put_wall": "#e57373",
    "zero_gamma": "#6a1b9a",
    "vol_trigger": "#ef6c00",
    "abs_gamma": "#1565c0",
    "support": "#66bb6a",
    "resistance": "#ef5350",
    "cluster": "#757575",
}
_DASHED = frozenset({"zero_gamma", "vol_trigger", "cluster"})


def _rows(levels: pl.DataFrame, top: int | None) -> pl.DataFrame:
    import polars as pl

    lv = levels.select(
        pl.col("kind").cast(pl.String),
        pl.col("timeframe").cast(pl.String),
        "price",
        "strength",
        "conviction",
        "stars",
    )
    if top is not None:
        lv = lv.sort("conviction", "strength", descending=True).head(top)
    return lv.sort("price", "kind", descending=[True, False])


def levels_csv(levels: pl.DataFrame, top: int | None = None) -> str:
    """Return ``kind,timeframe,price,strength,conviction`` lines (header first, price descending).

    Examples
    --------
    >>> import polars as pl
    >>> lv = pl.DataFrame({"kind": ["put_wall"], "timeframe": ["daily"], "price": [4950.0],
    ...                    "strength": [0.8], "conviction": [0.55], "stars": [3]})
    >>> print(levels_csv(lv), end="")
    kind,timeframe,price,strength,conviction
    put_wall,daily,4950.00,0.800,0.550
    """
    lines = ["kind,timeframe,price,strength,conviction"]
    lines += [
        f"{r['kind']},{r['timeframe']},{r['price']:.2f},{r['strength']:.3f},{r['conviction']:.3f}"
        for r in _rows(levels, top).iter_rows(named=True)
    ]
    return "\n".join(lines) + "\n"


def _label(r: dict[str, object]) -> str:
    stars = int(r["stars"])  # type: ignore[call-overload]
    return f"{r['kind']} ({r['timeframe']}) {'*' * stars}".strip()


def levels_pine(levels: pl.DataFrame, title: str, top: int | None = None) -> str:
    """Return a Pine Script v5 indicator with one ``hline`` per level."""
    safe = title.replace('"', "'")
    lines = [
        "//@version=5",
        f"// {safe}: key levels from eots (price, kind, timeframe, stars = conviction).",
        f'indicator("{safe}", overlay=true)',
    ]
    for r in _rows(levels, top).iter_rows(named=True):
        colour = COLOURS.get(str(r["kind"]), "#90a4ae")
        style = "hline.style_dashed" if r["kind"] in _DASHED else "hline.style_solid"
        width = 1 + int(r["stars"]) // 2
        lines.append(
            f'hline({r["price"]:.2f}, "{_label(r)}", color=color.new({colour}, 0), '
            f"linestyle={style}, linewidth={width})"
        )
    return "\n".join(lines) + "\n"


def levels_thinkscript(levels: pl.DataFrame, title: str, top: int | None = None) -> str:
    """Return a thinkScript study with one horizontal plot per level."""
    lines = [f"# {title}: key levels from eots (price, kind, timeframe, stars = conviction)."]
    for i, r in enumerate(_rows(levels, top).iter_rows(named=True), start=1):
        name = f"L{i}_{re.sub(r'[^A-Za-z0-9_]', '_', str(r['kind']))}"
        colour = COLOURS.get(str(r["kind"]), "#90a4ae").lstrip("#")
        rgb = ", ".join(str(int(colour[j : j + 2], 16)) for j in (0, 2, 4))
        curve = "Curve.SHORT_DASH" if r["kind"] in _DASHED else "Curve.FIRM"
        lines += [
            f"# {_label(r)}",
            f"plot {name} = {r['price']:.2f};",
            f"{name}.SetDefaultColor(CreateColor({rgb}));",
            f"{name}.SetPaintingStrategy(PaintingStrategy.HORIZONTAL);",
            f"{name}.SetStyle({curve});",
            f"{name}.SetLineWeight({1 + int(r['stars']) // 2});",
        ]
    return "\n".join(lines) + "\n"


def export_text(levels: pl.DataFrame, fmt: str, title: str, top: int | None = None) -> str:
    """Return the levels in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "csv":
        return levels_csv(levels, top)
    if fmt == "tradingview":
        return levels_pine(levels, title, top)
    if fmt == "thinkscript":
        return levels_thinkscript(levels, title, top)
    raise ValueError(f"expected a format in {FORMATS}, was {fmt!r}")


def levels_export_cmd(
    path: Annotated[Path, typer.Argument(help="Chain file: CBOE CSV/JSON, TDA JSON, generic.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv | tradingview | thinkscript.")
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Only the N levels of highest conviction. [all]"),
    ] = None,
    expiries: Annotated[
        str | None, typer.Option("--expiries", "-e", help="Expiry scope (as for analyze).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Valuation time (as for analyze).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="EOTS_CONFIG", help="JSON config file.")
    ] = None,
) -> None:
    """Export the key levels of a chain file for TradingView, thinkorswim or a spreadsheet."""
    from eots.cli.main import _params, _parse_as_of
    from eots.core.errors import EotsError
    from eots.pipeline import analyze
    from eots.sources import load_chain

    if fmt not in FORMATS:
        raise typer.BadParameter(f"expected --format csv, tradingview or thinkscript, was {fmt!r}")
    params = _params(config, expiries, None, None)
    try:
        snapshot = load_chain(path, as_of=_parse_as_of(as_of))
        analysis = analyze(snapshot, params)
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    when = analysis.as_of.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"eots levels {snapshot.underlying} {when}"
    text = export_text(analysis.levels.to_frame(), fmt, title, top)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(
            f"wrote {analysis.levels.to_frame().height if top is None else top} levels to {out}",
            err=True,
        )


__all__ = [
    "FORMATS",
    "export_text",
    "levels_csv",
    "levels_export_cmd",
    "levels_pine",
    "levels_thinkscript",
]
