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
    from eots.core.errors import EotsError

    try:
        path = evaluate_and_report(run_dir, out=out, save=save, quiet=quiet)
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    typer.echo(f"wrote {path}")


def evaluate_and_report(
    run_dir: Path, *, out: Path | None = None, save: bool = True, quiet: bool = False
) -> Path:
    """Evaluate a run folder, print the summary tables, write the HTML page; return its path.

    ``eots report`` and the end of ``eots replay`` / ``eots demo`` call this.
    """
    from eots.cli.console import output_console
    from eots.cli.evaluation_render import render_evaluation
    from eots.evaluation import evaluate_run, read_run, write_evaluation
    from eots.report import run_report_html

    frames = read_run(run_dir)
    ev = evaluate_run(frames)
    if save:
        write_evaluation(run_dir, ev)
    path = out or run_dir / "report.html"
    path.write_text(run_report_html(frames, ev), encoding="utf-8")
    if not quiet:
        render_evaluation(ev, output_console())
    return path


__all__ = ["evaluate_and_report", "report_cmd"]
