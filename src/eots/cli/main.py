"""The ``eots`` command: analyze a chain file, or the bundled synthetic sample (``demo``).

Heavy imports (polars, numpy, the calendar) happen inside the commands so ``eots --help`` is fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eots.cli import (
    collect_cmd,
    dashboard_cmd,
    history_cmd,
    levels_cmd,
    levels_export,
    prices_cmd,
    recs_cmd,
    replay_cmd,
    report_cmd,
    store_cmds,
    synth_cmd,
)
from eots.cli.history import HistoryInputs, analysis_for

if TYPE_CHECKING:
    from eots.chain.snapshot import ChainSnapshot
    from eots.pipeline import AnalysisParams

app = typer.Typer(
    name="eots",
    help="Dealer exposures, gamma levels and key levels from an option chain.",
    no_args_is_help=True,
    add_completion=False,
)

ExpiriesOpt = Annotated[
    str | None,
    typer.Option(
        "--expiries", "-e", help="Expiry scope: all | 0dte | ex0dte | <=N (days). [default: all]"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
TopOpt = Annotated[int, typer.Option("--top", help="How many top strikes to list.", min=1)]
SignOpt = Annotated[
    str | None,
    typer.Option("--sign", help="Dealer sign convention: classic | short_both. [default: classic]"),
]
BandOpt = Annotated[
    float | None,
    typer.Option(
        "--band", help="Zero-gamma search band, +- fraction of spot. [default: 0.15]", min=0.01
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
    """The config file's parameters (or the defaults) with the flags given on top."""
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


@dataclass(frozen=True, slots=True)
class _Output:
    as_json: bool
    top: int
    out: Path | None
    fmt: str


def _emit(
    snapshot: ChainSnapshot,
    params: AnalysisParams,
    output: _Output,
    history: HistoryInputs | None = None,
) -> None:
    from rich.console import Console

    from eots.cli.frames import write_frames
    from eots.cli.render import render
    from eots.cli.report import report
    from eots.engine import EngineParams

    inputs = history or HistoryInputs()
    analysis = analysis_for(snapshot, EngineParams(analysis=params), inputs)
    data = report(analysis, top=output.top)
    if output.out is not None:
        written = write_frames(analysis, output.out, output.fmt)
        data["files"] = [str(p) for p in written]
    as_json = output.as_json
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        render(data, Console())
        for path in data.get("files", []):
            typer.echo(f"wrote {path}")


def _output(as_json: bool, top: int, out: Path | None, fmt: str) -> _Output:
    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter(f"expected --format parquet or csv, was {fmt!r}")
    return _Output(as_json=as_json, top=top, out=out, fmt=fmt)


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
            "parity (a stale after-hours print) by the parity-implied one. [default: quote]",
        ),
    ] = None,
) -> None:
    """Analyze an option-chain file: exposures, walls, zero gamma, base metrics."""
    from eots.core.errors import EotsError
    from eots.sources import load_chain

    params = _params(config, expiries, sign, band, spot)
    output = _output(as_json, top, out, fmt)
    if prices is not None and store is None:
        raise typer.BadParameter("--prices needs --store (history is read from the store)")
    try:
        snapshot = load_chain(path, as_of=_parse_as_of(as_of))
        _emit(snapshot, params, output, HistoryInputs(store, prices, trades))
    except (EotsError, OSError) as e:
        _fail(e)


@app.command()
def demo(
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
    """Analyze the bundled synthetic market (no data, no network needed)."""
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
app.command("synth")(synth_cmd.synth_cmd)
app.command("ingest-history")(history_cmd.ingest_history_cmd)
app.command("evidence")(history_cmd.evidence_cmd)
app.command("dashboard")(dashboard_cmd.dashboard_cmd)
store_app.command("ls")(store_cmds.store_list_cmd)
store_app.command("verify")(store_cmds.store_verify_cmd)
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
    """Print the effective configuration (the defaults, or a file's values with the defaults)."""
    from eots.config import params_document

    params = _params(config, None, None, None)
    document = params_document(params)
    document["fingerprint"] = params.fingerprint()
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


app.add_typer(config_app, name="config")
levels_app = typer.Typer(help="Key levels: how well they held.", no_args_is_help=True)
levels_app.command("evaluate")(levels_cmd.levels_evaluate_cmd)
levels_app.command("export")(levels_export.levels_export_cmd)
app.add_typer(levels_app, name="levels")
app.command("report")(report_cmd.report_cmd)
app.add_typer(recs_cmd.recs_app, name="recs")


def main() -> None:
    """Entry point for ``python -m eots``."""
    app()
