"""Consoles for command output: no hard wrap at 80 columns when the output is piped.

Rich assumes 80 columns when standard output is not a terminal, so a table or a long note sent
to a file or a pipe came out folded. ``output_console`` keeps rich's width on a terminal (and
``COLUMNS`` when the user sets it) and otherwise gives lines room to stay whole.
"""

from __future__ import annotations

import os

from rich.console import Console

#: Width used when the output is not a terminal and ``COLUMNS`` is unset.
PIPE_WIDTH = 1000


def output_console(*, stderr: bool = False) -> Console:
    """Return a console that wraps only on a terminal (module docstring)."""
    probe = Console(stderr=stderr)
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(stderr=stderr, width=PIPE_WIDTH, soft_wrap=True)


__all__ = ["PIPE_WIDTH", "output_console"]
