"""eots.core.lazy: every package's lazy exports agree with its TYPE_CHECKING imports and __all__."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from eots.core.lazy import LazyPackage

SRC = Path(__file__).resolve().parents[3] / "src"
PACKAGES = sorted(
    ".".join(p.parent.relative_to(SRC).parts)
    for p in (SRC / "eots").rglob("__init__.py")
    if "lazy_package(" in p.read_text(encoding="utf-8")
)


def _declared(package: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(TYPE_CHECKING imports, lazy_package mapping, __all__), each name -> module, from source."""
    path = SRC.joinpath(*package.split("."), "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    mapped: dict[str, str] = {}
    exported: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If):  # if TYPE_CHECKING:
            for sub in node.body:
                assert isinstance(sub, ast.ImportFrom)
                assert sub.module is not None
                typed.update({a.name: sub.module for a in sub.names})
        elif isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            exported = list(ast.literal_eval(node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            table = ast.literal_eval(node.value.args[1])
            mapped.update({name: module for module, names in table.items() for name in names})
    return typed, mapped, exported


def test_there_are_lazy_packages() -> None:
    assert {"eots.greeks", "eots.levels", "eots.engine", "eots.storage"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_lazy_exports_agree_and_resolve(package: str) -> None:
    typed, mapped, exported = _declared(package)
    assert typed == mapped, "the TYPE_CHECKING imports and the lazy_package table differ"
    assert sorted(exported) == sorted(mapped), "__all__ and the lazy_package table differ"
    module = importlib.import_module(package)
    assert isinstance(module, LazyPackage)
    for name, source in mapped.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name)
    assert set(mapped) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = module.no_such_name


def test_a_submodule_named_like_an_export_does_not_replace_it() -> None:
    # ``eots.levels.zero_gamma`` is a module and ``zero_gamma`` a function it defines; importing
    # the module (as a dependency does) must leave the package's ``zero_gamma`` the function.
    code = (
        "import eots.levels.zero_gamma, eots.engine.step, eots.greeks.implied_vol, types\n"
        "from eots.levels import zero_gamma\n"
        "from eots.engine import step\n"
        "from eots.greeks import implied_vol\n"
        "assert not any(isinstance(f, types.ModuleType) for f in (zero_gamma, step, implied_vol))\n"
        "assert callable(zero_gamma) and callable(step) and callable(implied_vol)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=SRC.parent
    )
    assert done.returncode == 0, done.stderr
