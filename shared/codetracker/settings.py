"""Typed settings, parsed and validated once from the environment: at cold start in Lambda, at start in the
CLI. A bad value is the operator's mistake (ConfigurationError naming the variable), never the caller's.

Where the database is, first match wins (decided here and nowhere else: `DatabaseLocation`):
1. `DATABASE_URL` (any libpq conninfo: a `postgresql://…` URI or key=value pairs);
2. `CODE_TRACKER_PG_HOST`, `_PORT` (default 5432), `_DATABASE`, `_USER`, `_PASSWORD` (optional; in AWS
   `CODE_TRACKER_PG_PASSWORD_SECRET_ID` instead), `_SSL` (optional: true/1/yes → require, false/0/no →
   disable, or a libpq sslmode such as verify-full);
3. neither: the embedded Postgres in `CODE_TRACKER_PG_DATA`, else `$XDG_DATA_HOME/codetracker/pgdata`, else
   `~/.local/share/codetracker/pgdata`, allowed only where the entry point says so by passing how to start it
   (the CLI, the local runtime and the tests; never in Lambda).
Nothing here connects, starts or imports a driver: the database is resolved on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_HASH_BYTES, SelectionOptions
from codetracker.errors import ConfigurationError, StoreConfigurationError
from codetracker.ports.git import FetchLimits

T = TypeVar("T", int, float)


def _number(env: Mapping[str, str], name: str, kind: Callable[[str], T], *, zero_allowed: bool) -> T | None:
    """The variable's number, None when it is unset or blank; ConfigurationError naming it when it is not a
    number of that kind, or is below 0 (below 1 for a positive one)."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigurationError(f"{name} must be {what}, got {raw!r}", setting=name) from None
    if value < 0 or (value == 0 and not zero_allowed):
        bound = "0 or more" if zero_allowed else "positive"
        raise ConfigurationError(f"{name} must be {bound}, got {value}", setting=name)
    return value


def _positive(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    value = _number(env, name, kind, zero_allowed=False)
    return default if value is None else value


def _non_negative(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, float, zero_allowed=True)
    return default if value is None else value


# Where the database is: the variables, in the order they are looked at.
DATABASE_URL = "DATABASE_URL"
PG_HOST = "CODE_TRACKER_PG_HOST"
PG_PORT = "CODE_TRACKER_PG_PORT"
PG_DATABASE = "CODE_TRACKER_PG_DATABASE"
PG_USER = "CODE_TRACKER_PG_USER"
PG_PASSWORD = "CODE_TRACKER_PG_PASSWORD"
PG_SSL = "CODE_TRACKER_PG_SSL"
PG_PASSWORD_SECRET_ID = "CODE_TRACKER_PG_PASSWORD_SECRET_ID"
PG_DATA = "CODE_TRACKER_PG_DATA"

_PG_SETTINGS = (PG_HOST, PG_PORT, PG_DATABASE, PG_USER, PG_PASSWORD, PG_SSL)
_PG_REQUIRED = (PG_HOST, PG_DATABASE, PG_USER)
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

# The embedded server's conninfo for a data directory, started on demand (codetracker.local.embedded_postgres);
# given by the entry points that allow it, so that these settings import nothing that starts a server.
EmbeddedConninfo = Callable[[Path], str]


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """Where the database is. `origin`: "DATABASE_URL", "CODE_TRACKER_PG_*", "embedded" or "none"."""

    origin: str
    conninfo: str | None = field(default=None, repr=False)  # holds the password: never shown
    embedded_data_dir: Path | None = None
    # AWS: the password is the "password" of this Secrets Manager secret (the RDS JSON format), read when
    # connecting and read again after a failed connection, so a rotated password is picked up.
    password_secret_id: str | None = None
    embedded_conninfo: EmbeddedConninfo | None = field(default=None, repr=False, compare=False)

    @property
    def embedded(self) -> bool:
        return self.origin == "embedded"

    def conninfo_source(self) -> Callable[[], str]:
        """What PostgresDatabase resolves on first connection (the embedded server starts only then)."""
        if self.conninfo is not None:
            conninfo = self.conninfo
            return lambda: conninfo
        if self.embedded_data_dir is not None and self.embedded_conninfo is not None:
            return partial(self.embedded_conninfo, self.embedded_data_dir)
        return _no_database

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, embedded_conninfo: EmbeddedConninfo | None) -> DatabaseLocation:
        """First match wins (see the module docstring); the embedded server only with `embedded_conninfo`."""
        url = _setting(env, DATABASE_URL)
        if url:
            return cls("DATABASE_URL", conninfo=url)
        parts = _conninfo_from_parts(env)
        if parts is not None:
            secret_id = None if _setting(env, PG_PASSWORD) else _setting(env, PG_PASSWORD_SECRET_ID)
            return cls("CODE_TRACKER_PG_*", conninfo=parts, password_secret_id=secret_id)
        if embedded_conninfo is not None:
            return cls("embedded", embedded_data_dir=embedded_data_dir(env), embedded_conninfo=embedded_conninfo)
        return cls("none")


def _no_database() -> str:
    raise ConfigurationError(
        "no database configured: set DATABASE_URL or CODE_TRACKER_PG_HOST, _DATABASE and _USER",
        setting="DATABASE_URL",
    )


def _conninfo_from_parts(env: Mapping[str, str]) -> str | None:
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
    ssl = values[PG_SSL]
    params = {
        "host": values[PG_HOST],
        "port": port,
        "dbname": values[PG_DATABASE],
        "user": values[PG_USER],
        "password": values[PG_PASSWORD],
        "sslmode": _sslmode(ssl) if ssl else None,
    }
    return " ".join(f"{key}={_quoted(value)}" for key, value in params.items() if value is not None)


def _quoted(value: str) -> str:
    """A conninfo value in libpq's quoting: in single quotes, backslash and quote escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _sslmode(value: str) -> str:
    """CODE_TRACKER_PG_SSL → libpq sslmode: a yes/no flag, or an sslmode name."""
    normalized = value.strip().lower()
    if normalized in ("true", "1", "yes", "on"):
        return "require"
    if normalized in ("false", "0", "no", "off"):
        return "disable"
    if normalized in _SSLMODES:
        return normalized
    raise StoreConfigurationError(f"{PG_SSL} must be true/false or one of {', '.join(_SSLMODES)}, not {value!r}")


def embedded_data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded server keeps its data for this user (also where `codetracker dev` keeps its files)."""
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


@dataclass(frozen=True, slots=True)
class SecretSetting:
    """One deployment secret: its value from `variable` (local runs, tests), or the id of the Secrets Manager
    secret holding it from `<variable>_SECRET_ID` (AWS). The value never shows in a repr."""

    variable: str
    value: str | None = field(default=None, repr=False)
    secret_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], variable: str) -> SecretSetting:
        return cls(variable, env.get(variable) or None, env.get(f"{variable}_SECRET_ID") or None)


# The secrets the service reads, by the name the code asks for them (ports.SecretSource).
SECRET_VARIABLES = {
    "admin_token": "CODE_TRACKER_ADMIN_TOKEN",
    "github_webhook_secret": "CODE_TRACKER_GITHUB_WEBHOOK_SECRET",
    "encryption_key": "CODE_TRACKER_ENCRYPTION_KEY",
}


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigurationError(f"{name} must be 1 or 0, got {raw!r}", setting=name)


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """What the api function needs beyond the engine's settings."""

    scan_queue_url: str | None = None  # CODE_TRACKER_SCAN_QUEUE_URL
    # CODE_TRACKER_ALLOW_PRIVATE_URLS=1 (local runtime and tests only): 127.0.0.1, private hosts, http:// and
    # file:// repository URLs are admitted. Never set in AWS.
    allow_private_urls: bool = False
    secrets: Mapping[str, SecretSetting] = field(
        default_factory=lambda: {name: SecretSetting(var) for name, var in SECRET_VARIABLES.items()}
    )
    secret_max_age_s: float = 300.0  # CODE_TRACKER_SECRET_MAX_AGE_S: how long a secret read is reused
    max_body_bytes: int = 256 * 1024  # CODE_TRACKER_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiSettings:
        return cls(
            scan_queue_url=env.get("CODE_TRACKER_SCAN_QUEUE_URL") or None,
            allow_private_urls=_flag(env, "CODE_TRACKER_ALLOW_PRIVATE_URLS"),
            secrets={name: SecretSetting.from_env(env, var) for name, var in SECRET_VARIABLES.items()},
            secret_max_age_s=_positive(env, "CODE_TRACKER_SECRET_MAX_AGE_S", 300.0, float),
            max_body_bytes=_positive(env, "CODE_TRACKER_MAX_BODY_BYTES", 256 * 1024, int),
        )


# Spelled out, not composed: a name in template.yaml must be findable in the code (tests/deploy checks it).
QUEUE_VARIABLES = {
    "scan": ("CODE_TRACKER_SCAN_QUEUE_URL", "CODE_TRACKER_SCAN_DLQ_URL"),
    "persist": ("CODE_TRACKER_PERSIST_QUEUE_URL", "CODE_TRACKER_PERSIST_DLQ_URL"),
    "notify": ("CODE_TRACKER_NOTIFY_QUEUE_URL", "CODE_TRACKER_NOTIFY_DLQ_URL"),
}


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """One queue of the pipeline and its dead-letter queue."""

    url: str | None = None
    dlq_url: str | None = None


PIPELINE_QUEUES = ("scan", "persist", "notify")


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    """What the queue consumers, the reconciler and retention need (the template sets the variables)."""

    queues: Mapping[str, QueueSettings] = field(default_factory=lambda: {q: QueueSettings() for q in PIPELINE_QUEUES})
    payload_bucket: str | None = None  # CODE_TRACKER_PAYLOAD_BUCKET: claim-checked bodies
    claim_check_bytes: int = 200 * 1024  # CODE_TRACKER_CLAIM_CHECK_BYTES: bodies above go to the bucket
    notify_max_attempts: int = 5  # CODE_TRACKER_NOTIFY_MAX_ATTEMPTS (= the notify queue's maxReceiveCount)
    notify_backoff_base_s: float = 1.0  # CODE_TRACKER_NOTIFY_BACKOFF_BASE_S
    notify_backoff_cap_s: float = 900.0  # CODE_TRACKER_NOTIFY_BACKOFF_CAP_S
    notify_connect_timeout_s: float = 5.0  # CODE_TRACKER_NOTIFY_CONNECT_TIMEOUT_S
    notify_read_timeout_s: float = 10.0  # CODE_TRACKER_NOTIFY_READ_TIMEOUT_S
    notify_total_timeout_s: float = 15.0  # CODE_TRACKER_NOTIFY_TOTAL_TIMEOUT_S
    retention_days: int = 90  # CODE_TRACKER_RETENTION_DAYS
    retention_batch: int = 500  # CODE_TRACKER_RETENTION_BATCH: rows per delete statement
    reconcile_concurrency: int = 8  # CODE_TRACKER_RECONCILE_CONCURRENCY: remotes listed at once
    reconcile_max_scans: int = 10  # CODE_TRACKER_RECONCILE_MAX_SCANS: scans one repository may get per run
    # CODE_TRACKER_ABANDON_AFTER_S: the reconciler fails a job left queued, scanning or persisting this long after
    # its last change (its message died). Above the scan queue's receives × visibility timeout (3 × 5,400 s).
    abandon_after_s: float = 6 * 3600.0
    public_api_url: str | None = None  # CODE_TRACKER_PUBLIC_API_URL: the links in notifications
    # CODE_TRACKER_SCAN_RESERVE_S: the scanner stops fetching/parsing this long before its time limit, to send
    # its result or record the failure.
    scan_reserve_s: float = 20.0
    log_tail_lines: int = 20  # CODE_TRACKER_LOG_TAIL_LINES: log lines kept with a failed job

    def queue(self, name: str) -> QueueSettings:
        return self.queues[name]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PipelineSettings:
        public = (env.get("CODE_TRACKER_PUBLIC_API_URL") or "").strip().rstrip("/") or None
        return cls(
            queues={
                q: QueueSettings(env.get(queue) or None, env.get(dlq) or None)
                for q, (queue, dlq) in QUEUE_VARIABLES.items()
            },
            payload_bucket=env.get("CODE_TRACKER_PAYLOAD_BUCKET") or None,
            claim_check_bytes=_positive(env, "CODE_TRACKER_CLAIM_CHECK_BYTES", 200 * 1024, int),
            notify_max_attempts=_positive(env, "CODE_TRACKER_NOTIFY_MAX_ATTEMPTS", 5, int),
            notify_backoff_base_s=_non_negative(env, "CODE_TRACKER_NOTIFY_BACKOFF_BASE_S", 1.0),
            notify_backoff_cap_s=_non_negative(env, "CODE_TRACKER_NOTIFY_BACKOFF_CAP_S", 900.0),
            notify_connect_timeout_s=_positive(env, "CODE_TRACKER_NOTIFY_CONNECT_TIMEOUT_S", 5.0, float),
            notify_read_timeout_s=_positive(env, "CODE_TRACKER_NOTIFY_READ_TIMEOUT_S", 10.0, float),
            notify_total_timeout_s=_positive(env, "CODE_TRACKER_NOTIFY_TOTAL_TIMEOUT_S", 15.0, float),
            retention_days=_positive(env, "CODE_TRACKER_RETENTION_DAYS", 90, int),
            retention_batch=_positive(env, "CODE_TRACKER_RETENTION_BATCH", 500, int),
            reconcile_concurrency=_positive(env, "CODE_TRACKER_RECONCILE_CONCURRENCY", 8, int),
            reconcile_max_scans=_positive(env, "CODE_TRACKER_RECONCILE_MAX_SCANS", 10, int),
            abandon_after_s=_positive(env, "CODE_TRACKER_ABANDON_AFTER_S", 6 * 3600.0, float),
            public_api_url=public,
            scan_reserve_s=_non_negative(env, "CODE_TRACKER_SCAN_RESERVE_S", 20.0),
            log_tail_lines=_positive(env, "CODE_TRACKER_LOG_TAIL_LINES", 20, int),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    selection: SelectionOptions = SelectionOptions()
    fetch_limits: FetchLimits = FetchLimits()
    database: DatabaseLocation = DatabaseLocation("none")
    max_hash_bytes: int = DEFAULT_MAX_HASH_BYTES
    extract_workers: int | None = None  # parser worker processes; None: one per CPU when a scan is big enough
    api: ApiSettings = ApiSettings()
    pipeline: PipelineSettings = PipelineSettings()

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, embedded_conninfo: EmbeddedConninfo | None = None
    ) -> Settings:
        """`embedded_conninfo`: where the entry point allows the embedded database (the CLI, the local runtime,
        the tests), how to start it; never in Lambda."""
        env = os.environ if env is None else env
        base = FetchLimits()
        return cls(
            selection=SelectionOptions(
                max_file_bytes=_positive(env, "CODE_TRACKER_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, int)
            ),
            fetch_limits=FetchLimits(
                **{
                    name: _positive(env, variable, getattr(base, name), type(getattr(base, name)))
                    for name, variable in FetchLimits.SETTINGS.items()
                }
            ),
            database=DatabaseLocation.from_env(env, embedded_conninfo=embedded_conninfo),
            max_hash_bytes=_positive(env, "CODE_TRACKER_MAX_HASH_BYTES", DEFAULT_MAX_HASH_BYTES, int),
            extract_workers=_number(env, "CODE_TRACKER_EXTRACT_WORKERS", int, zero_allowed=True),
            api=ApiSettings.from_env(env),
            pipeline=PipelineSettings.from_env(env),
        )
