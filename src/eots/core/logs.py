"""Structured logging for the edges (engine entry points, the collector): key=value, no secrets.

Modules at the edges take a stdlib logger named after themselves (``logging.getLogger(__name__)``)
and pass what a reader filters on as ``extra`` fields::

    log.info("saved", extra={"underlying": "SPX", "poll": 3, "path": "..."})

``KeyValueFormatter`` renders one line per record, ``<time> <LEVEL> <logger> <message> k=v ...``
(values with spaces or quotes are JSON-quoted), and redacts secrets twice: a field whose name
looks secret (``token``, ``secret``, ``password``, ``api_key``, ``authorization`` ...) is shown as
``***``, and every value of such an environment variable (``TRADIER_TOKEN`` ...) is replaced by
``***`` wherever it appears in the line (an exception message that echoes a URL with the token in
it, for instance). ``configure(level)`` installs it on the ``eots`` logger (what the CLI does with
the config's ``log_level``). The pure stages never log: they return ``Diagnostic`` values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import IO

#: Names (of fields and environment variables) whose values are secrets.
SECRET_NAME = re.compile(
    r"token|secret|passw(or)?d|api[_-]?key|apikey|authori[sz]ation|credential|cookie|session_key",
    re.IGNORECASE,
)
REDACTED = "***"
_MIN_SECRET = 4  # shorter values would redact ordinary words
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_HANDLER_NAME = "eots-key-value"


def secret_values(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Return the values of environment variables whose names look secret (longest first)."""
    env = os.environ if environ is None else environ
    found = {v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= _MIN_SECRET}
    return tuple(sorted(found, key=len, reverse=True))


class KeyValueFormatter(logging.Formatter):
    """One line per record with ``k=v`` extras and secrets redacted (module docstring)."""

    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        """Redact ``secrets`` (default: the secret-looking environment variables at format time)."""
        super().__init__()
        self._secrets = None if secrets is None else tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """Return ``<time> <LEVEL> <logger> <message> k=v ...`` with secrets redacted."""
        when = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
            timespec="milliseconds"
        )
        parts = [when, record.levelname, record.name, record.getMessage()]
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            shown = REDACTED if SECRET_NAME.search(key) else _text(value)
            parts.append(f"{key}={shown}")
        if record.exc_info:
            parts.append("exc=" + json.dumps(self.formatException(record.exc_info)))
        return redact(" ".join(parts), self._secrets)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """Return ``text`` with every secret value replaced by ``***``."""
    for value in secret_values() if secrets is None else secrets:
        if len(value) >= _MIN_SECRET:
            text = text.replace(value, REDACTED)
    return text


def configure(level: str, stream: IO[str] | None = None) -> logging.Handler:
    """Log ``eots.*`` records at ``level`` and above to ``stream`` (stderr) as key=value lines.

    Idempotent: a second call replaces the handler the first one installed.
    """
    logger = logging.getLogger("eots")
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(KeyValueFormatter())
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level.upper()))
    logger.propagate = False
    return handler


def _text(value: object) -> str:
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    if not text or any(c.isspace() or c in "\"'=" for c in text):
        return json.dumps(text)
    return text


__all__ = [
    "REDACTED",
    "SECRET_NAME",
    "KeyValueFormatter",
    "configure",
    "redact",
    "secret_values",
]
