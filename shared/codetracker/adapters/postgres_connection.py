"""Postgres connection settings: environment → libpq conninfo, the embedded default server, connecting.

Where the database is, first match wins:
1. ``DATABASE_URL`` (any libpq conninfo: ``postgresql://…`` URI or ``key=value`` pairs);
2. ``CODE_TRACKER_PG_HOST``, ``_PORT`` (default 5432), ``_DATABASE``, ``_USER``, ``_PASSWORD`` (optional),
   ``_SSL`` (optional: true/1/yes → require, false/0/no → disable, or a libpq sslmode such as verify-full);
3. neither: an embedded Postgres (the ``pgserver`` package) in ``$CODE_TRACKER_PG_DATA``, else
   ``$XDG_DATA_HOME/codetracker/pgdata``, else ``~/.local/share/codetracker/pgdata``. That path must not exist
   yet (its parents are created), or be an empty directory, or a Postgres data directory (``PG_VERSION``);
   a file or a folder with other contents is refused before anything touches it.

The embedded server is left running when the process exits (``cleanup_mode=None``): initialising a data
directory takes seconds, but the next CLI run then finds the server up and connects in milliseconds.
``stop_embedded_postgres(data_dir)`` stops it.

Passwords never reach messages: use ``redacted(conninfo)`` to show a conninfo, and every error raised here
has the password scrubbed. psycopg and pgserver are imported lazily, on the paths that use them.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from codetracker.errors import StoreConfigurationError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg

DATABASE_URL = "DATABASE_URL"
PG_HOST = "CODE_TRACKER_PG_HOST"
PG_PORT = "CODE_TRACKER_PG_PORT"
PG_DATABASE = "CODE_TRACKER_PG_DATABASE"
PG_USER = "CODE_TRACKER_PG_USER"
PG_PASSWORD = "CODE_TRACKER_PG_PASSWORD"
PG_SSL = "CODE_TRACKER_PG_SSL"
PG_DATA = "CODE_TRACKER_PG_DATA"

_PG_SETTINGS = (PG_HOST, PG_PORT, PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL)
_PG_REQUIRED = (PG_HOST, PG_DATABASE, PG_USER)
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")

EMBEDDED_DATABASE = "codetracker"
DEFAULT_CONNECT_TIMEOUT = 5  # seconds; libpq counts whole seconds
APPLICATION_NAME = "codetracker"
_HIDDEN = "***"


# --- settings ----------------------------------------------------------------------------------------


def resolve_conninfo(env: Mapping[str, str]) -> str:
    """The conninfo for the settings in env; starts (or reuses) the embedded server when nothing is set."""
    url = _setting(env, DATABASE_URL)
    if url:
        return url
    conninfo = conninfo_from_settings(env)
    if conninfo is not None:
        return conninfo
    return start_embedded_postgres(embedded_data_dir(env))


def conninfo_from_settings(env: Mapping[str, str]) -> str | None:
    """A key=value conninfo from the CODE_TRACKER_PG_* variables, None when none of them is set."""
    values = {name: _setting(env, name) for name in _PG_SETTINGS}
    if not any(values.values()):
        return None
    missing = [name for name in _PG_REQUIRED if not values[name]]
    if missing:
        present = ", ".join(name for name, value in values.items() if value)
        raise StoreConfigurationError(
            f"incomplete Postgres settings: {', '.join(missing)} must be set as well "
            f"(found {present}); or set {DATABASE_URL}, or none of them to use the embedded Postgres"
        )
    port = values[PG_PORT] or "5432"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise StoreConfigurationError(f"{PG_PORT} must be a TCP port number, not {port!r}")
    params = {
        "host": values[PG_HOST],
        "port": port,
        "dbname": values[PG_DATABASE],
        "user": values[PG_USER],
        "password": values[PG_PASSWORD],
        "sslmode": sslmode_from_setting(values[PG_SSL]) if values[PG_SSL] else None,
    }
    return " ".join(f"{key}={_quote_value(value)}" for key, value in params.items() if value is not None)


def with_password(conninfo: str, password: str) -> str:
    """A key=value conninfo with its password set (replaced when it has one)."""
    pairs = [(key, raw) for key, raw, _ in (_keyword_pairs(conninfo) or []) if key != "password"]
    return " ".join([f"{key}={raw}" for key, raw in pairs] + [f"password={_quote_value(password)}"])


def sslmode_from_setting(value: str) -> str:
    """CODE_TRACKER_PG_SSL → libpq sslmode: a yes/no flag, or an sslmode name."""
    normalized = value.strip().lower()
    if normalized in _TRUE:
        return "require"
    if normalized in _FALSE:
        return "disable"
    if normalized in _SSLMODES:
        return normalized
    raise StoreConfigurationError(f"{PG_SSL} must be true/false or one of {', '.join(_SSLMODES)}, not {value!r}")


def embedded_data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded server keeps its data for this user."""
    explicit = _setting(env, PG_DATA)
    if explicit:
        return Path(explicit).expanduser()
    xdg_data_home = _setting(env, "XDG_DATA_HOME")
    if xdg_data_home and Path(xdg_data_home).is_absolute():  # the XDG spec says to ignore relative paths
        base = Path(xdg_data_home)
    else:
        home = _setting(env, "HOME")
        base = (Path(home) if home else Path.home()) / ".local" / "share"
    return base / "codetracker" / "pgdata"


def _setting(env: Mapping[str, str], name: str) -> str | None:
    # An empty variable (FOO= in an env file) counts as unset.
    value = env.get(name)
    return value if value else None


def _quote_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


# --- the embedded server --------------------------------------------------------------------------------

_embedded_lock = threading.Lock()
_embedded_conninfo: dict[Path, str] = {}


def start_embedded_postgres(data_dir: Path | str) -> str:
    """Start (or reuse) the embedded server in data_dir; the conninfo of its `codetracker` database.

    data_dir must be a path that does not exist yet (its parents are created), an empty directory, or a Postgres
    data directory (it has PG_VERSION); anything else is refused with StoreConfigurationError before it is
    touched (pgserver would run initdb over it and, as root, chown it). A server that fails to start raises
    StoreUnavailable with one line: the cause and the server log's path.
    The server keeps running after this process exits, for the next run (see the module docstring).
    """
    pgdata = Path(data_dir).expanduser().resolve()
    with _embedded_lock:
        known = _embedded_conninfo.get(pgdata)
        if known is not None:
            return known
        check_embedded_data_dir(pgdata)
        pgserver = _import_pgserver()
        _create_data_dir(pgdata)
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
        conninfo = server.get_uri(EMBEDDED_DATABASE)
        _embedded_conninfo[pgdata] = conninfo
        return conninfo


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
        _embedded_conninfo.pop(pgdata, None)
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
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def _import_pgserver():
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


# --- connecting -------------------------------------------------------------------------------------------


def connect(
    conninfo: str, *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT, autocommit: bool = True
) -> psycopg.Connection:
    """Open a connection for the store: no automatic prepared statements, a short connect timeout.

    prepare_threshold=None because RDS Proxy pins a client to one server session once it prepares a statement.
    A connect_timeout or application_name already in conninfo wins over the defaults.
    Raises StoreUnavailable (retryable) when the server cannot be reached, StoreConfigurationError when the
    conninfo is malformed; neither message contains the password.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as err:
        raise StoreConfigurationError(
            f"malformed Postgres conninfo {redacted(conninfo)}: {driver_message(err, conninfo)}"
        ) from None
    defaults: dict[str, object] = {"connect_timeout": connect_timeout, "application_name": APPLICATION_NAME}
    extra = {key: value for key, value in defaults.items() if key not in given}
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, prepare_threshold=None, **extra)
    except psycopg.Error as err:
        # `from None`: libpq messages can quote parts of the conninfo; only the scrubbed text travels on.
        raise StoreUnavailable(
            f"cannot connect to Postgres at {redacted(conninfo)}: {driver_message(err, conninfo)}"
        ) from None


# --- redaction --------------------------------------------------------------------------------------------

_URI_PREFIXES = ("postgresql://", "postgres://")
_QUERY_PASSWORD = re.compile(r"(^|&)password=([^&]*)")
_KEYWORD_PAIR = re.compile(r"\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")


def redacted(conninfo: str) -> str:
    """conninfo with its password replaced by ***, for logs and messages."""
    if conninfo.startswith(_URI_PREFIXES):
        return _redacted_uri(conninfo)
    pairs = _keyword_pairs(conninfo)
    if pairs is None:
        # Not parseable: show nothing of it rather than risk showing the password.
        return "<unparseable conninfo>"
    return " ".join(f"{key}={_HIDDEN if key == 'password' else raw}" for key, raw, _ in pairs)


def hide_password(text: str, conninfo: str) -> str:
    """text with every occurrence of conninfo's password replaced by ***."""
    for password in sorted(_passwords(conninfo), key=len, reverse=True):
        text = text.replace(password, _HIDDEN)
    return text


def driver_message(err: BaseException, conninfo: str) -> str:
    """A psycopg/libpq error as one line (libpq adds hints on indented lines), password hidden."""
    return " ".join(hide_password(str(err), conninfo).split())


def _redacted_uri(uri: str) -> str:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable conninfo>"
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at and ":" in userinfo:
        user, _, password = userinfo.partition(":")
        if password:
            netloc = f"{user}:{_HIDDEN}@{hostinfo}"
    query = _QUERY_PASSWORD.sub(rf"\1password={_HIDDEN}", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _keyword_pairs(conninfo: str) -> list[tuple[str, str, str]] | None:
    """(key, raw value, unquoted value) for each key=value of a libpq keyword conninfo; None if malformed."""
    pairs = []
    position = 0
    text = conninfo.rstrip()
    while position < len(text):
        match = _KEYWORD_PAIR.match(text, position)
        if match is None or match.end() == position:
            return None
        raw = match["value"]
        value = raw[1:-1] if raw.startswith("'") else raw
        pairs.append((match["key"], raw, re.sub(r"\\(.)", r"\1", value)))
        position = match.end()
        if position < len(text) and not text[position].isspace():
            return None
    return pairs


def _passwords(conninfo: str) -> set[str]:
    found: set[str] = set()
    if conninfo.startswith(_URI_PREFIXES):
        try:
            parts = urlsplit(conninfo)
        except ValueError:
            parts = None
            # Malformed URI (libpq quotes it whole in its error): hide what sits between "user:" and "@".
            found.update(m[1] for m in re.finditer(r"://[^/@:]*:([^@]*)@", conninfo))
        if parts is not None:
            userinfo, at, _ = parts.netloc.rpartition("@")
            if at and ":" in userinfo:
                password = userinfo.partition(":")[2]
                found.update({password, unquote(password)})
            for match in _QUERY_PASSWORD.finditer(parts.query):
                found.update({match[2], unquote(match[2])})
    else:
        pairs = _keyword_pairs(conninfo)
        if pairs is None:
            # Malformed: hide whatever follows password= up to the next blank.
            found.update(m[1] for m in re.finditer(r"password\s*=\s*(\S+)", conninfo))
        for key, raw, value in pairs or ():
            if key == "password":
                found.update({raw, value})
    return {password for password in found if password}
