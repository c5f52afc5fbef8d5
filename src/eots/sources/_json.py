"""Loading JSON payloads and pulling typed columns out of their records, with located errors.

JSON readers name a bad value by its record: ``line`` in a ``SchemaError`` is the 1-based record
number and ``field`` the JSON path (``options[11].bid``). A truncated or malformed document is
refused with the real line and column from the decoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

from eots.core.errors import EmptyChainError, SchemaError

Where = Callable[[int, str], str]


def load_json(data: bytes, *, source: str) -> dict[str, Any]:
    """Decode a JSON object, refusing non-UTF-8 bytes, malformed JSON and non-object documents."""
    if not data.strip():
        raise EmptyChainError("the file is empty", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SchemaError(f"not UTF-8 text: {e.reason} at byte {e.start}", source=source) from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SchemaError(
            f"invalid or truncated JSON: {e.msg} (column {e.colno})", source=source, line=e.lineno
        ) from e
    if not isinstance(doc, dict):
        raise SchemaError(f"expected a JSON object, was {type(doc).__name__}", source=source)
    return doc


def is_number(value: object) -> TypeGuard[int | float]:
    """Return whether ``value`` is a JSON number (``bool`` is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_column(
    records: Sequence[dict[str, Any]],
    key: str,
    *,
    source: str,
    where: Where,
    required: bool = False,
    missing: tuple[object, ...] = (),
) -> list[float | None]:
    """Return ``records[i][key]`` as floats (None where absent or equal to a ``missing`` marker).

    Raises ``SchemaError`` naming the record and path for a value that is not a number, or for an
    absent value when ``required``.
    """
    out: list[float | None] = []
    for i, record in enumerate(records):
        value = record.get(key)
        if value is None or (missing and value in missing and not isinstance(value, bool)):
            if required:
                raise SchemaError(
                    "expected a number, none given", source=source, line=i + 1, field=where(i, key)
                )
            out.append(None)
        elif is_number(value):
            out.append(float(value))
        else:
            raise SchemaError(
                f"expected a number, was {value!r}", source=source, line=i + 1, field=where(i, key)
            )
    return out


def text_column(
    records: Sequence[dict[str, Any]], key: str, *, source: str, where: Where
) -> list[str]:
    """Return ``records[i][key]`` as strings, refusing absent or non-string values."""
    out: list[str] = []
    for i, record in enumerate(records):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SchemaError(
                f"expected a text value, was {value!r}",
                source=source,
                line=i + 1,
                field=where(i, key),
            )
        out.append(value.strip())
    return out


def records_of(value: object, *, source: str, path: str) -> list[dict[str, Any]]:
    """Return ``value`` as a list of JSON objects, refusing anything else."""
    if not isinstance(value, list):
        raise SchemaError(f"expected a list, was {type(value).__name__}", source=source, field=path)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise SchemaError(
                f"expected an object, was {item!r}", source=source, line=i + 1, field=f"{path}[{i}]"
            )
    return value
