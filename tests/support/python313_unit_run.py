"""The unit tests on the Lambda runtime's Python (3.13), run in the background while the rest of the suite
runs: that run is a minute and a half of CPU while most of the suite waits on processes, servers and queues.

Started once per session, after collection, when the suite includes tests/deploy/test_python313.py's unit-test
check: by pytest itself in a run in one process; under pytest-xdist by the controller (which collects nothing)
when the first worker reports its collection, never by the workers. The run writes its exit code into its own
folder when it ends; the check, in whichever process runs it, reads it there (`take`). The check is moved to
the end of the collection, so the run has the whole suite's time. Stopped (killed if still running) and its
folder removed when the session ends."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = "test_python313.py::test_unit_tests_pass_on_python_313"
RUN_KEY = pytest.StashKey["UnitRun"]()
FOLDER_KEY = pytest.StashKey[Path]()
# The run's folder, handed by the xdist controller to each worker (node.workerinput).
WORKER_INPUT = "codetracker_py313_run"
_LOG = "py313-unit-run.log"
_EXIT_CODE = "exit-code"


def _result(folder: Path, code: int) -> tuple[int, str]:
    return code, "\n".join((folder / _LOG).read_text(errors="replace").splitlines()[-30:])


class UnitRun:
    """The run, started and owned by this process."""

    def __init__(self, python: str, folder: Path, *, own_folder: bool = False) -> None:
        self._folder = folder
        self._own_folder = own_folder
        self._out = (folder / _LOG).open("w")
        # The style checks (ruff, mypy) read source, not the interpreter's behaviour: the 3.11 run has them.
        self._process = subprocess.Popen(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={folder / 'run'}",
             "tests/unit", "--deselect", "tests/unit/test_code_style.py"],
            cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": ""},
        )  # fmt: skip
        threading.Thread(target=self._record_exit_code, name="py313-unit-run", daemon=True).start()

    def _record_exit_code(self) -> None:
        """For the checks of other processes (RunElsewhere): the exit code, written whole once the run ended."""
        code = self._process.wait()
        partial = self._folder / f"{_EXIT_CODE}.tmp"
        try:
            partial.write_text(str(code))
            partial.replace(self._folder / _EXIT_CODE)
        except OSError:
            pass  # the folder was removed at the end of the session

    def result(self, timeout: float) -> tuple[int, str]:
        """The run's exit code and the last 30 lines of its output (waits for it)."""
        try:
            code = self._process.wait(timeout=timeout)
        finally:
            self.stop()
        return _result(self._folder, code)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._out.close()

    def remove(self) -> None:
        self.stop()
        if self._own_folder:
            from tests.support.deep_trees import remove_tree

            remove_tree(self._folder)  # unit tests build trees thousands of levels deep


class RunElsewhere:
    """The run that the xdist controller started, seen from the worker that runs the check."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def result(self, timeout: float) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        exit_code = self._folder / _EXIT_CODE
        while not exit_code.exists():  # another process's child: its exit is known by the file it leaves
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Python 3.13 unit-test run ({self._folder / _LOG}) not done after {timeout} s")
            time.sleep(0.5)
        return _result(self._folder, int(exit_code.read_text()))


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _python() -> str | None:
    return os.environ.get("CODETRACKER_PY313_VENV_PYTHON")


def _run_folder(config: pytest.Config) -> Path:
    """The run's own temporary folder, outside pytest's basetemp (which pytest empties when it first uses it)."""
    if FOLDER_KEY not in config.stash:
        config.stash[FOLDER_KEY] = Path(tempfile.mkdtemp(prefix="codetracker-py313-"))
    return config.stash[FOLDER_KEY]


def order_and_start(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After collection (pytest_collection_modifyitems): the check last; the run started unless this is an
    xdist worker (the controller starts it: `start_for_workers`)."""
    items.sort(key=lambda item: item.nodeid.endswith(CHECK))  # stable: the rest keep their order
    if not _is_xdist_worker(config):
        _start(config, [item.nodeid for item in items])


def hand_to_worker(config: pytest.Config, workerinput: dict) -> None:
    """The controller, configuring a worker (pytest_configure_node): where the run's outcome will be."""
    if _python():
        workerinput[WORKER_INPUT] = str(_run_folder(config))


def start_for_workers(config: pytest.Config, ids: list[str]) -> None:
    """The controller, told of a worker's collection (pytest_xdist_node_collection_finished)."""
    _start(config, ids)


def _start(config: pytest.Config, nodeids: list[str]) -> None:
    python = _python()
    if not python or RUN_KEY in config.stash or not any(nodeid.endswith(CHECK) for nodeid in nodeids):
        return
    config.stash[RUN_KEY] = UnitRun(python, _run_folder(config), own_folder=True)


def stop(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.remove()
    elif FOLDER_KEY in config.stash:
        shutil.rmtree(config.stash[FOLDER_KEY], ignore_errors=True)  # handed to the workers, never used


def take(config: pytest.Config, python: str, basetemp: Path) -> UnitRun | RunElsewhere:
    """The background run: this process's, the xdist controller's, or one started now (the check run on its
    own, under a runner that skips the hooks)."""
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        return run
    elsewhere = getattr(config, "workerinput", {}).get(WORKER_INPUT)
    if elsewhere:
        return RunElsewhere(Path(elsewhere))
    return UnitRun(python, basetemp)
