"""Every reader test of this folder runs twice: files loaded whole, and files loaded in batches.

In the ``batched`` run ``load_chain`` takes the batched path for every file (not only large ones)
with batches of a few lines, so each test's file crosses many batch boundaries: a file that
loads must give the same snapshot, a refused file the same message.
"""

from __future__ import annotations

import pytest

from eots.sources import stream


@pytest.fixture(autouse=True, params=["whole", "batched"])
def load_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Force the batched path (batches of about 150 bytes) in the ``batched`` run."""
    if request.param == "batched":
        monkeypatch.setattr(stream, "MIN_STREAM_BYTES", 0)
        monkeypatch.setattr(stream, "BATCH_BYTES", 150)
    return str(request.param)
