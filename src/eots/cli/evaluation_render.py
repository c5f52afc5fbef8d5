"""The evaluation's summary tables in the terminal (rich): every rate with its n and interval.

Cells with fewer observations than the evaluation's small-sample threshold are marked ``*``.
"""

from __future__ import annotations

import math

import polars as pl
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eots.evaluation import Evaluation


def _pct(rate: float | None, lo: float | None = None, hi: float | None = None) -> str:
    if rate is None or not math.isfinite(rate):
        return "-"
    text = f"{rate:.0%}"
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        text += f" [{lo:.0%}-{hi:.0%}]"
    return text


def _num(x: float | None, fmt: str = "{:,.1f}") -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return fmt.format(x)


def _ci(x: float | None, lo: float | None, hi: float | None, fmt: str = "{:,.1f}") -> str:
    text = _num(x, fmt)
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        text += f" [{fmt.format(lo)}, {fmt.format(hi)}]"
    return text


def _q(q: float | None) -> str:
    return "-" if q is None or not math.isfinite(q) else f"{q:.3f}"


def _table(title: str, headers: tuple[str, ...]) -> Table:
    t = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    for i, h in enumerate(headers):
        t.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
    return t


def natural_width(table: Table, console: Console) -> int:
    """Return the columns ``table`` needs to print every cell whole."""
    return console.measure(table, options=console.options.update_width(10_000)).maximum


def print_whole(table: Table, console: Console) -> bool:
    """Print ``table`` with every cell whole; return True if it is wider than the console.

    Rich fits a table to the console by shrinking columns, and at 80 columns it squeezed the
    row labels (kind, family/claim, source/group) out altogether and cut the intervals to
    "1..." : rows that no longer said what they were. A table wider than the console is printed
    at its own width instead (the terminal wraps its lines; nothing is cut).
    """
    need = natural_width(table, console)
    if need <= console.width:
        console.print(table)
        return False
    wide = Console(
        file=console.file,
        width=need,
        color_system="auto" if console.color_system else None,
        force_terminal=console.is_terminal,
    )
    wide.print(table)
    return True


def levels_table(ev: Evaluation) -> Table:
    """Hold rate per level kind beside the distance-matched random baseline."""
    t = _table(
        "Levels: held when tested (rest of session / next session)",
        ("kind", "levels", "tested", "held [95% CI]", "random [95% CI]", "q", "untested"),
    )
    for r in ev.levels.iter_rows(named=True):
        mark = "*" if r["small_sample"] else ""
        t.add_row(
            r["kind"],
            str(r["n_levels"]),
            f"{r['hold_n']}{mark}",
            _pct(r["hold_rate"], r["hold_low"], r["hold_high"]),
            _pct(r["baseline_rate"], r["baseline_low"], r["baseline_high"]),
            _q(r["q_value"]),
            str(r["n_untested"]),
        )
    return t


def gamma_vol_table(ev: Evaluation) -> Table:
    """Realised vol of bars opening above vs below zero gamma."""
    t = _table("Realised vol vs zero gamma", ("side", "bars", "sessions", "RV [95% CI]"))
    for r in ev.gamma_vol.iter_rows(named=True):
        mark = "*" if r["small_sample"] else ""
        t.add_row(
            r["side"],
            f"{r['n_bars']}{mark}",
            str(r["n_sessions"]),
            _pct(r["rv_annual"], r["rv_low"], r["rv_high"]),
        )
    return t


def signals_table(ev: Evaluation) -> Table:
    """Hit rate and mean forward move per family, claim, horizon and stars."""
    t = _table(
        "Signals: hit rate vs the unconditional rate (q: Benjamini-Hochberg)",
        (
            "family/claim",
            "horizon",
            "stars",
            "n",
            "hit [95% CI]",
            "base",
            "mean move [95% CI]",
            "q",
        ),
    )
    for r in ev.signals.iter_rows(named=True):
        mark = "*" if r["small_sample"] else ""
        t.add_row(
            f"{r['family']}/{r['claim_kind']}",
            r["horizon"],
            str(r["stars"]),
            f"{r['hit_n']}{mark}",
            _pct(r["hit_rate"], r["hit_low"], r["hit_high"]),
            _pct(r["baseline_rate"]),
            _ci(r["mean_move"], r["move_low"], r["move_high"]) + f" {r['move_unit']}",
            _q(r["q_value"]),
        )
    return t


def ideas_table(ev: Evaluation, dimensions: tuple[str, ...] = ("all", "strategy")) -> Table:
    """Ideas against random entries: win rate, R, expectancy, P&L at bid/ask and mid, drawdown."""
    t = _table(
        "Ideas vs random entries (P&L at bid/ask; mid beside it)",
        (
            "source/group",
            "n",
            "win [95% CI]",
            "avg R [95% CI]",
            "E[$]",
            "P&L b/a",
            "P&L mid",
            "max DD",
        ),
    )
    rows = ev.ideas.filter(pl.col("dimension").is_in(list(dimensions)))
    for r in rows.iter_rows(named=True):
        mark = "*" if r["small_sample"] else ""
        t.add_row(
            f"{r['source']}/{r['group']}",
            f"{r['n']}{mark}",
            _pct(r["win_rate"], r["win_low"], r["win_high"]),
            _ci(r["avg_r"], r["r_low"], r["r_high"], "{:+.2f}"),
            _num(r["expectancy_usd"], "{:+,.0f}"),
            _num(r["pnl_bidask_usd"], "{:+,.0f}"),
            _num(r["pnl_mid_usd"], "{:+,.0f}"),
            _num(r["max_drawdown_usd"], "{:,.0f}"),
        )
    return t


def learning_table(ev: Evaluation) -> Table:
    """Each weight's move and the evidence at its last update."""
    t = _table(
        "Learning: weights and their evidence",
        ("weight", "updates", "from", "to", "evidence n", "hit [95% CI]", "breaks"),
    )
    for r in ev.weights.iter_rows(named=True):
        t.add_row(
            r["name"],
            str(r["n_updates"]),
            _num(r["initial"], "{:.3f}"),
            _num(r["final"], "{:.3f}"),
            str(r["evidence_n"]),
            _pct(r["hit_rate"], r["ci_low"], r["ci_high"]),
            str(r["chain_breaks"]),
        )
    return t


def render_evaluation(ev: Evaluation, console: Console) -> None:
    """Print the evaluation's summary tables and notes."""
    m = ev.manifest
    console.print(
        f"[bold]Evaluation[/bold] of {m.get('underlying')} {m.get('from')} .. {m.get('to')}: "
        f"{m.get('n_snapshots')} snapshots, config {m.get('config_fingerprint')}"
    )
    tables = [levels_table(ev), gamma_vol_table(ev), signals_table(ev)]
    if ev.ideas.height:
        tables.append(ideas_table(ev))
    if ev.weights.height:
        tables.append(learning_table(ev))
    wider = [print_whole(table, console) for table in tables]
    if ev.flow is not None and ev.flow.height:
        f = ev.flow.row(0, named=True)
        acc = _pct(f["accuracy"], f["accuracy_low"], f["accuracy_high"])
        console.print(
            f"Flow: inferred side right {acc}"
            f" of {f['n_classified']} classified contracts over {f['n_snapshots']} snapshots"
        )
    console.print(f"* fewer than {ev.params.small_sample_n} observations: not yet informative")
    for note in ev.notes:
        console.print(escape(f"note: {note}"))
    if any(wider):
        need = max(natural_width(t, console) for t in tables)
        console.print(
            f"note: the tables need {need} columns and the terminal has {console.width}: "
            "widen it, or send the output to a file, to see them aligned"
        )


__all__ = [
    "gamma_vol_table",
    "ideas_table",
    "learning_table",
    "levels_table",
    "natural_width",
    "print_whole",
    "render_evaluation",
    "signals_table",
]
