"""One self-contained HTML page from a list of chart sections (Plotly's JavaScript inline).

The first figure carries ``plotly.js`` (``plotly.io.to_html(include_plotlyjs=True)``), the others
reuse it, so the page opens offline from a file. A section whose data is missing shows a sentence
saying so instead of an empty chart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

_CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 24px auto;
       max-width: 1200px; color: #1d2330; background: #fbfbfd; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin: 28px 0 4px; }
p.caption { margin: 0 0 8px; color: #4a5262; font-size: 13px; }
p.empty { color: #8a6d3b; background: #fcf8e3; padding: 8px 12px; border-radius: 4px; }
ul.notes { font-size: 13px; color: #4a5262; }
table.meta { font-size: 13px; border-collapse: collapse; }
table.meta td { padding: 2px 12px 2px 0; }
section { background: #fff; border: 1px solid #e3e6ee; border-radius: 6px; padding: 8px 16px 12px;
          margin-bottom: 16px; }
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """One chart: the trader's question it answers, a caption, and the figure (None: ``empty``)."""

    question: str
    caption: str
    figure: go.Figure | None
    empty: str = "no data for this chart in this run"


def page_html(
    title: str,
    meta: Sequence[tuple[str, str]],
    sections: Sequence[Section],
    notes: Sequence[str] = (),
) -> str:
    """Return the HTML page: title, a key/value table, notes, then each section.

    Plotly's JavaScript is inlined once, with the first drawn figure.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<table class="meta">',
        *(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>" for k, v in meta),
        "</table>",
    ]
    if notes:
        parts.append('<ul class="notes">')
        parts.extend(f"<li>{html.escape(n)}</li>" for n in notes)
        parts.append("</ul>")
    with_js = True
    for i, s in enumerate(sections):
        parts.append(f'<section id="chart-{i}">')
        parts.append(f"<h2>{html.escape(s.question)}</h2>")
        parts.append(f'<p class="caption">{html.escape(s.caption)}</p>')
        if s.figure is None:
            parts.append(f'<p class="empty">{html.escape(s.empty)}</p>')
        else:
            parts.append(
                pio.to_html(
                    s.figure,
                    include_plotlyjs=with_js,
                    full_html=False,
                    div_id=f"fig-{i}",
                    config={"displaylogo": False, "responsive": True},
                )
            )
            with_js = False
        parts.append("</section>")
    if with_js:
        # No figure at all: still ship plotly.js so the page's contract (inline, offline) holds.
        parts.append(f'<script type="text/javascript">{get_plotlyjs()}</script>')
    parts.append("</body></html>")
    return "\n".join(parts)


__all__ = ["Section", "page_html"]
