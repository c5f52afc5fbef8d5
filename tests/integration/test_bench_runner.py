"""``make bench`` (benchmarks/run.py): reports times; fails only on a wrong answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def _bench_dir(tmp_path: Path, exits: dict[str, int]) -> Path:
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    shutil.copy(RUN, folder / "run.py")
    for name, code in exits.items():
        (folder / f"bench_{name}.py").write_text(
            f"print('median 1.0 ms')\nraise SystemExit({code})\n"
        )
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(folder / "run.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("exits", "args", "code", "status"),
    [
        ({"a": 0, "b": 0}, (), 0, "ok"),
        ({"a": 0, "b": 2}, (), 0, "SLOW"),  # a missed budget is reported, not a failure
        ({"a": 0, "b": 2}, ("--strict",), 1, "SLOW"),
        ({"a": 1, "b": 0}, (), 1, "FAIL (exit 1)"),  # a wrong answer fails the run
    ],
)
def test_bench_runner_fails_only_on_wrong_answers(
    tmp_path: Path, exits: dict[str, int], args: tuple[str, ...], code: int, status: str
) -> None:
    result = _run(_bench_dir(tmp_path, exits), *args)
    assert result.returncode == code, result.stdout + result.stderr
    assert "== summary" in result.stdout
    assert status in result.stdout
    assert result.stdout.count("median 1.0 ms") == len(exits)  # each script's report is shown
