"""The evaluation's terminal tables print every cell whole, on a narrow terminal too."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from eots.cli.console import PIPE_WIDTH, output_console
from eots.cli.evaluation_render import _table, natural_width, print_whole

_HEADERS = (
    "family/claim", "horizon", "stars", "n", "hit [95% CI]", "base", "mean move [95% CI]", "q",
)  # fmt: skip
_ROW = (
    "directional/direction", "next_session", "5", "1234*", "100% [21%-100%]", "51%",
    "8.8 [-40.7, 58.4] usd_from_strike", "1.000",
)  # fmt: skip


def _render(width: int) -> tuple[str, bool]:
    table = _table("Signals", _HEADERS)
    table.add_row(*_ROW)
    out = io.StringIO()
    wider = print_whole(table, Console(width=width, file=out, color_system=None))
    return out.getvalue(), wider


@pytest.mark.parametrize("width", [60, 80, 200])
def test_every_cell_is_printed_whole_at_any_width(width: int) -> None:
    # at 80 columns rich used to squeeze the label column out and cut the intervals to "1..."
    text, wider = _render(width)
    for cell in (*_ROW, *_HEADERS):
        assert cell in text, (width, text)
    assert wider == (width < 123)


def test_natural_width_is_what_the_widest_row_needs() -> None:
    table = _table("Signals", _HEADERS)
    table.add_row(*_ROW)
    assert natural_width(table, Console(width=80)) == 123  # measured, beyond the console
    text, _ = _render(200)
    assert 120 <= max(len(line.rstrip()) for line in text.splitlines()) <= 123


def test_piped_output_is_not_folded_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = output_console()
    assert not console.is_terminal  # pytest captures standard output
    assert console.width == PIPE_WIDTH
