"""The embedded Postgres of local runs (codetracker.local.embedded_postgres): started once and reused, stopped,
what its data directory may be, one-line failures; reached through the settings as the CLI reaches it."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg
import pytest

from codetracker.errors import StoreConfigurationError, StoreUnavailable
from codetracker.local.embedded_postgres import embedded_conninfo, start_embedded_postgres, stop_embedded_postgres
from codetracker.settings import DatabaseLocation, embedded_data_dir
from tests.support.unprivileged import run_unprivileged


def resolve_conninfo(env: dict[str, str]) -> str:
    """The conninfo the CLI resolves for env (the settings, with the embedded server allowed)."""
    return DatabaseLocation.from_env(env, embedded_conninfo=embedded_conninfo).conninfo_source()()


# --- the embedded server --------------------------------------------------------------------------------------
# Servers are started in `open_tree` directories, not below pytest's tmp_path: run as root, pgserver opens the
# data directory's ancestors to its `pgserver` user, and a concurrent pytest session closes /tmp/pytest-of-root
# again (mode 0700) under a starting server.


@pytest.mark.slow
def test_embedded_server_starts_once_is_reused_and_stops(open_tree: Path) -> None:
    import psutil

    env = {"CODE_TRACKER_PG_DATA": str(open_tree / "data" / "pgdata"), "HOME": str(open_tree)}
    data_dir = embedded_data_dir(env)
    try:
        conninfo = resolve_conninfo(env)
        assert resolve_conninfo(env) == conninfo  # reused, not started twice
        with psycopg.connect(conninfo) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("codetracker",)
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    finally:
        stopped = stop_embedded_postgres(data_dir)
    assert stopped is True
    try:
        assert psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE  # exited, not yet reaped by init
    except psutil.NoSuchProcess:
        pass
    assert stop_embedded_postgres(data_dir) is False

    # Started again after a stop: the data directory is already initialised.
    try:
        with psycopg.connect(start_embedded_postgres(data_dir).conninfo) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        assert stop_embedded_postgres(data_dir) is True


_START_AND_STOP = """
import sys
from codetracker.local.embedded_postgres import start_embedded_postgres, stop_embedded_postgres

for _ in range(2):  # the second time, the process starts the server it stopped itself
    start_embedded_postgres(sys.argv[1])
    assert stop_embedded_postgres(sys.argv[1]) is True
"""


@pytest.mark.slow
def test_a_process_that_starts_and_stops_the_server_exits_cleanly(open_tree: Path) -> None:
    """pgserver's own exit hook runs at the end of such a process: it must find its bookkeeping intact."""
    data_dir = open_tree / "pgdata"
    try:
        finished = subprocess.run(
            [sys.executable, "-c", _START_AND_STOP, str(data_dir)],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        stop_embedded_postgres(data_dir)  # only if the child left it running; needs no pgserver handle here
    # Exceptions in exit hooks are printed ("Exception ignored in atexit callback") but keep exit code 0.
    assert finished.returncode == 0, finished.stderr
    assert "Traceback" not in finished.stderr and "Exception ignored" not in finished.stderr, finished.stderr
    assert not (data_dir / "postmaster.pid").exists()


# Starts the server and dies without running any exit hook, as a killed `codetracker dev` would.
_START_AND_DIE = """
import os, sys
from codetracker.local.embedded_postgres import start_embedded_postgres

start_embedded_postgres(sys.argv[1])
print(os.getpid(), flush=True)
os._exit(0)
"""


@pytest.mark.slow
def test_a_server_left_by_a_killed_process_is_adopted_and_its_stale_pid_dropped(open_tree: Path) -> None:
    data_dir = (open_tree / "pgdata").resolve()
    handles = data_dir / ".handle_pids.json"
    try:
        died = subprocess.run(
            [sys.executable, "-c", _START_AND_DIE, str(data_dir)], capture_output=True, text=True, timeout=240
        )
        assert died.returncode == 0, died.stderr
        dead_pid = int(died.stdout.split()[-1])
        assert dead_pid in json.loads(handles.read_text())  # pgserver never drops it by itself
        postmaster = (data_dir / "postmaster.pid").read_text().split()[0]

        server = start_embedded_postgres(data_dir)
        assert server.reused and server.data_dir == data_dir
        assert (data_dir / "postmaster.pid").read_text().split()[0] == postmaster  # the same server, not a new one
        assert dead_pid not in json.loads(handles.read_text())
        with psycopg.connect(server.conninfo) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("codetracker",)
    finally:
        stop_embedded_postgres(data_dir)


# --- what CODE_TRACKER_PG_DATA may point at ------------------------------------------------------------------


def _state(path: Path) -> object:
    """Owner, mode and contents of a file, or of a folder and everything in it (and of its parent folder)."""

    def one(p: Path) -> tuple:
        st = p.lstat()
        return (p.name, st.st_uid, st.st_gid, st.st_mode, p.read_bytes() if p.is_file() else None)

    parent = path.parent.stat()
    below = sorted(one(p) for p in path.rglob("*")) if path.is_dir() else []
    return (parent.st_uid, parent.st_mode), one(path), below


def _refused(data_dir: Path) -> str:
    with pytest.raises(StoreConfigurationError) as raised:
        start_embedded_postgres(data_dir)
    message = str(raised.value)
    assert "\n" not in message and not raised.value.retryable
    with pytest.raises(StoreConfigurationError):  # also through the environment, as the CLI resolves it
        resolve_conninfo({"CODE_TRACKER_PG_DATA": str(data_dir), "HOME": str(data_dir.parent)})
    return message


def test_a_file_as_data_directory_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    notes.chmod(0o640)
    before = _state(notes)
    message = _refused(notes)
    assert message.startswith(f"the embedded Postgres data directory {notes} is a file, not a directory")
    assert "CODE_TRACKER_PG_DATA" in message
    assert _state(notes) == before


def test_a_folder_that_is_not_a_data_directory_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "main.js").write_text("export function main() {}\n")
    (folder / "README").write_text("hello\n")
    folder.chmod(0o750)
    before = _state(folder)
    message = _refused(folder)
    assert message.startswith(f"{folder} is not empty and is not a Postgres data directory (it has no PG_VERSION)")
    assert _state(folder) == before  # not chowned to pgserver, no .handle_pids.json, no initdb output


def test_a_data_directory_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    before = _state(tmp_path / "file")
    message = _refused(tmp_path / "file" / "sub" / "pgdata")
    assert f"{tmp_path / 'file'} is not a directory" in message
    assert _state(tmp_path / "file") == before


def test_a_failed_start_is_one_line_with_the_real_log(open_tree: Path) -> None:
    """A data directory pgserver accepts (it has PG_VERSION) where Postgres cannot start: no configuration."""
    broken = open_tree / "broken"
    broken.mkdir()
    (broken / "PG_VERSION").write_text("16\n")
    with pytest.raises(StoreUnavailable) as raised:
        start_embedded_postgres(broken)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"cannot start the embedded Postgres in {broken}: ")
    assert "postgresql.conf" in message  # the server's own reason, from its log
    log = broken / "log"
    assert message.endswith(f"(server log: {log})") and "postgresql.conf" in log.read_text()


@pytest.mark.slow
def test_an_empty_folder_becomes_the_data_directory(open_tree: Path) -> None:
    data_dir = open_tree / "empty"
    data_dir.mkdir()
    try:
        with psycopg.connect(start_embedded_postgres(data_dir).conninfo) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("codetracker",)
        assert (data_dir / "PG_VERSION").is_file()
    finally:
        stopped = stop_embedded_postgres(data_dir)
    assert stopped is True


def _start_error(data_dir: str) -> tuple[str, str]:
    try:
        start_embedded_postgres(data_dir)
    except StoreConfigurationError as err:
        return type(err).__name__, str(err)
    return "started", ""


def test_a_data_directory_that_cannot_be_created_is_a_configuration_error(open_tree: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("pgserver")  # imported here: the unprivileged child is a fork of this process
    (open_tree / "readonly").mkdir()
    (open_tree / "readonly").chmod(0o555)
    data_dir = open_tree / "readonly" / "codetracker" / "pgdata"
    kind, message = run_unprivileged(_start_error, str(data_dir))
    assert kind == "StoreConfigurationError"
    assert message.startswith(f"cannot create the embedded Postgres data directory {data_dir}: permission denied")
    assert list((open_tree / "readonly").iterdir()) == []
