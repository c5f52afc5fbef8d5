"""Golden gamma levels of selected real snapshots: the shared case list and the updater.

The expected values in ``real_levels.json`` are regenerated only on purpose, with

    EOTS_REAL_DATA=../shared/data/chains python tests/golden/real_levels.py

and reviewed as a diff; the test (``test_real_levels_golden.py``) never writes them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CASES = (
    "spx_20230609_1340",
    "spx_20220712_1155",
    "spx_20230405_post",
    "spx_20230818_wknd",
    "spx_20240212_nogreeks",
    "spy_20250516_post",
    "spy_20220520_tda",
    "spy_20220712_cboejson",
    "qqq_20230510_1510",
    "ndx_20230515_1209",
    "xsp_20230914_post",
    "rut_20230920_cboejson",
)
GOLDEN = Path(__file__).with_name("real_levels.json")


def summary(data_root: Path, snapshot_id: str) -> dict[str, Any]:
    """Return the figures pinned for one snapshot."""
    from eots.pipeline import analyze
    from eots.sources import load_chain

    manifest = json.loads((data_root / "manifest.json").read_text())
    entry = next(e for e in manifest if e["id"] == snapshot_id)
    a = analyze(load_chain(data_root / entry["file"]))
    return {
        "spot": a.snapshot.spot,
        "as_of": a.as_of.isoformat(),
        "live_contracts": a.snapshot.n_contracts,
        "contracts_without_iv": a.totals.contracts_without_iv,
        "net_gex_usd_per_pct": a.totals.net_gex,
        "call_wall": a.walls.call_wall_strike,
        "put_wall": a.walls.put_wall_strike,
        "abs_gamma": a.walls.abs_gamma_strike,
        "zero_gamma_crossings": list(a.zero_gamma.crossings),
    }


def main() -> None:
    """Rewrite the golden file from the current code."""
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        sys.exit("set EOTS_REAL_DATA to the real snapshots folder")
    golden = {case: summary(Path(root), case) for case in CASES}
    GOLDEN.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n")
    sys.stdout.write(f"wrote {GOLDEN} ({len(golden)} cases)\n")


if __name__ == "__main__":
    main()
