"""``collect``'s signal handling: the handler never waits on a lock the main thread may hold."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals need a POSIX system")

SRC = Path(__file__).resolve().parents[3] / "src"

# The signal arrives while the main thread holds the stop event's own lock, as it does for a
# moment inside ``stop.wait`` (CPython's Event keeps it as ``_cond``). A handler that set the
# event itself would wait for that lock forever; the child would then be killed by the timeout.
CHILD = textwrap.dedent(
    """
    import os, signal, threading, time
    from eots.cli.collect_cmd import stop_on_signals

    stop = threading.Event()
    said = []
    with stop_on_signals(stop, said.append):
        with stop._cond:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler has run by now (signals run between bytecodes)
            print("handler returned", stop.is_set(), flush=True)
        print("set", stop.wait(10), said, flush=True)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
            print("second signal ignored", flush=True)
        except KeyboardInterrupt as e:
            print("second signal raised", e, flush=True)
    print("restored", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
    """
)


def _run(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a child with the project's sources (a hang fails on the timeout)."""
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out


def test_a_signal_while_the_event_lock_is_held_stops_without_a_deadlock() -> None:
    out = _run(CHILD)
    assert out.stdout.splitlines() == [
        "handler returned False",  # not set while the main thread holds the lock
        "set True ['SIGTERM']",  # then set, once, with the message
        "second signal raised SIGINT",
        "restored True",
    ]


RAISING = textwrap.dedent(
    """
    import os, signal, threading
    from eots.cli.collect_cmd import stop_on_signals

    def on_signal(name):
        raise BrokenPipeError(name)  # the console's stdout is gone

    stop = threading.Event()
    with stop_on_signals(stop, on_signal):
        os.kill(os.getpid(), signal.SIGTERM)
        print("set", stop.wait(10), flush=True)
    """
)


def test_a_failing_message_still_stops() -> None:
    out = _run(RAISING)
    assert out.stdout.splitlines() == ["set True"]
    assert "BrokenPipeError: SIGTERM" in out.stderr  # reported by the thread, not swallowed
