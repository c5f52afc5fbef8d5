"""Crash-safe file replacement: temp file in the target folder, fsync, rename, fsync the folder.

A reader sees either the old file or the complete new one, never a partial file: the bytes are
written to a hidden temp file beside the target (same filesystem, so ``os.replace`` is an atomic
rename), flushed to disk with ``fsync`` before the rename, and the folder is fsynced after it so
the new directory entry survives a power cut. A writer killed at any point leaves at most a
hidden ``.*.tmp`` file, which readers ignore and ``repair`` removes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"


def is_temp(path: Path) -> bool:
    """Return whether ``path`` is a temp file left by ``write_atomic``."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def ensure_dir(path: Path) -> None:
    """Create ``path`` and missing parents, fsyncing each parent whose entries changed."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another writer created it first
            folder.mkdir()
        fsync_dir(folder.parent)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries to disk (a no-op where folders cannot be opened, e.g. Windows)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Create or replace ``path`` with what ``write`` writes, atomically and durably."""
    ensure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    # os.open with 0o666 (not mkstemp's 0o600) so the final file gets the user's umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
