"""``eots sweep``: several configs replayed over one history, ranked, with a held-out period."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from eots.replay.sweep import Metric, SweepResult


def _checked_options(metric: str, holdout: float, cluster: str | None) -> Metric:
    """Refuse a bad --metric, --holdout or --cluster before any work; return the metric."""
    if metric not in ("auto", "level_edge", "idea_edge"):
        raise typer.BadParameter(
            f"expected auto, level_edge or idea_edge, was {metric!r}", param_hint="--metric"
        )
    if not 0.0 < holdout < 1.0:
        raise typer.BadParameter(f"expected 0 < holdout < 1, was {holdout}", param_hint="--holdout")
    if cluster is not None:
        from eots.replay.distributed import parse_cluster

        try:
            parse_cluster(cluster)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--cluster") from e
    return cast("Metric", metric)


def _print_table(result: SweepResult, n_configs: int, folder: Path) -> None:
    """Print the ranked configs with their intervals, baselines and adjusted p-values."""
    from rich.table import Table

    from eots.cli.console import output_console

    table = Table(title=f"sweep of {n_configs} configs ({result.metric}) -> {folder}")
    for col in ("rank", "config", "period", "n", "value", "95% CI", "baseline", "edge", "p", "q"):
        table.add_column(col)
    for r in result.table.iter_rows(named=True):
        table.add_row(
            "" if r["rank"] is None else str(r["rank"]),
            r["config"],
            r["period"],
            str(r["n"]),
            _num(r["value"]),
            f"[{_num(r['low'])}, {_num(r['high'])}]",
            _num(r["baseline"]),
            _num(r["edge"]),
            _num(r["p_value"]),
            _num(r["q_value"]),
        )
    output_console().print(table)


def sweep_cmd(
    configs: Annotated[
        list[Path], typer.Argument(help="JSON config files (eots config show), one run each.")
    ],
    store: Annotated[
        str, typer.Option("--store", help="Snapshot store: a folder or an fsspec URL (s3://...).")
    ],
    underlying: Annotated[
        str | None,
        typer.Option("--underlying", "-u", help="Underlying (default: the store's only one)."),
    ] = None,
    prices: Annotated[
        str | None,
        typer.Option("--prices", help="Price store (bars for ATR and the scoring)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First quote time.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last quote time.")] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Run on Dask: local:N or a scheduler address."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Sweep folder [default: runs/sweep-<underlying>].")
    ] = None,
    holdout: Annotated[
        float,
        typer.Option("--holdout", help="Share of the last sessions held out from the ranking."),
    ] = 0.5,
    metric: Annotated[
        str, typer.Option("--metric", help="auto | level_edge | idea_edge.")
    ] = "auto",
) -> None:
    """Replay every config over the same history and rank them honestly.

    Rank them on a selection period and re-score the best on a later held-out period (the
    honest figure); p-values adjusted for the number of
    configs (Bonferroni, Benjamini-Hochberg). Writes OUT/<config>/ runs and OUT/sweep.json.
    """
    from rich.console import Console

    from eots.cli.main import _parse_as_of
    from eots.cli.replay_cmd import _only_underlying
    from eots.config import load_params
    from eots.core.errors import ConfigError, EotsError
    from eots.engine import EngineParams
    from eots.replay import ReplaySpec
    from eots.replay.sweep import SweepConfig, sweep
    from eots.storage import SnapshotStore

    chosen = _checked_options(metric, holdout, cluster)
    try:
        snapshots = SnapshotStore.open(store)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--store") from e
    if snapshots.fs is None and not snapshots.root.is_dir():
        raise typer.BadParameter(f"{store} is not a folder (expected a snapshot store)")
    symbol = underlying.upper() if underlying else _only_underlying(snapshots)
    try:
        sweep_configs = [
            SweepConfig(name=p.stem, params=EngineParams(analysis=load_params(p))) for p in configs
        ]
    except ConfigError as e:
        raise typer.BadParameter(str(e)) from e
    spec = ReplaySpec(
        store=store,
        underlying=symbol,
        start=_parse_as_of(start),
        end=_parse_as_of(end),
        prices=prices,
    )
    folder = out or Path("runs") / f"sweep-{symbol}"
    console = Console(stderr=True)

    def done(name: str) -> None:
        console.print(f"replayed {name}")

    try:
        if cluster is None:
            result = sweep(
                spec, sweep_configs, folder, holdout_fraction=holdout, metric=chosen, progress=done
            )
        else:
            from eots.replay.distributed import connect

            with connect(cluster) as client:
                result = sweep(
                    spec,
                    sweep_configs,
                    folder,
                    client,
                    holdout_fraction=holdout,
                    metric=chosen,
                    progress=done,
                )
    except EotsError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    _print_table(result, len(configs), folder)
    for note in result.notes:
        typer.echo(f"- {note}")


def _num(x: float | None) -> str:
    import math

    return "" if x is None or not math.isfinite(x) else f"{x:.3f}"
