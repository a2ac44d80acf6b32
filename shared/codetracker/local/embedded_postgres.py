"""The embedded Postgres of local runs (the `pgserver` package): start or adopt, stop. Every start goes through
`start_embedded_postgres`: the CLI, the tests and the benchmarks reach it through the settings (they pass
`embedded_conninfo` to `Settings.from_env` / `DatabaseLocation.from_env`, which decide whether it is used: only
when nothing else is configured), `codetracker dev` directly after asking the settings. Lambda never uses it,
and the layer does not ship `codetracker/local/`. Everything this package knows of pgserver's
internals (its handle bookkeeping, its inter-process lock, the postmaster check) is in this module.

The data directory: ``$CODE_TRACKER_PG_DATA``, else ``$XDG_DATA_HOME/codetracker/pgdata``, else
``~/.local/share/codetracker/pgdata``. It must not exist yet (its parents are created), or be an empty directory,
or a Postgres data directory (``PG_VERSION``); a file or a folder with other contents is refused before anything
touches it.

The server is left running when the process exits (``cleanup_mode=None``): initialising a data directory takes
seconds, but the next run then finds the server up and connects in milliseconds (a server left by a killed run
is adopted: pgserver's stale pids are pruned). ``stop_embedded_postgres(data_dir)`` stops it.
pgserver is imported lazily, on the paths that use it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from codetracker.adapters.postgres.connection import connect
from codetracker.errors import StoreConfigurationError, StoreUnavailable
from codetracker.local.record import pid_alive
from codetracker.settings import DATABASE_URL, PG_DATA, PG_DATABASE, PG_HOST, PG_USER

EMBEDDED_DATABASE = "codetracker"


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """A running embedded server. `reused`: it was running before this process asked (an earlier run left it,
    maybe a killed one), so whoever stops servers it started need not stop this one."""

    data_dir: Path
    conninfo: str = field(repr=False)
    reused: bool


_embedded_lock = threading.Lock()
_started: dict[Path, EmbeddedServer] = {}


def start_embedded_postgres(data_dir: Path | str) -> EmbeddedServer:
    """Start (or reuse) the embedded server in data_dir, with its `codetracker` database.

    data_dir must be a path that does not exist yet (its parents are created), an empty directory, or a Postgres
    data directory (it has PG_VERSION); anything else is refused with StoreConfigurationError before it is
    touched (pgserver would run initdb over it and, as root, chown it). A server that fails to start raises
    StoreUnavailable with one line: the cause and the server log's path.
    The server keeps running after this process exits, for the next run (see the module docstring).
    """
    pgdata = Path(data_dir).expanduser().resolve()
    with _embedded_lock:
        known = _started.get(pgdata)
        if known is not None:
            return known
        check_embedded_data_dir(pgdata)
        pgserver = _import_pgserver()
        _create_data_dir(pgdata)
        running = _postmaster_running(pgdata)
        if running:
            _prune_stale_handles(pgdata)
        log = pgdata / "log"  # where pgserver has pg_ctl write the server's output
        log_start = _file_size(log)
        with _PgserverErrors() as pgserver_errors:
            try:
                server = pgserver.get_server(pgdata, cleanup_mode=None)
                if not _postmaster_running(pgdata):
                    # pgserver hands back its cached handle even after stop_embedded_postgres stopped the server.
                    with server._lock:  # the inter-process lock pgserver holds while it starts a server
                        server.ensure_postgres_running()
            except (OSError, subprocess.SubprocessError, RuntimeError, AssertionError) as err:
                raise _start_failure(pgdata, err, log, log_start, pgserver_errors.messages) from None
        _ensure_database(server.get_uri(), EMBEDDED_DATABASE)
        started = EmbeddedServer(pgdata, server.get_uri(EMBEDDED_DATABASE), reused=running)
        _started[pgdata] = started
        return started


def embedded_conninfo(data_dir: Path) -> str:
    """The conninfo of the embedded server in data_dir, started first if need be: what an entry point that
    allows the embedded database gives the settings (`Settings.from_env(embedded_conninfo=…)`)."""
    return start_embedded_postgres(data_dir).conninfo


def check_embedded_data_dir(pgdata: Path) -> None:
    """Refuse a data directory the embedded server must not use: a file, a folder that holds other things than
    a Postgres data directory, a path below a file. Touches nothing."""
    advice = f"set {PG_DATA} to a new or empty directory, or to an existing Postgres data directory"
    try:
        st = os.stat(pgdata)
    except FileNotFoundError:
        blocker = _first_non_directory_ancestor(pgdata)
        if blocker is not None:
            raise StoreConfigurationError(
                f"cannot create the embedded Postgres data directory {pgdata}: {blocker} is not a directory; {advice}"
            ) from None
        return
    except NotADirectoryError:
        blocker = _first_non_directory_ancestor(pgdata) or pgdata.parent
        raise StoreConfigurationError(
            f"cannot create the embedded Postgres data directory {pgdata}: {blocker} is not a directory; {advice}"
        ) from None
    except OSError as err:
        raise StoreConfigurationError(
            f"cannot use {pgdata} as the embedded Postgres data directory: {_os_reason(err)}; {advice}"
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise StoreConfigurationError(
            f"the embedded Postgres data directory {pgdata} is a file, not a directory; {advice}"
        )
    try:
        if (pgdata / "PG_VERSION").is_file():
            return
        with os.scandir(pgdata) as listing:
            empty = next(listing, None) is None
    except OSError as err:
        raise StoreConfigurationError(
            f"cannot use {pgdata} as the embedded Postgres data directory: {_os_reason(err)}; {advice}"
        ) from None
    if not empty:
        raise StoreConfigurationError(
            f"{pgdata} is not empty and is not a Postgres data directory (it has no PG_VERSION), so the embedded "
            f"Postgres will not use it; {advice}"
        )


def _first_non_directory_ancestor(path: Path) -> Path | None:
    for ancestor in reversed(path.parents):
        try:
            if not stat.S_ISDIR(os.stat(ancestor).st_mode):
                return ancestor
        except FileNotFoundError:
            return None
        except OSError:
            return None  # cannot tell: creating the directory reports it
    return None


def _create_data_dir(pgdata: Path) -> None:
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        pgdata.mkdir(mode=0o700, exist_ok=True)
    except OSError as err:
        raise StoreConfigurationError(
            f"cannot create the embedded Postgres data directory {pgdata}: {_os_reason(err)}; "
            f"set {PG_DATA} to a directory you can write"
        ) from None


def _os_reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "permission denied"
    return (err.strerror or str(err)).lower()


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _PgserverErrors(logging.Handler):
    """Collects what pgserver logs as errors (initdb's and pg_ctl's output) while a server starts, instead of
    letting Python's last-resort handler print it on stderr; the failure then names its cause in one line."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed record must not hide the real failure
            pass

    def __enter__(self) -> _PgserverErrors:
        logging.getLogger("pgserver").addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        logging.getLogger("pgserver").removeHandler(self)


# The server's log: "2026-01-01 00:00:00.000 UTC [42] FATAL:  data directory … has invalid permissions".
_SERVER_ERROR = re.compile(r"\b(?:FATAL|PANIC):\s+(?P<text>.+)")
# What pgserver logs of a failed initdb / pg_ctl: "Failed postgres command …\nstderr:\n<stderr>\n---\n".
_COMMAND_STDERR = re.compile(r"\nstderr:\n(?P<text>.*?)\n---", re.DOTALL)


def _start_failure(
    pgdata: Path, err: BaseException, log: Path, log_start: int, pgserver_messages: list[str]
) -> StoreUnavailable:
    """One line: what went wrong (the server's FATAL line, initdb's or pg_ctl's error, else the exception) and
    the server log, when the server wrote to it."""
    written = ""
    if log.is_file():
        try:
            with open(log, "rb") as fh:
                fh.seek(log_start)
                written = fh.read(1024 * 1024).decode("utf-8", "replace")
        except OSError:
            written = ""
    cause = _server_error(written) or _command_error(pgserver_messages) or _exception_text(err)
    cause = " ".join(cause.split())
    where = f" (server log: {log})" if written.strip() else ""
    return StoreUnavailable(f"cannot start the embedded Postgres in {pgdata}: {cause}{where}")


def _server_error(log_text: str) -> str | None:
    found = _SERVER_ERROR.search(log_text)
    if found:
        return found["text"]
    lines = log_text.strip().splitlines()
    return lines[-1] if lines else None  # postgres: could not access the server configuration file …


def _command_error(pgserver_messages: list[str]) -> str | None:
    for message in pgserver_messages:
        found = _COMMAND_STDERR.search(message)
        lines = [line.strip() for line in found["text"].splitlines() if line.strip()] if found else []
        if lines:  # "initdb: error: …" rather than initdb's warnings and clean-up notes
            return next((line for line in lines if ": error: " in line), lines[0])
    return None


def _exception_text(err: BaseException) -> str:
    # pgserver reads the log in its own error handler; when there is none, that FileNotFoundError hides the
    # failure of the command it was handling.
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, subprocess.SubprocessError):
        cause = cause.__context__
    if isinstance(cause, subprocess.CalledProcessError):
        return f"{_program(cause.cmd)} exited with status {cause.returncode}"
    if isinstance(cause, subprocess.TimeoutExpired):
        return f"{_program(cause.cmd)} did not finish within {cause.timeout:g} s"
    return str(err) or type(err).__name__


def _program(cmd: object) -> str:
    first = cmd[0] if isinstance(cmd, (list, tuple)) and cmd else cmd
    return Path(str(first)).name


def stop_embedded_postgres(data_dir: Path | str) -> bool:
    """Stop the embedded server of data_dir (fast shutdown); False when it was not running."""
    pgdata = Path(data_dir).expanduser().resolve()
    with _embedded_lock:
        _started.pop(pgdata, None)
        if not (pgdata / "postmaster.pid").exists():
            return False
        pgserver = _import_pgserver()
        # pg_ctl only: pgserver's handle of this process stays registered in its _instances, where its exit hook
        # expects to find it (a KeyError at exit otherwise); start_embedded_postgres restarts through it.
        # pgserver runs the server as the user "pgserver" when started by root; pg_ctl refuses to run as root.
        run_as = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        try:
            with _PgserverErrors():  # pg_ctl's complaint that no server runs is not for the terminal
                pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=run_as, timeout=60)
        except subprocess.CalledProcessError:
            return False  # pg_ctl: no server running
        return True


def _postmaster_running(pgdata: Path) -> bool:
    if not (pgdata / "postmaster.pid").exists():
        return False
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def _prune_stale_handles(pgdata: Path) -> None:
    """pgserver keeps the pids of the processes holding its server in `.handle_pids.json` and never drops
    those of killed ones; drop them (under pgserver's own lock), so that the server they leave is reused
    and its bookkeeping stays true."""
    from pgserver.postgres_server import PostgresServer

    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and pid_alive(pid)]
        if alive != pids:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(alive))
            os.replace(tmp, path)


def _import_pgserver() -> ModuleType:
    try:
        with warnings.catch_warnings():
            # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset; the fallback is fine.
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError:
        raise StoreConfigurationError(
            f"no database configured ({DATABASE_URL} or {PG_HOST}/{PG_DATABASE}/{PG_USER}) and the embedded "
            "Postgres is not installed: pip install 'codetracker[embedded]'"
        ) from None
    return pgserver


def _ensure_database(admin_conninfo: str, name: str) -> None:
    from psycopg import errors, sql

    with connect(admin_conninfo) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            pass  # another process created it at the same moment
