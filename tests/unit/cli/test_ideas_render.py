"""The ideas render in 80 columns with their legs, prices, plans and reasons."""

from __future__ import annotations

from rich.console import Console

from eots.cli.ideas_render import render_ideas
from eots.ideas import IdeaParams, IdeaReport, trade_ideas
from unit.ideas.test_generate import inputs
from unit.ideas.world import et


def _text(report: IdeaReport) -> str:
    console = Console(width=80, record=True, color_system=None)
    console.print(render_ideas(report))
    return console.export_text()


def test_ideas_render_within_80_columns() -> None:
    report = trade_ideas(inputs(et(2024, 4, 1, 11, 0), direction=0.8), IdeaParams())
    text = _text(report)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "long call (bullish)" in text
    assert "SPXW" in text
    assert "max loss" in text
    assert "PoP" in text
    assert "sector rotation" in text  # the skipped step


def test_empty_report_says_so() -> None:
    text = _text(IdeaReport(ideas=(), skipped=("no executable quotes: none of 10 contracts",)))
    assert "no ideas for this snapshot" in text
    assert "no executable quotes" in text


def test_ideas_for_an_analysis_of_the_synthetic_sample() -> None:
    import dataclasses
    import datetime as dt

    from eots.cli.ideas_inputs import ideas_for
    from eots.core.time import ET
    from eots.pipeline import analyze
    from eots.synthetic import SyntheticParams, synthetic_chain
    from unit.ideas.world import integration

    at = dt.datetime(2024, 4, 1, 11, 0, tzinfo=ET)
    analysis = analyze(synthetic_chain(SyntheticParams(seed=1), as_of=at))
    report = ideas_for(analysis, integration(analysis.as_of, 0.8), (), IdeaParams())
    assert report.ideas
    assert {g.root for i in report.ideas for g in i.legs} <= {"SPX", "SPXW"}
    no_atr = dataclasses.replace(analysis, metrics=dataclasses.replace(analysis.metrics, atr=None))
    empty = ideas_for(no_atr, integration(analysis.as_of, 0.8), (), IdeaParams())
    assert empty.ideas == ()
    assert "no ATR" in empty.skipped[0]
