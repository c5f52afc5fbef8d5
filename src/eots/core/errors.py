"""The exception tree of eots.

Every error the library raises on purpose derives from :class:`EotsError`::

    EotsError
    ├── ConfigError          a configuration value is missing or invalid
    ├── SchemaError          input data cannot be trusted (file, line and field named)
    │   ├── EmptyChainError  nothing usable is left after validation
    │   └── StageInputError  a stage's input frame lacks a declared column (also a ValueError)
    ├── SourceError          a data source failed
    │   ├── SourceUnavailable  timeouts, refused connections, 5xx after retries
    │   └── PayloadError       the source answered with something we cannot parse
    └── ReplayError          stored history is inconsistent

Messages state what was received, e.g. ``expected bid <= ask, was bid=1.2 ask=1.1``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence


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


class StageInputError(SchemaError, ValueError):
    """A stage was given a frame without a column it reads.

    Raised at a stage boundary (priced -> exposures -> metrics -> adaptive -> levels) when the
    incoming frame lacks a column of the producer's declared ``*_SCHEMA`` that the stage needs:
    a missing input is an error, never a column of nulls. The check compares column names only
    (no pass over the data). ``stage`` is the stage taking the frame, ``frame`` the frame's name,
    ``missing`` the absent columns.
    """

    def __init__(self, stage: str, frame: str, missing: Sequence[str]) -> None:
        self.stage = stage
        self.frame = frame
        self.missing = tuple(missing)
        names = ", ".join(repr(c) for c in missing)
        super().__init__(
            f"stage {stage!r}: expected the {frame} frame to have column(s) {names}, missing",
            field=missing[0] if missing else None,
        )

    @classmethod
    def require(
        cls, columns: Collection[str], required: Iterable[str], *, stage: str, frame: str
    ) -> None:
        """Raise unless every ``required`` name is in ``columns`` (a frame's columns or schema).

        Examples
        --------
        >>> StageInputError.require(["a", "b"], ["a"], stage="metrics", frame="exposure")
        >>> StageInputError.require(["a"], ["a", "c"], stage="metrics", frame="exposure")
        Traceback (most recent call last):
        ...
        eots.core.errors.StageInputError: field 'c': stage 'metrics': expected the exposure frame \
to have column(s) 'c', missing
        """
        present = columns if isinstance(columns, (set, frozenset, dict)) else set(columns)
        missing = [c for c in required if c not in present]
        if missing:
            raise cls(stage, frame, missing)
