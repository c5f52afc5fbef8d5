r"""Bringing a text file's bytes to one form before detection: UTF-8 and ``\n`` line ends.

Exports seen in the wild that hold the same chain as a plain UTF-8 file:

* UTF-16 or UTF-32 (spreadsheet "Unicode text" exports): recognised by their byte-order mark, or,
  without one, by NUL bytes in every other position of the first 64 KiB (ASCII text in UTF-16);
  decoded and re-encoded as UTF-8. Bytes that do not decode are refused naming the byte offset.
* old-Mac CR-only line ends and Windows CRLF: both become ``\n``.

Parquet (``PAR1``) and anything else binary are returned untouched; what is not text is refused
later by the format detection. ``normalise_text`` only copies the data when it has to.
"""

from __future__ import annotations

from eots.core.errors import SchemaError

_SNIFF = 65536
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def text_encoding(data: bytes) -> str | None:
    """Return the wide encoding of ``data`` (``utf-16-le`` ...) or None for UTF-8 / binary.

    Examples
    --------
    >>> text_encoding("a,b".encode("utf-16"))
    'utf-16-le'
    >>> text_encoding(b"a,b") is None
    True
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[: _SNIFF - _SNIFF % 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    # ASCII text in UTF-16: one of the two byte positions is (almost) always NUL.
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def normalise_text(data: bytes, *, source: str) -> bytes:
    r"""Return ``data`` as UTF-8 with ``\n`` line ends (see the module docstring).

    Raises
    ------
    SchemaError
        The bytes announce (or look like) UTF-16/32 but do not decode.
    """
    if data[:4] == b"PAR1":
        return data
    encoding = text_encoding(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            raise SchemaError(
                f"looks like {encoding.upper()} text but does not decode: {e.reason} "
                f"at byte {e.start}",
                source=source,
            ) from e
        data = text.lstrip("\ufeff").encode("utf-8")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")
    return data


__all__ = ["normalise_text", "text_encoding"]
