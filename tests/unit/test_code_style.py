"""The code stays `ruff format`- and `ruff check`-clean and passes mypy: CI fails on a regression, not a reviewer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module", autouse=True)
def _ruff_is_installed():
    # ruff is a dev dependency (pyproject.toml): a missing one is a broken install, never a skip.
    found = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True, check=False)
    assert found.returncode == 0, "ruff is not installed in this environment (pip install -e '.[dev]')"
    assert shutil.which("git"), "git is required"


def test_the_code_is_ruff_formatted():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_passes_ruff_check():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_passes_mypy(tmp_path_factory: pytest.TempPathFactory) -> None:
    # One run over the whole package: strict on the inner layers (domain, usecases, ports, contracts), mypy's
    # default mode on the rest ([tool.mypy] and its overrides in pyproject.toml). mypy is a dev dependency like
    # ruff: a missing one is a broken install. A cache in a temp dir: no state kept.
    cache = tmp_path_factory.mktemp("mypy-cache")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "-p", "codetracker", "--cache-dir", str(cache)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
