"""Self-contained HTML reports (Plotly, JavaScript inline): a replay's run, or one analysis."""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.report.html import analysis_html, run_report_html, write_run_report
    from eots.report.page import Section, page_html

__all__ = ["Section", "analysis_html", "page_html", "run_report_html", "write_run_report"]

lazy_package(
    __name__,
    {
        "eots.report.html": ("analysis_html", "run_report_html", "write_run_report"),
        "eots.report.page": ("Section", "page_html"),
    },
)
