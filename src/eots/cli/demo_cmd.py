"""``eots demo``: the main job end to end on a simulated market, no data and no network needed.

The simulator writes a multi-session SPX history with dealer feedback on (``eots synth``), the
engine replays it through metrics, levels, signals, ideas, the lifecycle and learning (``eots
replay``), and the run ends with the evaluation table and the HTML report's path (``eots
report``). The same three commands, run by hand, give the same files.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def demo_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the store and the run. [default: eots-demo]")
    ] = Path("eots-demo"),
    sessions: Annotated[int, typer.Option("--sessions", min=1, max=60)] = 4,
    every: Annotated[str, typer.Option("--every", help="Snapshot interval.")] = "15m",
    seed: Annotated[int, typer.Option("--seed", min=0)] = 7,
    gamma_feedback: Annotated[
        float, typer.Option("--gamma-feedback", min=0.0, max=1.0, help="Dealer feedback, 0..1.")
    ] = 0.8,
    underlying: Annotated[str, typer.Option("--underlying", "-u", help="SPX or SPY.")] = "SPX",
) -> None:
    """Simulate a market, replay it through everything, end with the evaluation and report."""
    import shutil

    from eots.cli.replay_cmd import replay_cmd
    from eots.cli.synth_cmd import synth_cmd

    t0 = time.perf_counter()
    store, run = out / "store", out / "run"
    for folder in (store, run):
        if folder.exists():
            shutil.rmtree(folder)
    typer.echo(
        f"1/3 simulating {sessions} {underlying.upper()} sessions every {every} "
        f"(gamma feedback {gamma_feedback:g}, seed {seed}) into {store}"
    )
    synth_cmd(
        store=store,
        underlying=underlying,
        sessions=sessions,
        every=every,
        seed=seed,
        gamma_feedback=gamma_feedback,
        start=None,
        listing="demo",
    )
    typer.echo("2/3 replaying it through metrics, levels, signals, ideas, tracking and learning")
    typer.echo("3/3 evaluating against what the simulated market did, and writing the report")
    replay_cmd(
        store=str(store),
        underlying=underlying.upper(),
        start=None,
        end=None,
        out=run,
        prices=None,
        config=None,
        resume=False,
        report=True,
        cluster=None,
        session_boundaries=False,
    )
    typer.echo(
        f"demo done in {time.perf_counter() - t0:.0f} s: open {run / 'report.html'} in a browser; "
        f"`eots dashboard --store {store} --run {run}` serves the live view"
    )


__all__ = ["demo_cmd"]
