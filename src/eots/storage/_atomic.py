"""Crash-safe file replacement: temp file in the target folder, fsync, rename, fsync the folder.

A reader sees either the old file or the complete new one, never a partial file: the bytes are
written to a hidden temp file beside the target (same filesystem, so ``os.replace`` is an atomic
rename), flushed to disk with ``fsync`` before the rename, and the folder is fsynced after it so
the new directory entry survives a power cut. A writer killed at any point leaves at most a
hidden ``.<name>.<pid>.<random>.tmp`` file, which readers ignore. The next write into the same
folder removes the temp files of writers that are no longer running (``remove_orphans``: the
process id in the name is not alive on this host), and ``SnapshotStore.repair`` does the same for
a whole store. A temp file of a live writer is never touched.

``exclusive`` creates a file only if it does not exist yet (``os.link`` of the finished temp file:
atomic, and it fails when the name is taken), so two writers racing for the same name cannot both
believe they wrote it. ``store_lock`` serialises check-then-write sequences across processes.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
#: Name of the lock file ``store_lock`` creates (hidden; not part of any layout).
LOCK_NAME = ".eots.lock"
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)\.[0-9a-f]+\.tmp$")


def is_temp(path: Path) -> bool:
    """Return whether ``path`` is a temp file left by ``write_atomic``."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def temp_owner(path: Path) -> int | None:
    """Return the process id written in a temp file's name (None if the name has none)."""
    match = _TEMP_NAME.match(path.name)
    return int(match["pid"]) if match else None


def process_alive(pid: int) -> bool:
    """Return whether a process with this id runs on this host (True when unsure)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists but not ours, or no way to tell: keep it
        return True
    return True


def orphaned(path: Path) -> bool:
    """Return whether ``path`` is a temp file whose writer is no longer running.

    A temp file without a process id in its name (an older layout) counts as orphaned.
    """
    if not is_temp(path):
        return False
    pid = temp_owner(path)
    return pid is None or not process_alive(pid)


def remove_orphans(folder: Path) -> tuple[Path, ...]:
    """Remove the temp files of dead writers directly in ``folder``; return what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return ()
    for entry in entries:
        path = Path(entry.path)
        if entry.is_file(follow_symlinks=False) and orphaned(path):
            with contextlib.suppress(FileNotFoundError):  # another writer removed it first
                path.unlink()
                removed.append(path)
    return tuple(removed)


@contextlib.contextmanager
def store_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``folder/.eots.lock``.

    POSIX ``flock``; elsewhere a no-op, where ``exclusive`` alone keeps two writers from claiming
    one name.
    """
    ensure_dir(folder)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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


def write_atomic(path: Path, write: Callable[[BinaryIO], None], *, exclusive: bool = False) -> bool:
    """Create or replace ``path`` with what ``write`` writes, atomically and durably.

    With ``exclusive`` an existing ``path`` is left alone and False is returned (nothing
    written); otherwise (and when the file was created) True. Temp files of dead writers in the
    folder are removed first (``remove_orphans``).
    """
    ensure_dir(path.parent)
    remove_orphans(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    # os.open with 0o666 (not mkstemp's 0o600) so the final file gets the user's umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
    return True
