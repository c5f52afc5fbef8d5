"""The public surface of the evaluation and report packages resolves."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "package",
    [
        "eots.evaluation",
        "eots.evaluation.schemas",
        "eots.evaluation.intervals",
        "eots.evaluation.levels",
        "eots.evaluation.signals",
        "eots.evaluation.ideas",
        "eots.evaluation.learning",
        "eots.report",
        "eots.report.run_figures",
        "eots.report.analysis_figures",
    ],
)
def test_public_exports_resolve(package: str) -> None:
    module = importlib.import_module(package)
    exported = module.__all__
    assert len(set(exported)) == len(exported), f"duplicate names in {package}.__all__"
    for name in exported:
        assert getattr(module, name) is not None, f"{package}.{name}"
