"""The allocator setting: freed blocks are reused instead of faulted in again (glibc only)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from eots.core import memory

# A child process that allocates and frees a 40 MB array (every page written) 8 times and prints
# the page faults of the last 7. glibc maps such a block on its own and unmaps it when freed (its
# dynamic threshold stops at 32 MB), so each round faults ~10,000 pages in again. NumPy's advice
# to back large arrays with huge pages is turned off where it can be, so that a fault is one 4 kB
# page; with huge pages forced by the system a round still faults about 20 of 2 MB.
_CHILD = """
import resource, sys
import numpy as np
try:
    from numpy._core.multiarray import _set_madvise_hugepage
    _set_madvise_hugepage(False)
except ImportError:
    pass
from eots.core.memory import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "tuned" else False
np.ones(5_000_000).sum()
before = None
for i in range(8):
    a = np.ones(5_000_000)  # 40 MB, every page touched
    a.sum()
    del a
    if i == 0:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

_GLIBC = sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION"))


#: Inherited settings of glibc's malloc that would change what the child measures.
_MALLOC_ENV = (
    memory.ENV,
    "GLIBC_TUNABLES",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)


def _child(mode: str, **env: str) -> tuple[bool, int]:
    clean = {k: v for k, v in os.environ.items() if k not in _MALLOC_ENV}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
        timeout=60,
    ).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(not _GLIBC, reason="mallopt thresholds are glibc's")
def test_freed_blocks_are_reused_not_faulted_in_again() -> None:
    applied, tuned = _child("tuned")
    plain_applied, plain = _child("plain")
    assert applied
    assert not plain_applied
    assert plain >= 7 * 10  # every round faults the block in again (~9,800 pages of 4 kB)
    assert tuned * 10 < plain  # reused: a few pages of bookkeeping at most


@pytest.mark.skipif(not _GLIBC, reason="mallopt thresholds are glibc's")
def test_the_environment_switch_leaves_the_allocator_alone() -> None:
    applied, faults = _child("tuned", EOTS_MALLOC="default")
    assert not applied
    assert faults >= 7 * 10


def test_the_first_answer_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def apply() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.setattr(memory, "_apply", apply)
    assert memory.keep_freed_memory()
    assert memory.keep_freed_memory()
    assert calls == [1]


def test_off_when_asked_or_not_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.ENV, " Default ")
    assert memory._apply() is False
    monkeypatch.delenv(memory.ENV)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory._apply() is False
