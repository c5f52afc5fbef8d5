"""The report pages: a replay's run directory, or one analysis, as one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from eots.evaluation import Evaluation, EvaluationParams, RunFrames, evaluate_run, read_run
from eots.pipeline import Analysis
from eots.report.analysis_figures import analysis_sections
from eots.report.page import page_html
from eots.report.run_figures import run_sections

ET_ZONE = "America/New_York"


def run_report_html(run: RunFrames, ev: Evaluation) -> str:
    """Return the HTML page of a replay: the charts of ``run_figures`` and the evaluation."""
    m = run.manifest
    meta = [
        ("underlying", str(m.get("underlying"))),
        ("span", f"{m.get('from')} .. {m.get('to')}"),
        ("snapshots", str(m.get("n_snapshots"))),
        ("config fingerprint", str(m.get("config_fingerprint"))),
        ("eots", str(m.get("version"))),
        ("closed ideas", str(run.outcomes.height)),
    ]
    title = f"eots replay report: {m.get('underlying')}"
    return page_html(title, meta, run_sections(run, ev), ev.notes)


def write_run_report(
    run_dir: Path | str, params: EvaluationParams | None = None, out: Path | None = None
) -> Path:
    """Evaluate a run directory and write its report (``RUN_DIR/report.html`` by default)."""
    root = Path(run_dir)
    frames = read_run(root)
    ev = evaluate_run(frames, params)
    path = out or root / "report.html"
    path.write_text(run_report_html(frames, ev), encoding="utf-8")
    return path


def analysis_html(analysis: Analysis) -> str:
    """Return the HTML page of one analysis: GEX by strike, gamma profile, levels, heatmaps."""
    a = analysis
    when = a.as_of.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = [
        ("underlying", a.snapshot.underlying),
        ("as of", when),
        ("session", a.session.isoformat()),
        ("spot", f"{a.snapshot.spot:,.2f}"),
        ("net GEX", f"${a.totals.net_gex:,.0f} per 1% move"),
        ("zero gamma", a.zero_gamma.describe(a.snapshot.spot)),
        ("config fingerprint", a.params_fingerprint),
    ]
    title = f"eots analysis: {a.snapshot.underlying} {when}"
    return page_html(title, meta, analysis_sections(a), a.warnings)


__all__ = ["analysis_html", "run_report_html", "write_run_report"]
