"""The levels consume foundations: no module of eots.levels imports greeks, exposures or metrics."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("eots.greeks", "eots.exposures", "eots.metrics")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_levels_module_imports_pricing_exposures_or_metrics() -> None:
    modules = sorted((ROOT / "src" / "eots" / "levels").glob("*.py"))
    assert len(modules) > 10
    bad = {
        (p.name, name)
        for p in modules
        for name in _imports(p)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert bad == set()


def test_the_import_linter_contract_forbids_it() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [levels] = [c for c in contracts if c.get("source_modules") == ["eots.levels"]]
    assert levels["type"] == "forbidden"
    assert sorted(levels["forbidden_modules"]) == sorted(FORBIDDEN)


def test_level_params_have_only_the_levels_sections() -> None:
    from eots.levels import LevelParams

    assert set(LevelParams.model_fields) == {
        "detectors",
        "mspi_source",
        "thresholds",
        "multi_timeframe",
        "wall_detection",
        "conviction_framework",
    }
