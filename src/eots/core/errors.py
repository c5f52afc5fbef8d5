"""The exception tree of eots.

Every error the library raises on purpose derives from :class:`EotsError`::

    EotsError
    ├── ConfigError          a configuration value is missing or invalid
    ├── SchemaError          input data cannot be trusted (file, line and field named)
    │   └── EmptyChainError  nothing usable is left after validation
    ├── SourceError          a data source failed
    │   ├── SourceUnavailable  timeouts, refused connections, 5xx after retries
    │   └── PayloadError       the source answered with something we cannot parse
    └── ReplayError          stored history is inconsistent

Messages state what was received, e.g. ``expected bid <= ask, was bid=1.2 ask=1.1``.
"""

from __future__ import annotations


class EotsError(Exception):
    """Base class of every error raised by eots on purpose."""


class ConfigError(EotsError):
    """A configuration value is missing or invalid."""


class SchemaError(EotsError):
    """Input data cannot be trusted; the message names the source, line and field."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        where = []
        if source is not None:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class EmptyChainError(SchemaError):
    """No usable contract is left after validation."""


class SourceError(EotsError):
    """A data source failed."""


class SourceUnavailable(SourceError):  # noqa: N818 - the httpx-style name reads better here
    """The source could not be reached or kept failing after the last retry."""


class PayloadError(SourceError):
    """The source answered with a body that cannot be parsed or validated."""


class ReplayError(EotsError):
    """Stored history is inconsistent or was asked for data after ``as_of``."""
