"""Typed settings, parsed and validated once from the environment: at cold start in Lambda, at start in the
CLI. A bad value is the operator's mistake (ConfigurationError naming the variable), never the caller's.

Where the database is, first match wins (decided here and nowhere else):
1. `DATABASE_URL` (any libpq conninfo);
2. `CODE_TRACKER_PG_HOST`, `_PORT`, `_DATABASE`, `_USER`, `_PASSWORD`, `_SSL`;
3. neither: the embedded Postgres in `CODE_TRACKER_PG_DATA` (or the per-user default), allowed only where
   the entry point says so (the CLI and the local runtime; never in Lambda).
Nothing here connects, starts or imports a driver: the database is resolved on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from codetracker.adapters import postgres_connection
from codetracker.adapters.source_folder import DEFAULT_MAX_HASH_BYTES
from codetracker.domain.selection import DEFAULT_MAX_FILE_BYTES, SelectionOptions
from codetracker.errors import ConfigurationError
from codetracker.ports import FetchLimits

T = TypeVar("T", int, float)


def _positive(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigurationError(f"{name} must be {what}, got {raw!r}", setting=name) from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}", setting=name)
    return value


def _workers(env: Mapping[str, str]) -> int | None:
    name = "CODE_TRACKER_EXTRACT_WORKERS"
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        workers = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}", setting=name) from None
    if workers < 0:
        raise ConfigurationError(f"{name} must be 0 or more, got {workers}", setting=name)
    return workers


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Where the database is. `origin`: "DATABASE_URL", "CODE_TRACKER_PG_*", "embedded" or "none"."""

    origin: str
    conninfo: str | None = field(default=None, repr=False)  # holds the password: never shown
    embedded_data_dir: Path | None = None
    # AWS: the password is the "password" of this Secrets Manager secret (the RDS JSON format), read when
    # connecting and read again after a failed connection, so a rotated password is picked up.
    password_secret_id: str | None = None

    @property
    def embedded(self) -> bool:
        return self.origin == "embedded"

    def conninfo_source(self) -> Callable[[], str]:
        """What PostgresDatabase resolves on first connection (the embedded server starts only then)."""
        if self.conninfo is not None:
            conninfo = self.conninfo
            return lambda: conninfo
        if self.embedded_data_dir is not None:
            data_dir = self.embedded_data_dir
            return lambda: postgres_connection.start_embedded_postgres(data_dir)
        return _no_database

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, allow_embedded: bool) -> DatabaseSettings:
        url = env.get(postgres_connection.DATABASE_URL)
        if url:
            return cls("DATABASE_URL", conninfo=url)
        parts = postgres_connection.conninfo_from_settings(env)
        if parts is not None:
            secret_id = None if env.get(postgres_connection.PG_PASSWORD) else env.get(PG_PASSWORD_SECRET_ID) or None
            return cls("CODE_TRACKER_PG_*", conninfo=parts, password_secret_id=secret_id)
        if allow_embedded:
            return cls("embedded", embedded_data_dir=postgres_connection.embedded_data_dir(env))
        return cls("none")


PG_PASSWORD_SECRET_ID = "CODE_TRACKER_PG_PASSWORD_SECRET_ID"


def _no_database() -> str:
    raise ConfigurationError(
        "no database configured: set DATABASE_URL or CODE_TRACKER_PG_HOST, _DATABASE and _USER",
        setting="DATABASE_URL",
    )


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


def _non_negative(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}", setting=name) from None
    if value < 0:
        raise ConfigurationError(f"{name} must be 0 or more, got {value}", setting=name)
    return value


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
    database: DatabaseSettings = DatabaseSettings("none")
    max_hash_bytes: int = DEFAULT_MAX_HASH_BYTES
    extract_workers: int | None = None  # parser worker processes; None: one per CPU when a scan is big enough
    api: ApiSettings = ApiSettings()
    pipeline: PipelineSettings = PipelineSettings()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, allow_embedded_database: bool = False) -> Settings:
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
            database=DatabaseSettings.from_env(env, allow_embedded=allow_embedded_database),
            max_hash_bytes=_positive(env, "CODE_TRACKER_MAX_HASH_BYTES", DEFAULT_MAX_HASH_BYTES, int),
            extract_workers=_workers(env),
            api=ApiSettings.from_env(env),
            pipeline=PipelineSettings.from_env(env),
        )
