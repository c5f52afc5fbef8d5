"""Architecture rules that CI enforces: layer direction, no pandas in the core, public exports."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [exe], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "package",
    [
        "eots",
        "eots.chain",
        "eots.exposures",
        "eots.levels",
        "eots.greeks",
        "eots.sources",
        "eots.synthetic",
        "eots.flows",
        "eots.dashboard",
    ],
)
def test_public_exports_resolve(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(set(exported)) == len(exported), f"duplicate names in {package}.__all__"
    for name in exported:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_import_eots_is_light() -> None:
    code = (
        "import sys, eots; print(int(any(m.startswith(('polars','numpy')) for m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0", "import eots must stay lazy (CLI start-up time)"
