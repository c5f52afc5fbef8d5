"""``eots <command>`` builds the click command of that command only (cli.main._Eots)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import typer.main

from eots.cli.main import app

_REAL = typer.main.get_command_from_info


def _built(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> list[str]:
    """Run ``eots args`` (exit status ignored); return the names of the commands typer built."""
    built: list[str] = []

    def counting(command_info: Any, **kwargs: Any) -> Any:
        command = _REAL(command_info, **kwargs)
        built.append(str(command.name))
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    with contextlib.suppress(SystemExit):
        app(args, prog_name="eots")
    return built


def test_a_named_command_builds_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _built(monkeypatch, ["analyze", "--help"]) == ["analyze"]
    config_group = ["schema", "show", "validate", "init"]
    assert _built(monkeypatch, ["config", "show", "--help"]) == config_group


def test_the_bare_root_and_unknown_words_build_every_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    everything = _built(monkeypatch, ["--help"])
    assert {"analyze", "sample", "ingest", "ls", "show", "export"} <= set(everything)
    assert _built(monkeypatch, ["analyse"]) == everything  # a typo: click's suggestions see all
    assert _built(monkeypatch, []) == everything


def test_the_test_runner_still_sees_every_command() -> None:
    names = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert {"analyze", "sample", "store", "config", "levels", "recs", "report"} <= names
