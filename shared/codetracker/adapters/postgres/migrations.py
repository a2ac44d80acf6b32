"""Schema migrations: the numbered files of `migrations/` (`0001_snapshots.sql`, …), recorded in
`schema_migrations` with a checksum, each applied in its own transaction under a Postgres advisory lock so that
concurrent processes apply each one exactly once. Nobody runs SQL by hand."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codetracker.adapters.postgres.connection import connect
from codetracker.errors import StoreConfigurationError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg


class SchemaMigrationError(StoreConfigurationError):
    """The schema cannot be brought up to date: a migration failed or the migration files are inconsistent."""


class MigrationChecksumMismatch(SchemaMigrationError):
    """A migration file changed after it was applied to this database."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str  # the file name, e.g. "0001_snapshots.sql"
    sql: str

    @property
    def checksum(self) -> str:
        # Line endings normalized: a Windows checkout of the same file must not count as a change.
        normalized = self.sql.replace("\r\n", "\n")
        return hashlib.sha256(normalized.encode()).hexdigest()


_MIGRATION_FILE = re.compile(r"(?P<version>\d{4})_(?P<label>[a-z0-9_]+)\.sql")
# Any fixed 64-bit number works; every process migrating this schema must use the same one.
_MIGRATION_LOCK_KEY = int.from_bytes(b"ctschema", "big")

_CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    checksum text NOT NULL
)
"""


def load_migrations() -> tuple[Migration, ...]:
    """The migrations shipped with the package, in version order."""
    from importlib import resources

    folder = resources.files("codetracker.adapters.postgres").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match is None:
            # A misnamed file would otherwise be skipped silently and its tables never created.
            raise SchemaMigrationError(f"migration file {entry.name!r} is not named NNNN_name.sql")
        version = int(match["version"])
        if version in found:
            raise SchemaMigrationError(f"migrations {found[version].name} and {entry.name} share version {version}")
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return tuple(found[version] for version in sorted(found))


def migrate(target: str | psycopg.Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Bring the schema up to date; returns the versions this call applied (empty when none was pending).

    target is a conninfo or an open connection that is not inside a transaction. Raises
    MigrationChecksumMismatch when an applied migration's file changed, SchemaMigrationError when a migration
    fails (its transaction is rolled back), StoreUnavailable when the database cannot be reached.
    """
    chosen = tuple(sorted(migrations if migrations is not None else load_migrations(), key=lambda m: m.version))
    if isinstance(target, str):
        with connect(target) as conn:
            return _migrate_connection(conn, chosen)
    return _migrate_connection(target, chosen)


def _migrate_connection(conn: psycopg.Connection, migrations: Sequence[Migration]) -> list[int]:
    import psycopg

    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise SchemaMigrationError("migrate() needs a connection that is not inside a transaction")
    # Transactions are explicit below; the advisory lock is held by the session, between them.
    restore_autocommit = not conn.autocommit
    if restore_autocommit:
        conn.autocommit = True
    try:
        applied = _applied_migrations(conn)
        # Fast path for every start but the first: everything applied, no lock taken.
        if applied is not None and not _pending_migrations(applied, migrations):
            return []
        conn.execute("SELECT pg_advisory_lock(%s)", [_MIGRATION_LOCK_KEY])
        try:
            conn.execute(_CREATE_SCHEMA_MIGRATIONS)
            # Read again under the lock: another process may have applied some meanwhile.
            pending = _pending_migrations(_applied_migrations(conn) or {}, migrations)
            for migration in pending:
                _apply(conn, migration)
            return [migration.version for migration in pending]
        finally:
            if not conn.broken:
                conn.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATION_LOCK_KEY])
    except psycopg.OperationalError as err:
        raise StoreUnavailable(f"cannot migrate the schema: {' '.join(str(err).split())}") from err
    finally:
        if restore_autocommit and not conn.broken and not conn.closed:
            conn.autocommit = False


def _applied_migrations(conn: psycopg.Connection) -> dict[int, tuple[str, str]] | None:
    """version → (name, checksum) of the applied migrations; None before the table exists."""
    from psycopg import errors

    try:
        rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    except errors.UndefinedTable:
        return None
    return {version: (name, checksum) for version, name, checksum in rows}


def _pending_migrations(applied: Mapping[int, tuple[str, str]], migrations: Sequence[Migration]) -> list[Migration]:
    pending = []
    for migration in migrations:
        if migration.version not in applied:
            pending.append(migration)
            continue
        applied_name, applied_checksum = applied[migration.version]
        if applied_checksum != migration.checksum:
            raise MigrationChecksumMismatch(
                f"migration {migration.name} changed after it was applied as {applied_name} "
                f"(checksum {applied_checksum[:12]} in the database, {migration.checksum[:12]} in the file); "
                "restore the file and add a new migration for the change"
            )
    # Versions applied but unknown here belong to newer code (a deploy in progress); they are left alone.
    return pending


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    import psycopg

    try:
        with conn.transaction():
            # No parameters: psycopg sends the simple query protocol, which runs every statement of the file.
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                [migration.version, migration.name, migration.checksum],
            )
    except psycopg.OperationalError:
        raise
    except psycopg.Error as err:
        reason = " ".join(str(err).split())
        raise SchemaMigrationError(f"migration {migration.name} failed and was rolled back: {reason}") from err
