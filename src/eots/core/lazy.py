"""Packages whose public names are imported on first use.

A package's ``__init__`` lists what it exports, module by module, and calls ``lazy_package``;
``from eots.levels import zero_gamma`` then imports ``eots.levels.zero_gamma`` (and what that
module imports) only, not every module of the package. Importing a parameters module such as
``eots.greeks.params`` no longer drags in the pricing kernels (and SciPy) through its package's
``__init__``: that is what keeps ``import eots.config`` and the CLI's start-up small.

Two details keep the behaviour of the former eager ``from ... import ...`` lines:

* a name, once looked up, is stored in the package (later lookups cost nothing);
* a submodule named like one of the package's exports (``eots.levels.zero_gamma`` the module,
  ``zero_gamma`` the function) does not replace the export when it is imported: the import system
  binds each loaded submodule to its package's attribute, and the package keeps the export.

The ``__init__`` also imports the same names under ``TYPE_CHECKING`` for the type checker;
``tests/unit/core/test_lazy.py`` checks the two lists agree with ``__all__`` in every package.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import Any


class LazyPackage(types.ModuleType):
    """A package module that imports its exports on first access (see the module docstring)."""

    def __getattr__(self, name: str) -> Any:
        """Import and return the export ``name`` (called only when it is not yet an attribute)."""
        exports: dict[str, str] = self.__dict__.get("_lazy_exports", {})
        source = exports.get(name)
        if source is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(import_module(source), name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        """Bind ``name``; a submodule named like an export leaves the export in place."""
        exports: dict[str, str] = self.__dict__.get("_lazy_exports", {})
        if (
            isinstance(value, types.ModuleType)
            and name in exports
            and value.__name__ == f"{self.__name__}.{name}"
        ):
            value = getattr(import_module(exports[name]), name)
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        """Return the module's attributes and every export, imported or not."""
        return sorted(set(super().__dir__()) | set(self.__dict__.get("_lazy_exports", {})))


def lazy_package(name: str, exports: Mapping[str, Iterable[str]]) -> None:
    """Make the package ``name`` import its exports on first use.

    Parameters
    ----------
    name
        The package (``__name__`` in its ``__init__``), already in ``sys.modules``.
    exports
        Module -> the names the package re-exports from it, as the import lines would list them.
    """
    package = sys.modules[name]
    flat = {attr: module for module, attrs in exports.items() for attr in attrs}
    package.__class__ = LazyPackage
    package.__dict__["_lazy_exports"] = flat
