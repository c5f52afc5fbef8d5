"""Kill a writer mid-save with SIGKILL: the store stays readable and loses at most one snapshot."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eots.storage import SnapshotStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL needs a POSIX system")

WRITER = textwrap.dedent(
    """
    import dataclasses, datetime as dt, sys
    from pathlib import Path
    from eots.storage import SnapshotStore
    from eots.synthetic import SyntheticParams, synthetic_chain

    store = SnapshotStore(Path(sys.argv[1]))
    start = dt.datetime(2024, 3, 13, 14, 0, tzinfo=dt.UTC)
    # A full-size chain (~20k rows) so that each write takes long enough to be interrupted.
    snap = synthetic_chain(SyntheticParams(), as_of=start)
    print("ready", flush=True)
    for i in range(10_000):
        ts = start + dt.timedelta(seconds=i)
        result = store.save(dataclasses.replace(snap, ts_event=ts, ts_recv=ts))
        print(result.path, flush=True)
    """
)


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.tmp") if p.name.startswith(".")] if root.exists() else []


def _run_and_kill(root: Path, script: Path, *, rng: random.Random, when: str) -> list[Path]:
    """Start the writer, SIGKILL it, return the paths it reported as saved."""
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    saved: list[Path] = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        wanted = rng.randint(1, 4)
        while len(saved) < wanted:
            saved.append(Path(proc.stdout.readline().strip()))
        if when == "random":
            time.sleep(rng.uniform(0.0, 0.2))
        else:  # "in_write": the moment a temp file exists, i.e. between create and rename
            deadline = time.monotonic() + 30
            while not _temp_files(root) and time.monotonic() < deadline:
                pass
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved += [Path(line) for line in rest.splitlines() if line.strip()]
    return saved


@pytest.mark.parametrize(("when", "seed"), [("random", 1), ("random", 2), ("in_write", 3)])
def test_sigkill_mid_write_leaves_readable_store_losing_at_most_one(
    tmp_path: Path, when: str, seed: int
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    root = tmp_path / "store"
    rng = random.Random(seed)

    saved = _run_and_kill(root, script, rng=rng, when=when)

    if when == "in_write":
        assert _temp_files(root), "expected the kill to land inside a write"
    store = SnapshotStore(root)
    refs = store.list("SPX")
    listed = {ref.path for ref in refs}
    assert set(saved) <= listed, "a save that returned must survive"
    assert len(listed) - len(saved) <= 1, "at most the in-flight snapshot may be extra"
    for ref in refs:
        snapshot = store.load(ref)  # validates schema, metadata and content hash
        assert snapshot.ts_event == ref.ts_event
    temps = _temp_files(root)
    assert [p.path for p in store.verify()] == sorted(temps)
    assert store.repair().removed == tuple(sorted(temps))
    assert store.verify() == ()
    assert store.list("SPX") == refs
