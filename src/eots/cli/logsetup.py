"""Logging set-up shared by every command that reads the configuration (no rich, no engine)."""

from __future__ import annotations

import logging

from eots.core.logs import configure


def configure_logging(level: str) -> None:
    """Route records at ``level``: ``eots.*`` as key=value lines (secrets redacted), others plain.

    ``force``: each invocation binds the handlers to the current stderr. In one process (a test
    runner, a notebook) an earlier invocation's stream may have been closed since.
    """
    logging.basicConfig(
        level=getattr(logging, level), format="%(levelname)s %(name)s: %(message)s", force=True
    )
    configure(level)


__all__ = ["configure_logging"]
