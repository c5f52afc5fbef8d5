"""Where a store lives: a local folder or an fsspec URL (``s3://bucket/store``, ``memory://x``).

The stores' read paths (listing session folders and snapshot files, reading a Parquet file or
only its footer, finding level sidecars and price bars) go through the few functions here, so
that a store on object storage is read exactly like a local one. ``resolve`` turns a location
into ``(fs, root)``: ``fs`` is None for a local folder (the fast ``os.scandir`` paths are kept)
and an ``fsspec`` filesystem otherwise, with ``root`` the path inside it (``/x`` for
``memory://x``, ``bucket/store`` for ``s3://bucket/store``). Writes stay local (``save`` and
``append`` refuse a remote store): fill a store locally and upload it (``fs.put``).

Any protocol fsspec knows can be used once its package is installed (``s3fs`` for ``s3://``,
``gcsfs`` for ``gs://``); eots itself depends only on ``fsspec``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eots.core.errors import SchemaError

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

# fsspec and pyarrow (~0.3 s of import together) are imported by the functions that use them:
# reading or analysing a chain file without a store needs neither.

#: An fsspec filesystem (``fsspec.AbstractFileSystem``), or None for the local disk.
FileSystem = Any


def is_url(location: str | Path) -> bool:
    """Return whether ``location`` names a non-local fsspec filesystem (``proto://...``).

    Examples
    --------
    >>> is_url("s3://bucket/store"), is_url("memory://x"), is_url("/data/store")
    (True, True, False)
    >>> is_url("file:///data/store"), is_url(Path("/data/store"))
    (False, False)
    """
    if isinstance(location, Path):
        return False
    proto, sep, _ = location.partition("://")
    return bool(sep) and proto not in ("", "file", "local")


def resolve(location: str | Path) -> tuple[FileSystem, Path]:
    """Return ``(fs, root)`` for a store location (module docstring).

    Raises
    ------
    ValueError
        If the URL's protocol is unknown or its package is not installed (naming both).
    """
    if not is_url(location):
        text = str(location)
        return None, Path(text.split("://", 1)[1] if "://" in text else text)
    import fsspec  # type: ignore[import-untyped]

    try:
        fs, root = fsspec.core.url_to_fs(str(location))
    except (ImportError, ValueError) as e:
        raise ValueError(f"cannot open store location {location!r}: {e}") from e
    return fs, Path(root)


def url(fs: FileSystem, path: Path) -> str:
    """Return ``path`` as the user would write it: a local path, or the URL with its protocol."""
    return str(path) if fs is None else str(fs.unstrip_protocol(str(path)))


def subfolders(fs: FileSystem, base: Path) -> list[tuple[str, Path]]:
    """Return ``(name, path)`` of the folders directly under ``base`` ([] when it is absent)."""
    return _entries(fs, base, folders=True)


def files(fs: FileSystem, base: Path) -> list[tuple[str, Path]]:
    """Return ``(name, path)`` of the files directly under ``base`` ([] when it is absent)."""
    return _entries(fs, base, folders=False)


def _entries(fs: FileSystem, base: Path, *, folders: bool) -> list[tuple[str, Path]]:
    if fs is None:
        try:
            with os.scandir(base) as it:
                return [
                    (e.name, Path(e.path)) for e in it if (e.is_dir() if folders else e.is_file())
                ]
        except (FileNotFoundError, NotADirectoryError):
            return []
    try:
        listed = fs.ls(str(base), detail=True)
    except (FileNotFoundError, NotADirectoryError):
        return []
    kind = "directory" if folders else "file"
    out = []
    for info in listed:
        name = str(info["name"]).rstrip("/")
        if info.get("type") == kind and name != str(base).rstrip("/"):
            out.append((name.rsplit("/", 1)[-1], Path(name)))
    return out


def is_dir(fs: FileSystem, path: Path) -> bool:
    """Return whether ``path`` is a folder."""
    return path.is_dir() if fs is None else bool(fs.isdir(str(path)))


def is_file(fs: FileSystem, path: Path) -> bool:
    """Return whether ``path`` is a file."""
    return path.is_file() if fs is None else bool(fs.isfile(str(path)))


def read_table(fs: FileSystem, path: Path) -> pa.Table:
    """Read a whole Parquet file, verifying page checksums (one GET on object storage).

    Raises
    ------
    SchemaError
        If it cannot be read (naming the file by its URL).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if fs is None:
            return pq.read_table(path, page_checksum_verification=True)
        data = fs.cat_file(str(path))
        return pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
    except (OSError, pa.ArrowException) as e:
        raise SchemaError(f"cannot read Parquet file: {e}", source=url(fs, path)) from e


def read_footer(fs: FileSystem, path: Path) -> pq.FileMetaData:
    """Read only a Parquet file's footer (its key-value metadata and row groups).

    Raises
    ------
    SchemaError
        If the footer cannot be read (naming the file by its URL).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if fs is None:
            return pq.read_metadata(path)
        with fs.open(str(path), "rb") as f:
            return pq.read_metadata(f)
    except (OSError, pa.ArrowException) as e:
        raise SchemaError(f"cannot read Parquet footer: {e}", source=url(fs, path)) from e


def refuse_remote_write(fs: FileSystem, path: Path, what: str) -> None:
    """Raise ``ValueError`` when ``fs`` is remote: stores are written locally (module docstring)."""
    if fs is not None:
        raise ValueError(
            f"cannot {what} at {url(fs, path)}: stores on object storage are read-only here; "
            "write the store locally and upload it"
        )


__all__ = [
    "FileSystem",
    "files",
    "is_dir",
    "is_file",
    "is_url",
    "read_footer",
    "read_table",
    "refuse_remote_write",
    "resolve",
    "subfolders",
    "url",
]
