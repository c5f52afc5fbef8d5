"""Loading JSON payloads and pulling typed columns out of their records, with located errors.

JSON readers name a bad value by its record: ``line`` in a ``SchemaError`` is the 1-based record
number and ``field`` the JSON path (``options[11].bid``). A truncated or malformed document is
refused with the real line and column from the decoder.
"""

from __future__ import annotations

import codecs
import json
import re
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
    except ValueError as e:  # an integer of more digits than Python converts
        raise SchemaError(f"invalid JSON: {str(e).split(';')[0]}", source=source) from e
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
            try:
                out.append(float(value))
            except OverflowError as e:  # an integer beyond the float range
                raise SchemaError(
                    f"expected a number within the float range, was an integer of "
                    f"{int(value).bit_length()} bits",
                    source=source,
                    line=i + 1,
                    field=where(i, key),
                ) from e
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


class JsonUnsure(Exception):  # noqa: N818  (not an error: "read this file whole")
    """The streamed reading leaves this document to ``load_json`` (malformed, or unexpected)."""


_SPACE = re.compile(r"[ \t\n\r]*")
#: What may follow a value in JSON text ('' is the end of the text, which is not one).
_AFTER = frozenset(" \t\n\r,]}:")
_DECODER = json.JSONDecoder()
#: A single value may span at most this many chunks plus ``_MAX_VALUE`` characters (a record
#: is far smaller); a longer one (or invalid JSON, which reads on until there) is left to
#: ``load_json``, so the unread text stays small.
_MAX_CHUNKS_PER_VALUE = 4
_MAX_VALUE = 1 << 16

#: ``on_array(path, items, first)``: a batch of an array's items; ``first`` is the 0-based index
#: of ``items[0]`` in the array.
OnArray = Callable[[tuple[str, ...], list[object], int], None]


class JsonStream:
    """Walk a JSON object read in chunks, handing chosen arrays out in batches of items.

    ``read(n)`` gives the next bytes of the document (b"" at its end), ``chunk`` bytes at a time.

    Objects at the paths ``descend`` names are walked key by key; arrays at the paths ``stream``
    names are walked item by item and handed to ``on_array`` in batches of about ``batch``
    characters of text (so only a batch of items is ever decoded at once); every other value is
    decoded whole with the standard decoder (``json.JSONDecoder.raw_decode``, the one
    ``json.loads`` uses), so each value is what ``load_json`` gives. ``document`` returns the
    top-level object with each streamed array replaced by ``STREAMED``.

    Anything ``load_json`` would refuse or read differently raises ``JsonUnsure``: invalid UTF-8
    or JSON, text after the document, a key given twice at a walked level (``json.loads`` keeps
    the last one), a value longer than a few chunks.
    """

    def __init__(self, read: Callable[[int], bytes], *, chunk: int, batch: int) -> None:
        self._read = read
        self._chunk = max(1, chunk)
        self._batch = max(1, batch)
        self._decode = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self._text = ""
        self._at = 0
        self._eof = False
        #: Characters of text of the last value decoded.
        self.last_size = 0

    def _more(self) -> bool:
        """Append the next chunk to the unread text; False at the end of the file."""
        if self._eof:
            return False
        block = self._read(self._chunk)
        try:
            text = self._decode.decode(block, final=not block)
        except UnicodeDecodeError as e:
            raise JsonUnsure("not UTF-8") from e
        self._eof = not block
        self._text = self._text[self._at :] + text
        self._at = 0
        return True

    def _peek(self) -> str:
        """Skip white space and return the next character ('' at the end of the file)."""
        while True:
            self._at = _SPACE.match(self._text, self._at).end()  # type: ignore[union-attr]
            if self._at < len(self._text) or not self._more():
                return self._text[self._at : self._at + 1]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise JsonUnsure(f"expected {char!r}")
        self._at += 1

    def _value(self) -> object:
        """Decode the next value whole (reading more text while it is cut by the chunk's end)."""
        self._peek()
        while len(self._text) - self._at <= self._chunk * _MAX_CHUNKS_PER_VALUE + _MAX_VALUE:
            try:
                value, end = _DECODER.raw_decode(self._text, self._at)
            except json.JSONDecodeError:
                if not self._more():
                    raise JsonUnsure("invalid or truncated JSON") from None
                continue
            except (RecursionError, ValueError) as e:  # (too deep; an integer too long)
                raise JsonUnsure("nested too deeply, or an integer too long") from e
            # a number cut by the chunk's end ("4.1" of "4.15", "1.2" of "1.2e3") decodes: a
            # value is taken once a delimiter follows it (or at the end of the file)
            if self._text[end : end + 1] in _AFTER or not self._more():
                self.last_size = end - self._at
                self._at = end
                return value
        raise JsonUnsure("a value longer than a few chunks")

    def document(
        self,
        descend: Callable[[tuple[str, ...]], bool],
        stream: Callable[[tuple[str, ...]], bool],
        on_array: OnArray,
    ) -> dict[str, Any]:
        """Walk the whole document (see the class docstring) and return its top-level object."""
        doc = self._object((), descend, stream, on_array)
        if self._peek() != "":
            raise JsonUnsure("text after the document")
        return doc

    def _object(
        self,
        path: tuple[str, ...],
        descend: Callable[[tuple[str, ...]], bool],
        stream: Callable[[tuple[str, ...]], bool],
        on_array: OnArray,
    ) -> dict[str, Any]:
        self._expect("{")
        out: dict[str, Any] = {}
        if self._peek() == "}":
            self._at += 1
            return out
        while True:
            key = self._value()
            if not isinstance(key, str) or key in out:
                raise JsonUnsure("a key that is not text, or given twice")
            self._expect(":")
            here = (*path, key)
            start = self._peek()
            if start == "{" and descend(here):
                out[key] = self._object(here, descend, stream, on_array)
            elif start == "[" and stream(here):
                self._array(here, on_array)
                out[key] = STREAMED
            else:
                out[key] = self._value()
            if self._peek() == "}":
                self._at += 1
                return out
            self._expect(",")

    def _array(self, path: tuple[str, ...], on_array: OnArray) -> None:
        self._expect("[")
        items: list[object] = []
        first = 0
        size = 0
        if self._peek() == "]":
            self._at += 1
            return
        while True:
            items.append(self._value())
            size += self.last_size
            if size >= self._batch:
                on_array(path, items, first)
                first += len(items)
                items, size = [], 0
            char = self._peek()
            self._at += 1
            if char == "]":
                break
            if char != ",":
                raise JsonUnsure("expected ',' or ']'")
        if items:
            on_array(path, items, first)


class _Streamed:
    """The marker of an array handed out in batches (``JsonStream``)."""

    def __repr__(self) -> str:
        return "STREAMED"


STREAMED = _Streamed()
