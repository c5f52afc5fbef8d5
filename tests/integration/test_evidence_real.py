"""docs/evidence.md is not stale: the real histories' evidence, checked against the shared data.

The full evidence (about 125 SPX sessions and 20 SPY 0DTE sessions) takes minutes to replay, too
long for CI on two cores, so staleness is checked two ways:

* ``docs/evidence.md`` names the digest of every input file and the engine's config fingerprint;
  both must match the data and the code's defaults now (a changed file or default fails);
* ``docs/evidence_subset.md`` is the same command over a documented subset (the first
  ``SUBSET_SPX`` Barchart files and the first ``SUBSET_SPY`` 0DTE days), regenerated here in full
  through the same ingest, engine, replay and evaluation and compared byte for byte, so a code
  change that moves any number fails the test (``make evidence`` regenerates both).

Runs when ``EOTS_REAL_DATA`` points at the shared chains; the history and price folders are
``EOTS_HISTORY_DATA`` / ``EOTS_PRICE_DATA``, else ``$EOTS_REAL_DATA/../history`` and ``../prices``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eots.engine import EngineParams
from eots.evidence.render import evidence_command, render
from eots.evidence.run import EvidenceSpec, build_evidence, data_digest

pytestmark = pytest.mark.real_data

DOCS = Path(__file__).resolve().parents[2] / "docs"
SUBSET_SPX = 12
SUBSET_SPY = 2


@pytest.fixture(scope="module")
def folders() -> tuple[Path, Path]:
    """The shared history and price folders, or skip with the reason."""
    real = os.environ.get("EOTS_REAL_DATA")
    history = os.environ.get("EOTS_HISTORY_DATA")
    prices = os.environ.get("EOTS_PRICE_DATA")
    if not real and not (history and prices):
        pytest.skip(
            "EOTS_REAL_DATA is not set (nor EOTS_HISTORY_DATA and EOTS_PRICE_DATA): point it at "
            "shared/data/chains to check docs/evidence.md against the real histories"
        )
    h = Path(history) if history else Path(str(real)) / ".." / "history"
    p = Path(prices) if prices else Path(str(real)) / ".." / "prices"
    if not (h / "spx_eod_barchart").is_dir() or not (p / "spx_15m.csv").is_file():
        pytest.skip(f"no shared histories at {h} or no bars at {p}")
    return h.resolve(), p.resolve()


def test_evidence_names_the_current_data_and_defaults(folders: tuple[Path, Path]) -> None:
    text = (DOCS / "evidence.md").read_text()
    history, prices = folders
    assert f"data digest `{data_digest(history, prices)}`" in text, (
        "docs/evidence.md is stale: the shared data changed; run `make evidence`"
    )
    assert f"engine config fingerprint `{EngineParams().fingerprint()}`" in text, (
        "docs/evidence.md is stale: the engine's defaults changed; run `make evidence`"
    )
    assert "; every file." in text


def test_subset_evidence_regenerates_byte_for_byte(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    history, prices = folders
    spec = EvidenceSpec(
        history=history,
        prices=prices,
        work=tmp_path / "work",
        spx_files=SUBSET_SPX,
        spy_days=SUBSET_SPY,
    )
    ev = build_evidence(spec)
    text = render(ev, command=evidence_command("docs/evidence_subset.md", SUBSET_SPX, SUBSET_SPY))
    stored = (DOCS / "evidence_subset.md").read_text()
    assert text == stored, "docs/evidence_subset.md is stale: run `make evidence`"
    # The subset really went through every stage: both histories replayed and scored.
    assert ev.spx.n_snapshots == SUBSET_SPX
    assert ev.spy.n_snapshots > 50
    assert ev.spx.evaluation.levels.height > 0
    assert ev.spy.evaluation.levels.height > 0
