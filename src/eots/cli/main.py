"""The ``eots`` command: analyze a chain file, or the bundled synthetic sample (``demo``).

Heavy imports (polars, numpy, the calendar) happen inside the commands so ``eots --help`` is fast.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.main import get_command_name
from typer.models import CommandInfo

from eots.cli import (
    collect_cmd,
    dashboard_cmd,
    demo_cmd,
    history_cmd,
    levels_cmd,
    levels_export,
    prices_cmd,
    recs_cmd,
    replay_cmd,
    report_cmd,
    store_cmds,
    sweep_cmd,
    synth_cmd,
)
from eots.cli.history import HistoryInputs, analysis_for

# One BLAS thread unless the user chose otherwise (read when NumPy loads, so before any import of
# it): an analysis' matrix products are small, and spinning BLAS threads doubled the CPU time of
# ``eots analyze`` on a 2-core machine (analyze 142 -> 341 ms CPU on the largest SPX chain).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.engine import EngineParams, Step
    from eots.pipeline import AnalysisParams


def _command_name(info: CommandInfo) -> str | None:
    """Return the name a registered command answers to (typer's rule: the function's, dashed)."""
    if info.name is not None:
        return info.name
    return None if info.callback is None else get_command_name(info.callback.__name__)


class _Eots(typer.Typer):
    """The root app: a run builds the click command of the one subcommand it names.

    Typer turns every registered command into a click command (parameters, type converters)
    before it parses the command line: ~70 ms of ``eots analyze``'s CPU went to building the
    other twenty-odd commands it never runs. A run whose first argument names a command or a
    group builds the root with that one only (same root callback, same names, same help); any
    other command line (``eots``, ``eots --help``, a typo) builds them all.
    ``typer.main.get_command(app)`` (the test runner's way in) is unchanged: all of them.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line (``sys.argv`` unless ``args`` are given) with a lean root."""
        argv = kwargs.get("args", args[0] if args else None)
        words = sys.argv[1:] if argv is None else list(argv)
        name = words[0] if words else None
        commands = [c for c in self.registered_commands if _command_name(c) == name]
        groups = [g for g in self.registered_groups if g.name is not None and g.name == name]
        if not commands and not groups:
            return super().__call__(*args, **kwargs)
        lean = copy.copy(self)
        lean.registered_commands = commands
        lean.registered_groups = groups
        return typer.Typer.__call__(lean, *args, **kwargs)


app = _Eots(
    name="eots",
    help="Dealer exposures, gamma levels and key levels from an option chain.",
    no_args_is_help=True,
    add_completion=False,
)

ExpiriesOpt = Annotated[
    str | None,
    typer.Option(
        "--expiries",
        "-e",
        help="Expiry scope: all | 0dte | ex0dte | <=N (days). \\[default: all, or the config's]",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
TopOpt = Annotated[int, typer.Option("--top", help="How many top strikes to list.", min=1)]
SignOpt = Annotated[
    str | None,
    typer.Option(
        "--sign",
        help="Dealer sign convention: classic | short_both. \\[default: classic, or the config's]",
    ),
]
BandOpt = Annotated[
    float | None,
    typer.Option(
        "--band",
        help="Zero-gamma search band, +- fraction of spot. \\[default: 0.15, or the config's]",
        min=0.01,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", envvar="EOTS_CONFIG", help="JSON config (eots config show); flags override it."
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Write contracts, strikes and profile frames to this folder."),
]
FormatOpt = Annotated[str, typer.Option("--format", help="Frame file format: parquet | csv.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Valuation time, ISO 8601 (US/Eastern without an offset); a date = its close.",
    ),
]


def _parse_as_of(text: str | None) -> dt.datetime | None:
    """ISO 8601 time (US/Eastern without an offset); a bare date means that session's close."""
    if text is None:
        return None
    from eots.core.time import ET, nyse_calendar

    try:
        if len(text.strip()) == 10:
            day = dt.date.fromisoformat(text.strip())
            bounds = nyse_calendar().session_bounds(day)
            if bounds is None:
                raise typer.BadParameter(
                    f"{day} is not an NYSE session: give a session date or a full time"
                )
            return bounds[1]
        ts = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"expected an ISO 8601 time, was {text!r}") from e
    return ts.replace(tzinfo=ET) if ts.tzinfo is None else ts


def _params(
    config: Path | None,
    expiries: str | None,
    sign: str | None,
    band: float | None,
    spot: str | None = None,
) -> AnalysisParams:
    """Return the config file's parameters (or the defaults) with the flags given on top."""
    from eots.config import load_params, params_document, params_from_document
    from eots.core.errors import ConfigError
    from eots.exposures import ExpiryScope
    from eots.pipeline import AnalysisParams

    try:
        base = load_params(config) if config is not None else AnalysisParams()
        if expiries is None and sign is None and band is None and spot is None:
            return base
        document = params_document(base)
        if expiries is not None:
            ExpiryScope.parse(expiries)
            document["exposures"]["expiries"] = expiries
        if sign is not None:
            document["exposures"]["sign_convention"] = sign
        if band is not None:
            document["zero_gamma"]["band_pct"] = band
        if spot is not None:
            document["pricing"]["spot_source"] = spot
        return params_from_document(document, source="command-line options")
    except ConfigError as e:
        raise typer.BadParameter(str(e)) from e


def engine_params(config: Path | None, analysis: AnalysisParams | None = None) -> EngineParams:
    """Return the engine's parameters of a config file (defaults without one).

    The engine's parameters of a config file (defaults without one), with ``analysis`` (the
    file's analysis sections with the command-line flags on top) in place of the file's.
    """
    from eots.config import EotsConfig, load_config
    from eots.core.errors import ConfigError

    try:
        loaded = load_config(config) if config is not None else EotsConfig()
    except ConfigError as e:
        raise typer.BadParameter(str(e)) from e
    from eots.cli.logsetup import configure_logging

    configure_logging(loaded.log_level)
    if analysis is None:
        return loaded.engine
    return loaded.engine.model_copy(update={"analysis": analysis})


@dataclass(frozen=True, slots=True)
class _Output:
    as_json: bool
    top: int
    out: Path | None
    fmt: str
    html: Path | None = None
    config: Path | None = None


def _emit(
    snapshot: ChainSnapshot,
    params: AnalysisParams,
    output: _Output,
    history: HistoryInputs | None = None,
) -> None:
    from eots.cli.context_view import context_summary
    from eots.cli.frames import write_frames
    from eots.cli.report import downstream_json, report

    inputs = history or HistoryInputs()
    step = analysis_for(snapshot, engine_params(output.config, params), inputs)
    analysis = step.analysis
    data = report(analysis, top=output.top)
    data.update(downstream_json(step))
    context = context_summary(analysis) if inputs.store is not None else None
    if context is not None:
        data["market_context"] = context
    if output.out is not None:
        written = write_frames(analysis, output.out, output.fmt)
        data["files"] = [str(p) for p in written]
    if output.html is not None:
        from eots.report import analysis_html

        output.html.write_text(analysis_html(analysis), encoding="utf-8")
        data.setdefault("files", []).append(str(output.html))
    if output.as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        _print_text(data, step, context)


def _print_text(data: dict[str, Any], step: Step, context: dict[str, Any] | None) -> None:
    """Print the analysis as text (rich tables; imported here, a JSON run never loads rich)."""
    from eots.cli.console import output_console
    from eots.cli.context_view import context_lines
    from eots.cli.render import render
    from eots.cli.report import render_downstream

    console = output_console()
    render(data, console)
    if context is not None:
        console.print("Market context (source, observations used/required):")
        for line in context_lines(context):
            console.print(f"  {line}", markup=False, highlight=False)
    render_downstream(step, console)
    for path in data.get("files", []):
        typer.echo(f"wrote {path}")


def _output(
    as_json: bool,
    top: int,
    out: Path | None,
    fmt: str,
    html: Path | None = None,
    config: Path | None = None,
) -> _Output:
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter(f"expected --format parquet or csv, was {fmt!r}")
    if out is not None and out.exists() and not out.is_dir():
        raise typer.BadParameter(
            f"--out {out} is a file: give a folder (created if missing) for the frame files"
        )
    return _Output(as_json=as_json, top=top, out=out, fmt=fmt, html=html, config=config)


#: An ``--as-of`` more than this after the file's capture time is probably a typo (a warning).
AS_OF_WARN_AFTER = dt.timedelta(days=5)


def _warn_far_as_of(snapshot: ChainSnapshot) -> None:
    """Warn on stderr when ``--as-of`` lies far after the file's own capture time."""
    from eots.core.time import TimeBasis

    if snapshot.time_basis is not TimeBasis.OVERRIDE or snapshot.ts_recv == snapshot.ts_event:
        return  # no --as-of, or the file has no capture time to compare with
    gap = snapshot.ts_event - snapshot.ts_recv
    if gap > AS_OF_WARN_AFTER:
        typer.echo(
            f"warning: --as-of {snapshot.ts_event:%Y-%m-%d %H:%M} UTC is {gap.days} days after "
            f"the file's capture time {snapshot.ts_recv:%Y-%m-%d %H:%M} UTC; the chain is "
            "valued as if quoted then (times to expiry shrink, expired contracts are dropped)",
            err=True,
        )


def _fail(e: Exception) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(code=2)


@app.command()
def analyze(
    path: Annotated[Path, typer.Argument(help="Chain file: CBOE CSV/JSON, TDA JSON, generic.")],
    expiries: ExpiriesOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    top: TopOpt = 10,
    sign: SignOpt = None,
    band: BandOpt = None,
    config: ConfigOpt = None,
    out: OutOpt = None,
    fmt: FormatOpt = "parquet",
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Snapshot store: the file is added to it and its history (earlier snapshots "
            "of the session, prior sessions) supplies flows and market context.",
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Price history folder (daily bars for ATR, realised vol)."),
    ] = None,
    trades: Annotated[
        Path | None,
        typer.Option(
            "--trades", help="Side-classified trades CSV (docs/flows.md): the best flow source."
        ),
    ] = None,
    spot: Annotated[
        str | None,
        typer.Option(
            "--spot",
            help="quote: the file's spot; parity: replace a spot that disagrees with put-call "
            "parity (a stale after-hours print) by the parity-implied one. "
            "\\[default: quote, or the config's]",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML page of the analysis."),
    ] = None,
) -> None:
    """Analyze an option-chain file.

    Exposures, walls, zero gamma, metrics, key levels, signals
    and trade ideas.
    """
    from eots.core.errors import EotsError
    from eots.sources import load_chain

    params = _params(config, expiries, sign, band, spot)
    output = _output(as_json, top, out, fmt, html, config)
    if prices is not None and store is None:
        raise typer.BadParameter("--prices needs --store (history is read from the store)")
    try:
        snapshot = load_chain(path, as_of=_parse_as_of(as_of))
        _warn_far_as_of(snapshot)
        _emit(snapshot, params, output, HistoryInputs(store, prices, trades))
    except (EotsError, OSError) as e:
        _fail(e)


@app.command("sample")
def sample(
    underlying: Annotated[str, typer.Option(help="SPX or SPY.")] = "SPX",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
    as_of: AsOfOpt = "2026-11-20T11:30:00",
    expiries: ExpiriesOpt = None,
    as_json: JsonOpt = False,
    top: TopOpt = 10,
    sign: SignOpt = None,
    band: BandOpt = None,
    config: ConfigOpt = None,
    out: OutOpt = None,
    fmt: FormatOpt = "parquet",
) -> None:
    """Analyze one snapshot of the bundled synthetic market (no data, no network needed)."""
    from eots.core.errors import EotsError
    from eots.synthetic import SyntheticParams, synthetic_chain

    params = _params(config, expiries, sign, band)
    output = _output(as_json, top, out, fmt)
    when = _parse_as_of(as_of)
    assert when is not None
    try:
        snapshot = synthetic_chain(SyntheticParams(underlying=underlying, seed=seed), as_of=when)
        _emit(snapshot, params, output)
    except EotsError as e:
        _fail(e)


store_app = typer.Typer(help="Inspect the snapshot store.", no_args_is_help=True)
app.command("ingest")(store_cmds.ingest_cmd)
app.command("collect")(collect_cmd.collect_cmd)
app.command("replay")(replay_cmd.replay_cmd)
app.command("demo")(demo_cmd.demo_cmd)
app.command("synth")(synth_cmd.synth_cmd)
app.command("ingest-history")(history_cmd.ingest_history_cmd)
app.command("evidence")(history_cmd.evidence_cmd)
app.command("dashboard")(dashboard_cmd.dashboard_cmd)
app.command("sweep")(sweep_cmd.sweep_cmd)
store_app.command("ls")(store_cmds.store_list_cmd)
store_app.command("verify")(store_cmds.store_verify_cmd)
store_app.command("repair")(store_cmds.store_repair_cmd)
app.add_typer(store_app, name="store")
app.add_typer(prices_cmd.prices_app, name="prices")
config_app = typer.Typer(help="The JSON configuration.", no_args_is_help=True)


@config_app.command("schema")
def config_schema_cmd() -> None:
    """Print the JSON Schema of the config file."""
    from eots.config import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


@config_app.command("show")
def config_show_cmd(config: ConfigOpt = None) -> None:
    """Print the effective configuration (the defaults, or a file's values with the defaults).

    The output loads back with ``--config``; its ``fingerprint`` key is informational.
    """
    from eots.config import EotsConfig, config_document, load_config
    from eots.core.errors import ConfigError

    try:
        loaded = load_config(config) if config is not None else EotsConfig()
    except ConfigError as e:
        raise typer.BadParameter(str(e)) from e
    sys.stdout.write(json.dumps(config_document(loaded), indent=2) + "\n")


@config_app.command("validate")
def config_validate_cmd(
    path: Annotated[Path, typer.Argument(help="A config file (native or the framework's).")],
) -> None:
    """Check a config file: exit 0, or print each problem with its key path and exit 2."""
    from eots.config import load_config
    from eots.core.errors import ConfigError

    try:
        loaded = load_config(path)
    except ConfigError as e:
        for problem in str(e).split("; "):
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=2) from e
    typer.echo(f"{path}: valid; engine fingerprint {loaded.fingerprint()}")


@config_app.command("init")
def config_init_cmd(
    out: Annotated[Path, typer.Argument(help="Where to write the default config.")] = Path(
        "eots.json"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a config file with every key at its documented default, to edit."""
    from eots.config import EotsConfig, config_document

    if out.exists() and not force:
        typer.echo(f"error: {out} exists (pass --force to overwrite it)", err=True)
        raise typer.Exit(code=2)
    out.write_text(json.dumps(config_document(EotsConfig()), indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}")


app.add_typer(config_app, name="config")
levels_app = typer.Typer(help="Key levels: how well they held.", no_args_is_help=True)
levels_app.command("evaluate")(levels_cmd.levels_evaluate_cmd)
levels_app.command("export")(levels_export.levels_export_cmd)
app.add_typer(levels_app, name="levels")
app.command("report")(report_cmd.report_cmd)
app.add_typer(recs_cmd.recs_app, name="recs")


def _version(value: bool) -> None:
    if value:
        from eots import __version__

        typer.echo(f"eots {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Dealer exposures, gamma levels and key levels from an option chain."""
    from eots.core.memory import keep_freed_memory

    keep_freed_memory()  # every command: freed arrays reused, not faulted in again


def main() -> None:
    """Entry point for ``python -m eots``."""
    app()
