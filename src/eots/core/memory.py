"""The process's allocator setting: glibc's malloc keeps freed memory for reuse.

Why: an analysis allocates and frees a few hundred NumPy arrays of chain columns (160 kB for one
column of 20k contracts, up to about 7 MB for a gamma-profile grid). With glibc's defaults, a
block above a dynamic threshold gets its own ``mmap`` and goes back to the system when freed, and
the top of the heap is returned whenever more than twice that threshold is free. Each analysis
then touches fresh pages again: about 3,500 page faults, and 9-18 ms of kernel time zeroing them,
for one ``analyze`` of the largest real SPX chain (about 100 ms in all). With both thresholds fixed
at ``THRESHOLD_BYTES`` a freed block is reused: about 300 faults an analysis, and the kernel time
falls by ~12 ms.

Cost: memory is returned to the system later. Each heap (one per thread that allocates) keeps
up to ``THRESHOLD_BYTES`` free at its top, and blocks below that size come from the heap instead
of their own mapping, so a freed block under a live one stays mapped until it is reused. A
long-running process can therefore hold more than it uses at the moment; the 390-snapshot fold's
peak resident memory was 634 MB with the setting against 676 MB without (README).

Entry points call ``keep_freed_memory`` (every ``eots`` command, the engine's ``fold``): a
process-wide setting, so the pure stages never touch it. It acts only on Linux with glibc
(``mallopt``); elsewhere, or with ``EOTS_MALLOC=default`` in the environment, the allocator is left
as it is.
"""

from __future__ import annotations

import os
import sys

#: The mmap and trim thresholds set (bytes).
THRESHOLD_BYTES = 256 * 1024 * 1024
#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: The environment variable that leaves the allocator alone (value ``default``).
ENV = "EOTS_MALLOC"

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds at ``THRESHOLD_BYTES`` once per process.

    Returns whether the setting is in force (False: not glibc, turned off by ``EOTS_MALLOC``,
    or refused by ``mallopt``). Later calls return the first call's answer.
    """
    global _applied
    if _applied is None:
        _applied = _apply()
    return _applied


def _apply() -> bool:
    if os.environ.get(ENV, "").strip().lower() == "default" or not sys.platform.startswith("linux"):
        return False
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        glibc = None
    if not glibc:  # musl and others: no mallopt of these
        return False
    import ctypes  # here: a process that never folds does not pay its import

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # both are needed: the mmap threshold alone still trims the heap, the trim alone still maps
    return bool(
        mallopt(_M_MMAP_THRESHOLD, THRESHOLD_BYTES) == 1
        and mallopt(_M_TRIM_THRESHOLD, THRESHOLD_BYTES) == 1
    )


__all__ = ["ENV", "THRESHOLD_BYTES", "keep_freed_memory"]
