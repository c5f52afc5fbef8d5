"""``eots ingest-history`` and ``eots evidence``: the real histories into a store, and the evidence.

``ingest-history --layout barchart|zerodte`` reads one of the two collector layouts
(``docs/history.md``) into a snapshot store and prints what it did, by reason.
``evidence`` ingests both shared histories, replays and evaluates them with the real bars and
writes ``docs/evidence.md`` (``eots.evidence``).
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import typer

ENV_HISTORY = "EOTS_HISTORY_DATA"
ENV_PRICES = "EOTS_PRICE_DATA"


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def ingest_history_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="barchart: the snapshots folder; zerodte: the collector folders "
            "(chains, then chains_ci)."
        ),
    ],
    layout: Annotated[str, typer.Option("--layout", help="barchart | zerodte")],
    store: Annotated[Path, typer.Option("--store", help="Snapshot store to write into.")],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the per-file report here (CSV)."),
    ] = None,
) -> None:
    """Ingest a real option-chain history, repairing or refusing each known fault."""
    from eots.core.errors import EotsError
    from eots.evidence import ingest_barchart, ingest_zerodte

    if layout not in ("barchart", "zerodte"):
        _fail(f"expected --layout barchart or zerodte, was {layout!r}")
    for path in paths:
        if not path.is_dir():
            _fail(f"{path} is not a folder")
    if layout == "barchart" and len(paths) != 1:
        _fail("--layout barchart takes one snapshots folder")
    try:
        if layout == "barchart":
            result = ingest_barchart(paths[0], store)
        else:
            result = ingest_zerodte(paths, store)
    except (EotsError, OSError) as e:
        _fail(str(e))
    typer.echo(f"{layout}: {result.stored} snapshots stored, {result.refused} refused")
    for reason, count in sorted(result.counts.items()):
        typer.echo(f"  {count:>7}  {reason}")
    if report is not None:
        result.rows.write_csv(report)
        typer.echo(f"wrote {report}")


def evidence_cmd(
    history: Annotated[
        Path,
        typer.Option(
            "--history", envvar=ENV_HISTORY, help="The shared history folder (history/README.md)."
        ),
    ],
    prices: Annotated[
        Path, typer.Option("--prices", envvar=ENV_PRICES, help="The shared price-bar folder.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Markdown to write.")] = Path(
        "docs/evidence.md"
    ),
    work: Annotated[
        Path | None,
        typer.Option("--work", help="Fresh folder for the store and runs (default: a temp dir)."),
    ] = None,
    spx_files: Annotated[
        int | None, typer.Option("--spx-files", help="Only the first N Barchart files.", min=1)
    ] = None,
    spy_days: Annotated[
        int | None, typer.Option("--spy-days", help="Only the first N 0DTE days.", min=1)
    ] = None,
) -> None:
    """Replay the real SPX and SPY histories and write the evidence (docs/evidence.md)."""
    from eots.core.errors import EotsError
    from eots.evidence.render import evidence_command, render
    from eots.evidence.run import EvidenceSpec, build_evidence

    command = evidence_command(shlex.quote(str(out)), spx_files, spy_days)
    try:
        with tempfile.TemporaryDirectory(prefix="eots-evidence-") as tmp:
            spec = EvidenceSpec(
                history=history,
                prices=prices,
                work=work if work is not None else Path(tmp),
                spx_files=spx_files,
                spy_days=spy_days,
            )
            ev = build_evidence(spec)
    except (EotsError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=2) from e
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(ev, command=command))
    for h in (ev.spx, ev.spy):
        sys.stdout.write(
            f"{h.underlying}: {h.n_snapshots} snapshots replayed in {h.replay_seconds:.1f} s\n"
        )
    typer.echo(f"wrote {out}")
