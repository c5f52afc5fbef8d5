"""``eots dashboard``: refuses a non-loopback bind without a token, never echoes a token."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eots.cli.main import app

runner = CliRunner()


def test_dashboard_non_loopback_without_token_exits_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EOTS_DASHBOARD_TOKEN", raising=False)
    result = runner.invoke(app, ["dashboard", "--store", str(tmp_path), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "EOTS_DASHBOARD_TOKEN" in result.output
    assert "not loopback" in result.output


def test_dashboard_forced_token_mode_without_token_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EOTS_DASHBOARD_TOKEN", raising=False)
    result = runner.invoke(app, ["dashboard", "--store", str(tmp_path), "--require-token"])
    assert result.exit_code == 2
    assert "EOTS_DASHBOARD_TOKEN" in result.output


def test_dashboard_port_in_use_is_an_error_not_a_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("TRADIER_TOKEN", "tradier-secret-123")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["dashboard", "--store", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.startswith("error:")
    assert "Traceback" not in result.output
    assert "tradier-secret-123" not in result.output


def test_dashboard_is_listed_in_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert "dashboard" in result.output


def test_dashboard_on_all_interfaces_says_token_required_and_refuses_without_it(
    tmp_path: Path,
) -> None:
    import os
    import re
    import subprocess
    import sys

    import httpx

    token = "cli-test-token-42"
    env = {**os.environ, "EOTS_DASHBOARD_TOKEN": token, "TRADIER_TOKEN": "tradier-secret-123"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[3] / "src"),
                                         env.get("PYTHONPATH", "")])  # fmt: skip
    cmd = [sys.executable, "-m", "eots", "dashboard", "--store", str(tmp_path),
           "--host", "0.0.0.0", "--port", "0"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "token required" in line
        assert token not in line
        match = re.search(r":(\d+)/", line)
        assert match is not None, line
        url = f"http://127.0.0.1:{match.group(1)}/_dash-layout"
        assert httpx.get(url, timeout=30).status_code == 401
        assert httpx.get(url, headers={"X-EOTS-Token": token}, timeout=30).status_code == 200
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert token not in err
    assert "tradier-secret-123" not in err
