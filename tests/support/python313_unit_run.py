"""The unit tests on the Lambda runtime's Python (3.13), run in the background while the rest of the suite
runs: that run is a minute and a half of CPU while most of the suite waits on processes, servers and queues.
Started after collection when the suite includes tests/deploy/test_python313.py's unit-test check, read by
that test, stopped (killed if still running) when the session ends."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = "test_python313.py::test_unit_tests_pass_on_python_313"
RUN_KEY = pytest.StashKey["UnitRun"]()


class UnitRun:
    def __init__(self, python: str, basetemp: Path, *, own_folder: bool = False) -> None:
        self._folder = basetemp if own_folder else None
        self._log = basetemp / "py313-unit-run.log"
        self._out = self._log.open("w")
        # The style checks (ruff, mypy) read source, not the interpreter's behaviour: the 3.11 run has them.
        self._process = subprocess.Popen(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={basetemp / 'run'}",
             "tests/unit", "--deselect", "tests/unit/test_code_style.py"],
            cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": ""},
        )  # fmt: skip

    def result(self, timeout: float) -> tuple[int, str]:
        """The run's exit code and the last 30 lines of its output (waits for it)."""
        try:
            code = self._process.wait(timeout=timeout)
        finally:
            self.stop()
        return code, "\n".join(self._log.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._out.close()

    def remove(self) -> None:
        self.stop()
        if self._folder is not None:
            from tests.support.deep_trees import remove_tree

            remove_tree(self._folder)  # unit tests build trees thousands of levels deep


def start_if_selected(config: pytest.Config, items: list[pytest.Item]) -> None:
    python = os.environ.get("CODETRACKER_PY313_VENV_PYTHON")
    if not python or not any(item.nodeid.endswith(CHECK) for item in items):
        return
    # Its own temporary folder, outside pytest's basetemp (which pytest empties when it first uses it).
    config.stash[RUN_KEY] = UnitRun(python, Path(tempfile.mkdtemp(prefix="codetracker-py313-")), own_folder=True)


def stop(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.remove()


def take(config: pytest.Config, python: str, basetemp: Path) -> UnitRun:
    """The background run, or one started now (the check run on its own, under a runner that skips the hook)."""
    run = config.stash.get(RUN_KEY, None)
    return run if run is not None else UnitRun(python, basetemp)
