"""Connection settings, redaction, unreachable servers and the embedded default server."""

from __future__ import annotations

import socket
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import psycopg
import pytest
from codetracker.adapters.postgres_connection import (
    connect,
    conninfo_from_settings,
    embedded_data_dir,
    hide_password,
    redacted,
    resolve_conninfo,
    start_embedded_postgres,
    stop_embedded_postgres,
)
from codetracker.adapters.postgres.database import PostgresDatabase
from tests.support.stores import snapshot_store
from codetracker.errors import RetryableError, StoreConfigurationError, StoreUnavailable
from psycopg.conninfo import conninfo_to_dict
from tests.support.unprivileged import run_unprivileged

SECRET = "s3cr3t-P4ss"
COMPLETE = {
    "CODE_TRACKER_PG_HOST": "db.internal",
    "CODE_TRACKER_PG_DATABASE": "codetracker",
    "CODE_TRACKER_PG_USER": "tracker",
    "CODE_TRACKER_PG_PASSWORD": SECRET,
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def everything_said(err: BaseException) -> str:
    return "".join(traceback.format_exception(err)) + repr(err)


# --- settings ------------------------------------------------------------------------------------------


def test_database_url_wins_over_everything() -> None:
    url = "postgresql://u:p@elsewhere:6543/db"
    assert resolve_conninfo({"DATABASE_URL": url, **COMPLETE}) == url


def test_settings_become_a_conninfo() -> None:
    conninfo = resolve_conninfo(COMPLETE)
    assert conninfo_to_dict(conninfo) == {
        "host": "db.internal",
        "port": "5432",
        "dbname": "codetracker",
        "user": "tracker",
        "password": SECRET,
    }


def test_awkward_passwords_survive_quoting() -> None:
    awkward = "it's a \\ pass word="
    conninfo = conninfo_from_settings({**COMPLETE, "CODE_TRACKER_PG_PASSWORD": awkward, "CODE_TRACKER_PG_PORT": "6000"})
    assert conninfo is not None
    assert conninfo_to_dict(conninfo)["password"] == awkward
    assert conninfo_to_dict(conninfo)["port"] == "6000"
    assert awkward not in redacted(conninfo) and "pass word" not in redacted(conninfo)


@pytest.mark.parametrize(
    ("setting", "sslmode"),
    [
        ("true", "require"),
        ("YES", "require"),
        ("1", "require"),
        ("false", "disable"),
        ("no", "disable"),
        ("0", "disable"),
        ("verify-full", "verify-full"),
        ("prefer", "prefer"),
    ],
)
def test_ssl_setting_becomes_an_sslmode(setting: str, sslmode: str) -> None:
    conninfo = resolve_conninfo({**COMPLETE, "CODE_TRACKER_PG_SSL": setting})
    assert conninfo_to_dict(conninfo)["sslmode"] == sslmode


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CODE_TRACKER_PG_HOST": "db"}, ["CODE_TRACKER_PG_DATABASE", "CODE_TRACKER_PG_USER"]),
        (
            {"CODE_TRACKER_PG_PASSWORD": SECRET},
            ["CODE_TRACKER_PG_HOST", "CODE_TRACKER_PG_DATABASE", "CODE_TRACKER_PG_USER"],
        ),
        ({**COMPLETE, "CODE_TRACKER_PG_USER": ""}, ["CODE_TRACKER_PG_USER"]),
    ],
)
def test_partial_settings_name_what_is_missing(env: dict[str, str], named: list[str]) -> None:
    with pytest.raises(StoreConfigurationError) as raised:
        resolve_conninfo(env)
    for name in named:
        assert name in str(raised.value)
    assert SECRET not in everything_said(raised.value)


@pytest.mark.parametrize(
    "bad",
    [{"CODE_TRACKER_PG_PORT": "54x2"}, {"CODE_TRACKER_PG_PORT": "70000"}, {"CODE_TRACKER_PG_SSL": "maybe"}],
)
def test_malformed_settings_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(StoreConfigurationError):
        resolve_conninfo({**COMPLETE, **bad})


def test_embedded_data_dir_follows_the_environment(tmp_path: Path) -> None:
    assert embedded_data_dir({"CODE_TRACKER_PG_DATA": str(tmp_path / "pg"), "XDG_DATA_HOME": "/xdg"}) == (
        tmp_path / "pg"
    )
    assert embedded_data_dir({"XDG_DATA_HOME": "/xdg", "HOME": "/home/me"}) == Path("/xdg/codetracker/pgdata")
    assert embedded_data_dir({"XDG_DATA_HOME": "relative", "HOME": "/home/me"}) == Path(
        "/home/me/.local/share/codetracker/pgdata"
    )
    assert embedded_data_dir({"HOME": "/home/me", "CODE_TRACKER_PG_DATA": ""}) == Path(
        "/home/me/.local/share/codetracker/pgdata"
    )


# --- redaction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conninfo", "shown"),
    [
        (
            f"postgresql://tracker:{SECRET}@db:5432/ct?sslmode=require",
            "postgresql://tracker:***@db:5432/ct?sslmode=require",
        ),
        (
            f"postgres://tracker@db/ct?password={SECRET}&sslmode=require",
            "postgres://tracker@db/ct?password=***&sslmode=require",
        ),
        (f"host=db user=tracker password={SECRET} dbname=ct", "host=db user=tracker password=*** dbname=ct"),
        (f"host=db password = '{SECRET} x\\'y' dbname=ct", "host=db password=*** dbname=ct"),
        (
            "postgresql://postgres:@/postgres?host=/tmp/sock",
            "postgresql://postgres:@/postgres?host=/tmp/sock",
        ),
        (f"host=db password='{SECRET}", "<unparseable conninfo>"),
    ],
)
def test_redacted_hides_the_password(conninfo: str, shown: str) -> None:
    assert redacted(conninfo) == shown
    assert SECRET not in hide_password(f"failed for {conninfo}", conninfo)


def test_hide_password_covers_percent_encoded_passwords() -> None:
    conninfo = "postgresql://tracker:p%40ss%2Fword@db/ct"
    assert hide_password("auth failed: p@ss/word or p%40ss%2Fword", conninfo) == "auth failed: *** or ***"


# --- connecting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "postgresql://tracker:{secret}@127.0.0.1:{port}/codetracker",
        "host=127.0.0.1 port={port} dbname=codetracker user=tracker password='{secret}'",
    ],
)
def test_unreachable_database_is_retryable_and_keeps_the_secret(template: str) -> None:
    conninfo = template.format(secret=SECRET, port=closed_port())
    with pytest.raises(StoreUnavailable) as raised:
        connect(conninfo, connect_timeout=2)
    assert isinstance(raised.value, RetryableError) and raised.value.retryable
    assert "127.0.0.1" in str(raised.value)
    assert SECRET not in everything_said(raised.value)

    database = PostgresDatabase(conninfo, connect_timeout=2)
    assert SECRET not in repr(database)
    with pytest.raises(StoreUnavailable) as raised:
        snapshot_store(database).list_snapshots("anything")
    assert SECRET not in everything_said(raised.value)


def test_malformed_conninfo_is_a_configuration_error_without_the_secret() -> None:
    with pytest.raises(StoreConfigurationError) as raised:
        connect(f"host=db password='{SECRET}")
    assert SECRET not in everything_said(raised.value)


def test_connections_skip_prepared_statements(database_url: str) -> None:
    with connect(database_url) as conn:
        assert conn.prepare_threshold is None  # RDS Proxy pins sessions that prepare statements
        assert conn.autocommit is True
        assert conn.execute("SHOW application_name").fetchone() == ("codetracker",)
        assert conn.info.get_parameters()["connect_timeout"] == "5"


def test_settings_reach_a_real_server(database_url: str) -> None:
    server = conninfo_to_dict(database_url)
    env = {
        "CODE_TRACKER_PG_HOST": str(server.get("host", "localhost")),
        "CODE_TRACKER_PG_PORT": str(server.get("port", "5432")),
        "CODE_TRACKER_PG_DATABASE": str(server.get("dbname", "postgres")),
        "CODE_TRACKER_PG_USER": str(server.get("user", "postgres")),
        "CODE_TRACKER_PG_PASSWORD": str(server.get("password") or ""),
    }
    with connect(resolve_conninfo(env)) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (env["CODE_TRACKER_PG_DATABASE"],)


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
        with psycopg.connect(start_embedded_postgres(data_dir)) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        assert stop_embedded_postgres(data_dir) is True


_START_AND_STOP = """
import sys
from codetracker.adapters.postgres_connection import start_embedded_postgres, stop_embedded_postgres

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
        with psycopg.connect(start_embedded_postgres(data_dir)) as conn:
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
