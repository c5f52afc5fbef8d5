"""Reading delimited option rows with polars, and the slow pass that names a bad line and field.

Readers declare their columns (``Column``: polars name, label for messages, numeric or text)
and call ``read_rows``: one ``pl.read_csv`` under a strict schema. Only when polars refuses the
bytes does ``read_rows`` walk the lines in Python to find the first line and field at fault, so a
``SchemaError`` always says where the problem is. Blank lines are skipped; ``source_line`` holds
each row's 1-based line number in the file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import NoReturn

import polars as pl

from eots.core.errors import EmptyChainError, SchemaError
from eots.sources.raw import NUMBER, first_row

_NON_SPACE = re.compile(rb"\S")


@dataclass(frozen=True, slots=True)
class Column:
    """One delimited column: its polars name, its label in messages, and whether it is numeric."""

    name: str
    label: str
    numeric: bool


def split_fields(line: str) -> list[str]:
    """Split one CSV line into fields (quotes honoured).

    A line the ``csv`` module refuses (a field past its size limit, a NUL) is split on commas
    alone: callers only look at its fields to refuse them with a located message.
    """
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return line.split(",")


def read_rows(
    data: bytes,
    columns: list[Column],
    *,
    first_line: int,
    source: str,
    skip_lines: int = 0,
    start: int = 0,
) -> pl.DataFrame:
    """Read headerless CSV rows under ``columns``' schema and add ``source_line``.

    The rows are ``data`` after its first ``skip_lines`` lines, which end at byte ``start``
    (passing the whole file and skipping lines avoids copying the body of a large file).
    Raises ``EmptyChainError`` when there is no row and ``SchemaError`` (line and field named)
    when a line has too many fields or a numeric field is not a number.
    """
    if _NON_SPACE.search(data, start) is None:
        raise EmptyChainError("the file has a header but no option rows", source=source)
    frame = read_block(
        data, columns, first_line=first_line, source=source, skip_lines=skip_lines, start=start
    )
    if frame.height == 0:
        raise EmptyChainError("the file has a header but no option rows", source=source)
    return frame


def read_block(
    data: bytes,
    columns: list[Column],
    *,
    first_line: int,
    source: str,
    skip_lines: int = 0,
    start: int = 0,
) -> pl.DataFrame:
    """Read the rows after ``skip_lines`` lines (ending at byte ``start``); maybe no row.

    Blank lines are dropped, as in ``read_rows``.

    ``first_line`` is the file line of the first row (after the skipped lines): a batch of a
    large file passes its own, so ``source_line`` counts from the file's start.
    """
    schema = {c.name: pl.Float64 if c.numeric else pl.String for c in columns}
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_lines=skip_lines,
            new_columns=list(schema),
            schema=schema,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as e:
        locate_bad_field(data[start:], columns, first_line=first_line, source=source, error=e)
    # Blank lines first, on the frame as read: mixing its chunked columns with a new one-chunk
    # column in one expression would rechunk (copy) every column of a large file.
    blank = frame.select(pl.all_horizontal(pl.all().is_null())).to_series()
    frame = frame.with_columns(
        source_line=pl.int_range(first_line, first_line + pl.len(), dtype=pl.Int64)
    )
    if blank.any():  # filtering copies every column: only when there are blank lines
        frame = frame.filter(~blank)
    return frame


def locate_bad_field(
    body: bytes, columns: list[Column], *, first_line: int, source: str, error: Exception
) -> NoReturn:
    """Raise a ``SchemaError`` naming the first line and field polars could not read."""
    for offset, line in enumerate(body.decode("utf-8", errors="replace").split("\n")):
        if not line.strip():
            continue
        number = first_line + offset
        if "\ufffd" in line:
            raise SchemaError("not UTF-8 text", source=source, line=number)
        fields = split_fields(line)
        if len(fields) > len(columns):
            raise SchemaError(
                f"expected at most {len(columns)} fields, found {len(fields)}",
                source=source,
                line=number,
            )
        for column, value in zip(columns, fields, strict=False):
            if column.numeric and value.strip() and NUMBER.fullmatch(value) is None:
                raise SchemaError(
                    f"expected a number, was {value!r}",
                    source=source,
                    line=number,
                    field=column.label,
                )
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    raise SchemaError(f"cannot read the option rows: {reason}", source=source) from error


def refuse_nulls(frame: pl.DataFrame, columns: list[Column], *, source: str) -> None:
    """Refuse empty fields in ``columns``, naming the earliest line that has one."""
    counts = frame.select([pl.col(c.name).null_count() for c in columns]).row(0)
    earliest: tuple[int, str] | None = None
    for column, count in zip(columns, counts, strict=True):
        if count:
            row = first_row(frame, pl.col(column.name).is_null())
            assert row is not None
            line = int(str(row["source_line"]))
            if earliest is None or line < earliest[0]:
                earliest = (line, column.label)
    if earliest is not None:
        raise SchemaError(
            "expected a value, the field is empty",
            source=source,
            line=earliest[0],
            field=earliest[1],
        )
