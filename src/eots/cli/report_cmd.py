"""``eots report RUN_DIR``: evaluate a replay's run directory, print the summary, write the page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by eots replay.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file. [default: RUN_DIR/report.html]")
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save-evaluation/--no-save-evaluation",
            help="Also write evaluation.json and evaluation_*.parquet into RUN_DIR.",
        ),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not print the tables.")] = False,
) -> None:
    """Write one self-contained HTML report of a replay (opens offline) and its evaluation."""
    from rich.console import Console

    from eots.cli.evaluation_render import render_evaluation
    from eots.core.errors import EotsError
    from eots.evaluation import evaluate_run, read_run, write_evaluation
    from eots.report import run_report_html

    try:
        frames = read_run(run_dir)
        ev = evaluate_run(frames)
        if save:
            write_evaluation(run_dir, ev)
        path = out or run_dir / "report.html"
        path.write_text(run_report_html(frames, ev), encoding="utf-8")
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    if not quiet:
        render_evaluation(ev, Console())
    typer.echo(f"wrote {path}")


__all__ = ["report_cmd"]
