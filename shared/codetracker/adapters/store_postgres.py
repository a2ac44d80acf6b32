"""The Postgres adapters: the snapshot store, the parsed-blob cache, and the schema migrations they rely on.

Shape: one `PostgresDatabase` per process (a Lambda container, a CLI run) owns one lazily opened connection,
migrates the schema the first time it connects, and is shared by `PostgresSnapshotStore` and
`PostgresBlobCache`. Every unit of work runs in one transaction; when the connection turns out to be broken
(server restart, proxy idle timeout, a Lambda thawed after minutes) it reconnects once and runs the unit again,
which is safe because every unit here is idempotent.

Migrations are the numbered files of `migrations/` (`0001_snapshots.sql`, …), recorded in `schema_migrations`
with a checksum, each applied in its own transaction under a Postgres advisory lock so that concurrent
processes apply each one exactly once. psycopg is imported lazily.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Self, TypeVar

from codetracker.adapters.postgres_connection import (
    DEFAULT_CONNECT_TIMEOUT,
    connect,
    driver_message,
    redacted,
    resolve_conninfo,
)
from codetracker.contracts import extraction_from_cache_json, extraction_to_cache_json
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileExtraction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
    TreeEntry,
)
from codetracker.errors import (
    InvalidInput,
    SnapshotNotFound,
    StoreConfigurationError,
    StoreUnavailable,
)

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")


# --- migrations ---------------------------------------------------------------------------------------------


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

    folder = resources.files("codetracker.adapters").joinpath("migrations")
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
            raise SchemaMigrationError(
                f"migrations {found[version].name} and {entry.name} share version {version}"
            )
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return tuple(found[version] for version in sorted(found))


def migrate(target: str | psycopg.Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Bring the schema up to date; returns the versions this call applied (empty when none was pending).

    target is a conninfo or an open connection that is not inside a transaction. Raises
    MigrationChecksumMismatch when an applied migration's file changed, SchemaMigrationError when a migration
    fails (its transaction is rolled back), StoreUnavailable when the database cannot be reached.
    """
    chosen = tuple(
        sorted(migrations if migrations is not None else load_migrations(), key=lambda m: m.version)
    )
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


def _pending_migrations(
    applied: Mapping[int, tuple[str, str]], migrations: Sequence[Migration]
) -> list[Migration]:
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
            conn.execute(migration.sql)  # type: ignore[arg-type]  # the file is our own SQL
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                [migration.version, migration.name, migration.checksum],
            )
    except psycopg.OperationalError:
        raise
    except psycopg.Error as err:
        reason = " ".join(str(err).split())
        raise SchemaMigrationError(
            f"migration {migration.name} failed and was rolled back: {reason}"
        ) from err


# --- the connection owner ------------------------------------------------------------------------------------


class PostgresDatabase:
    """One connection, opened on first use and reused; the schema migrated once per process.

    Shared by the store and the cache. Thread-safe (units of work take turns on the one connection); for
    parallel work use one PostgresDatabase per thread.
    """

    def __init__(
        self,
        conninfo: str | Callable[[], str],
        *,
        connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
        auto_migrate: bool = True,
    ) -> None:
        # A callable is resolved on first connection: building the adapters (and failing on bad input
        # before any database work) must not start an embedded Postgres.
        self._conninfo_source = conninfo
        self._resolved: str | None = conninfo if isinstance(conninfo, str) else None
        self._connect_timeout = connect_timeout
        self._migrated = not auto_migrate
        self._connection: psycopg.Connection | None = None
        self._lock = threading.RLock()

    @classmethod
    def from_environment(
        cls,
        env: Mapping[str, str],
        *,
        connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
        auto_migrate: bool = True,
    ) -> PostgresDatabase:
        """The database the settings in env name (see postgres_connection.resolve_conninfo)."""
        return cls(lambda: resolve_conninfo(env), connect_timeout=connect_timeout, auto_migrate=auto_migrate)

    @property
    def _conninfo(self) -> str:
        if self._resolved is None:
            with self._lock:
                if self._resolved is None:
                    source = self._conninfo_source
                    self._resolved = source if isinstance(source, str) else source()
        return self._resolved

    def __repr__(self) -> str:
        if self._resolved is None:
            return "PostgresDatabase(<not resolved yet>)"
        return f"PostgresDatabase({redacted(self._resolved)!r})"

    def connection(self) -> psycopg.Connection:
        """The open connection (autocommit; run units of work through run())."""
        with self._lock:
            conn = self._connection
            if conn is None or conn.closed or conn.broken:
                self._discard()
                conn = connect(self._conninfo, connect_timeout=self._connect_timeout)
                self._connection = conn
            if not self._migrated:
                migrate(conn)
                self._migrated = True
            return conn

    def run(self, work: Callable[[psycopg.Connection], T], *, read_only: bool = False) -> T:
        """Run work(connection) in one transaction and return its result.

        read_only runs it in a REPEATABLE READ, READ ONLY transaction: every statement sees the same snapshot.
        work must be idempotent: after a broken connection it runs once more on a new one. Database failures
        that retrying may fix raise StoreUnavailable.
        """
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                conn = self.connection()
                try:
                    with conn.transaction():
                        if read_only:
                            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        return work(conn)
                except psycopg.OperationalError as err:
                    if attempt == 1 and (conn.broken or conn.closed):
                        self._discard()
                        continue
                    # Lost connections, deadlocks, serialization failures, timeouts: all worth a retry.
                    message = driver_message(err, self._conninfo)
                    raise StoreUnavailable(f"Postgres failed ({type(err).__name__}): {message}") from err
            raise AssertionError("unreachable")

    def schema_version(self) -> tuple[int | None, int]:
        """(newest applied migration, how many are applied); connecting applies any pending ones first."""
        row = self.run(
            lambda conn: conn.execute("SELECT max(version), count(*) FROM schema_migrations").fetchone(),
            read_only=True,
        )
        return row[0], row[1]

    def close(self) -> None:
        with self._lock:
            self._discard()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _discard(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None and not conn.closed:
            conn.close()


# --- the snapshot store ---------------------------------------------------------------------------------------

# FOR UPDATE: a concurrent store of the same key waits here, before it reads anything of the snapshot; under
# READ COMMITTED its later statements then see what the first one committed. Also says whether the stored
# digests still describe the function rows (see migrations/0003_function_file_digests.sql).
_LOCK_MODULE = """
SELECT coalesce(function_digests_at = last_scanned_at, false) FROM modules
WHERE module_slug = %s AND branch_name = %s AND release_tag = %s
FOR UPDATE
"""

_UPSERT_MODULE = """
INSERT INTO modules AS m (
    module_slug, branch_name, release_tag, name, folder_path, commit_sha, last_scanned_at, function_digests_at,
    functions_count, parameters_count, return_values_count, files_count, problems_count
)
SELECT %s, %s, %s, %s, %s, %s, now.moment, now.moment, %s, %s, %s, %s, %s
FROM (SELECT clock_timestamp() AS moment) AS now
ON CONFLICT (module_slug, branch_name, release_tag) DO UPDATE SET
    name = EXCLUDED.name,
    folder_path = EXCLUDED.folder_path,
    commit_sha = EXCLUDED.commit_sha,
    last_scanned_at = EXCLUDED.last_scanned_at,
    function_digests_at = EXCLUDED.function_digests_at,
    functions_count = EXCLUDED.functions_count,
    parameters_count = EXCLUDED.parameters_count,
    return_values_count = EXCLUDED.return_values_count,
    files_count = EXCLUDED.files_count,
    problems_count = EXCLUDED.problems_count
RETURNING id, last_scanned_at
"""

# Children first, set-wise: the cascade from functions would delete them one function at a time.
_DELETE_ALL_FUNCTIONS = (
    "DELETE FROM parameters p USING functions f WHERE p.function_id = f.id AND f.module_id = %s",
    "DELETE FROM return_values r USING functions f WHERE r.function_id = f.id AND f.module_id = %s",
    "DELETE FROM functions WHERE module_id = %s",
    "DELETE FROM function_file_digests WHERE module_id = %s",
)
_DELETE_FILE_FUNCTIONS = (
    "DELETE FROM parameters p USING functions f "
    "WHERE p.function_id = f.id AND f.module_id = %s AND f.file_path = ANY(%s)",
    "DELETE FROM return_values r USING functions f "
    "WHERE r.function_id = f.id AND f.module_id = %s AND f.file_path = ANY(%s)",
    "DELETE FROM functions WHERE module_id = %s AND file_path = ANY(%s)",
    "DELETE FROM function_file_digests WHERE module_id = %s AND file_path = ANY(%s)",
)

_SUMMARY_COLUMNS = """
    id, module_slug, branch_name, release_tag, commit_sha, functions_count, parameters_count,
    return_values_count, files_count, problems_count, last_scanned_at
"""


class PostgresSnapshotStore:
    """SnapshotStore on Postgres: one row in `modules` per key, its functions, parameters, files and problems.

    Storing a key again writes only what changed: the functions of a file are rewritten when the digest of
    everything stored for them differs from the one kept in `function_file_digests`; files and problems are
    compared with the stored rows.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def store_snapshot(
        self, key: SnapshotKey, descriptor: Descriptor, source: SnapshotSource
    ) -> SnapshotSummary:
        """Replace the snapshot under key in one transaction; every other key stays as it was.

        Concurrent stores of one key take turns on the row lock of its `modules` row: the last one wins whole.
        """
        import psycopg

        if descriptor.module_slug != key.module_slug:
            raise InvalidInput(
                f"descriptor of {descriptor.module_slug!r} cannot be stored under module {key.module_slug!r}",
                field="module_slug",
            )
        _refuse_duplicate_paths(key, descriptor.files)
        counts = (
            len(descriptor.functions),
            sum(len(f.parameters) for f in descriptor.functions),
            sum(len(f.return_values) for f in descriptor.functions),
            len(descriptor.files),
            len(descriptor.problems),
        )
        # Outside the transaction: the row lock is held only for the database work.
        groups = _file_groups(descriptor.functions)

        def work(conn: psycopg.Connection) -> SnapshotSummary:
            with conn.cursor() as cur:
                cur.execute(_LOCK_MODULE, [key.module_slug, key.branch_name, key.release_tag])
                locked = cur.fetchone()
                cur.execute(
                    _UPSERT_MODULE,
                    [
                        key.module_slug,
                        key.branch_name,
                        key.release_tag,
                        source.name,
                        source.folder_path,
                        source.commit_sha,
                        *counts,
                    ],
                )
                module_id, last_scanned_at = cur.fetchone()  # type: ignore[misc]
                # A new key, or digests that no longer describe the rows: nothing stored can be kept.
                digests_trusted = locked is not None and locked[0]
                _replace_functions(cur, module_id, groups, digests_trusted)
                _replace_files(cur, module_id, descriptor.files)
                _replace_problems(cur, module_id, descriptor.problems)
            return SnapshotSummary(
                module_slug=key.module_slug,
                module_id=module_id,
                branch_name=key.branch_name,
                release_tag=key.release_tag,
                commit_sha=source.commit_sha,
                functions_count=counts[0],
                parameters_count=counts[1],
                return_values_count=counts[2],
                files_count=counts[3],
                problems_count=counts[4],
                last_scanned_at=_iso(last_scanned_at),
            )

        try:
            return self._database.run(work)
        except (psycopg.DataError, psycopg.IntegrityError, UnicodeEncodeError) as err:
            # Text Postgres cannot hold (NUL characters, lone surrogates) or duplicate positions.
            reason = " ".join(str(err).split())
            raise InvalidInput(f"the snapshot of {_describe(key)} cannot be stored: {reason}") from err

    def list_snapshots(
        self, module_slug: str, branch_name: str | None = None, release_tag: str | None = None
    ) -> list[SnapshotSummary]:
        conditions = ["module_slug = %s"]
        values = [module_slug]
        if branch_name is not None:
            conditions.append("branch_name = %s")
            values.append(branch_name)
        if release_tag is not None:
            conditions.append("release_tag = %s")
            values.append(release_tag)
        query = (
            f"SELECT {_SUMMARY_COLUMNS} FROM modules WHERE {' AND '.join(conditions)} "
            "ORDER BY branch_name, release_tag"
        )
        rows = self._database.run(lambda conn: conn.execute(query, values).fetchall())  # type: ignore[arg-type]
        return [_summary(row) for row in rows]

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        """The stored descriptor: functions by (file_path, order_in_file), parameters by position, files and
        problems by path (paths in code point order, as Python sorts them)."""
        return self._database.run(lambda conn: _load(conn, key), read_only=True)


def _refuse_duplicate_paths(key: SnapshotKey, files: Sequence[TreeEntry]) -> None:
    # Checked here because the files are compared by path with the stored ones, where a repeat would vanish.
    if len({e.path for e in files}) == len(files):
        return
    seen: set[str] = set()
    for entry in files:
        if entry.path in seen:
            raise InvalidInput(
                f"the snapshot of {_describe(key)} cannot be stored: file {entry.path!r} is listed twice",
                field="files",
            )
        seen.add(entry.path)


# --- incremental replace -----------------------------------------------------------------------------------

# Changing the encoding below changes every digest: each snapshot's next store then rewrites all its functions
# once, which is always correct. Bump the label with any change.
_DIGEST_LABEL = b"codetracker function rows 2\n"
_FUNCTION_FIELDS = attrgetter("name", "export_type", "is_async", "description", "jsdoc_raw", "order_in_file")
_PARAMETER_FIELDS = attrgetter(
    "name", "position", "type", "is_optional", "is_rest", "default_value", "description", "doc_default"
)
_RETURN_VALUE_FIELDS = attrgetter("type", "description")


@dataclass(frozen=True, slots=True)
class _FileGroup:
    """The functions of one file, in descriptor order, and the digest of every field stored for them."""

    digest: bytes
    functions: tuple[ExportedFunction, ...]


def _file_groups(functions: Sequence[ExportedFunction]) -> dict[str, _FileGroup]:
    hashers: dict[str, Any] = {}
    members: dict[str, list[ExportedFunction]] = {}
    dumps = marshal.dumps
    for f in functions:
        path = f.file_path
        hasher = hashers.get(path)
        if hasher is None:
            hasher = hashers[path] = hashlib.sha1(_DIGEST_LABEL)
            members[path] = []
        members[path].append(f)
        fields = (
            _FUNCTION_FIELDS(f),
            tuple(map(_PARAMETER_FIELDS, f.parameters)),
            tuple(map(_RETURN_VALUE_FIELDS, f.return_values)),
        )
        try:
            # marshal version 0: compact, fast, and independent of object identity (later versions encode a
            # repeated object as a back-reference, so equal values built apart would digest differently).
            # Each encoding delimits itself, so the concatenation of a file's functions is unambiguous.
            hasher.update(dumps(fields, 0))
        except ValueError:
            # A subclass of str or int (marshal takes exact types only): a digest that matches nothing, so
            # this file is simply rewritten on every store.
            hasher.update(os.urandom(20))
    return {path: _FileGroup(hashers[path].digest(), tuple(members[path])) for path in hashers}


def _replace_functions(
    cur: psycopg.Cursor, module_id: int, groups: Mapping[str, _FileGroup], digests_trusted: bool
) -> None:
    """Rewrite the functions of the files whose digest changed; the rows of the others stay (ids included).

    Relies on the invariant every store keeps in its transaction: while the digests are trusted, the
    function rows are exactly those of the files with a digest row, as that digest describes them.
    """
    stored: dict[str, bytes] = {}
    if digests_trusted:
        cur.execute("SELECT file_path, digest FROM function_file_digests WHERE module_id = %s", [module_id])
        stored = {path: bytes(digest) for path, digest in cur.fetchall()}
    stale = [path for path, digest in stored.items() if path not in groups or groups[path].digest != digest]
    written = [path for path, group in groups.items() if stored.get(path) != group.digest]
    if not stored:
        # First store of the key, a snapshot stored before the digests existed, or untrusted digests.
        for statement in _DELETE_ALL_FUNCTIONS:
            cur.execute(statement, [module_id])
    elif stale:
        for statement in _DELETE_FILE_FUNCTIONS:
            cur.execute(statement, [module_id, stale])
    if not written:
        return
    _copy_functions(cur, module_id, [f for path in written for f in groups[path].functions])
    with cur.copy("COPY function_file_digests (module_id, file_path, digest) FROM STDIN") as copy:
        for path in written:
            copy.write_row((module_id, path, groups[path].digest))


def _copy_functions(cur: psycopg.Cursor, module_id: int, functions: Sequence[ExportedFunction]) -> None:
    if not functions:
        return
    # Child rows need their function's id: take them all from the sequence in one round trip. Ascending in
    # descriptor order, which keeps the order of functions that share a file and an order_in_file.
    cur.execute("SELECT nextval('functions_id_seq') FROM generate_series(1, %s)", [len(functions)])
    function_ids = [row[0] for row in cur.fetchall()]
    with cur.copy(
        "COPY functions (id, module_id, name, file_path, export_type, is_async, description, jsdoc_raw, "
        "order_in_file) FROM STDIN"
    ) as copy:
        for function_id, f in zip(function_ids, functions):
            copy.write_row(
                (
                    function_id,
                    module_id,
                    f.name,
                    f.file_path,
                    f.export_type,
                    f.is_async,
                    f.description,
                    f.jsdoc_raw,
                    f.order_in_file,
                )
            )
    if any(f.parameters for f in functions):
        with cur.copy(
            "COPY parameters (function_id, position, name, type, is_optional, is_rest, default_value, "
            "description, doc_default) FROM STDIN"
        ) as copy:
            for function_id, f in zip(function_ids, functions):
                for p in f.parameters:
                    copy.write_row(
                        (
                            function_id,
                            p.position,
                            p.name,
                            p.type,
                            p.is_optional,
                            p.is_rest,
                            p.default_value,
                            p.description,
                            p.doc_default,
                        )
                    )
    if any(f.return_values for f in functions):
        with cur.copy("COPY return_values (function_id, position, type, description) FROM STDIN") as copy:
            for function_id, f in zip(function_ids, functions):
                for position, r in enumerate(f.return_values):
                    copy.write_row((function_id, position, r.type, r.description))


def _replace_files(cur: psycopg.Cursor, module_id: int, files: Sequence[TreeEntry]) -> None:
    """Compared with the stored rows (reading them costs less than rewriting them): only changes are written."""
    cur.execute("SELECT path, kind, sha, size FROM snapshot_files WHERE module_id = %s", [module_id])
    stored = {path: (kind, sha, size) for path, kind, sha, size in cur.fetchall()}
    given = {e.path: (str(e.kind), e.sha, e.size) for e in files}
    stale = [path for path, row in stored.items() if given.get(path) != row]
    if stale:
        cur.execute("DELETE FROM snapshot_files WHERE module_id = %s AND path = ANY(%s)", [module_id, stale])
    fresh = [(path, row) for path, row in given.items() if stored.get(path) != row]
    if fresh:
        with cur.copy("COPY snapshot_files (module_id, path, kind, sha, size) FROM STDIN") as copy:
            for path, (kind, sha, size) in fresh:
                copy.write_row((module_id, path, kind, sha, size))


def _replace_problems(cur: psycopg.Cursor, module_id: int, problems: Sequence[ScanProblem]) -> None:
    """Left alone when unchanged, else rewritten whole (they are few, and their position is their key)."""
    cur.execute(
        'SELECT path, kind, reason, line, "column" FROM scan_problems WHERE module_id = %s ORDER BY position',
        [module_id],
    )
    given = [(p.path, str(p.kind), p.reason, p.line, p.column) for p in problems]
    if cur.fetchall() == given:
        return
    cur.execute("DELETE FROM scan_problems WHERE module_id = %s", [module_id])
    if given:
        with cur.copy(
            'COPY scan_problems (module_id, position, path, kind, reason, line, "column") FROM STDIN'
        ) as copy:
            for position, row in enumerate(given):
                copy.write_row((module_id, position, *row))


def _load(conn: psycopg.Connection, key: SnapshotKey) -> Descriptor:
    row = conn.execute(
        "SELECT id FROM modules WHERE module_slug = %s AND branch_name = %s AND release_tag = %s",
        [key.module_slug, key.branch_name, key.release_tag],
    ).fetchone()
    if row is None:
        raise SnapshotNotFound(f"no snapshot of {_describe(key)}")
    module_id = row[0]

    parameters: dict[int, list[Parameter]] = defaultdict(list)
    for function_id, name, position, type_, is_optional, is_rest, default_value, description, doc_default in (
        conn.execute(
            "SELECT p.function_id, p.name, p.position, p.type, p.is_optional, p.is_rest, p.default_value, "
            "p.description, p.doc_default FROM parameters p JOIN functions f ON f.id = p.function_id "
            "WHERE f.module_id = %s ORDER BY p.function_id, p.position",
            [module_id],
        )
    ):
        parameters[function_id].append(
            Parameter(name, position, type_, is_optional, is_rest, default_value, description, doc_default)
        )
    return_values: dict[int, list[ReturnValue]] = defaultdict(list)
    for function_id, type_, description in conn.execute(
        "SELECT r.function_id, r.type, r.description FROM return_values r JOIN functions f ON f.id = r.function_id "
        "WHERE f.module_id = %s ORDER BY r.function_id, r.position",
        [module_id],
    ):
        return_values[function_id].append(ReturnValue(type_, description))
    functions = tuple(
        ExportedFunction(
            name=name,
            file_path=file_path,
            export_type=export_type,
            is_async=is_async,
            description=description,
            jsdoc_raw=jsdoc_raw,
            order_in_file=order_in_file,
            parameters=tuple(parameters.get(function_id, ())),
            return_values=tuple(return_values.get(function_id, ())),
        )
        for function_id, name, file_path, export_type, is_async, description, jsdoc_raw, order_in_file in conn.execute(
            "SELECT id, name, file_path, export_type, is_async, description, jsdoc_raw, order_in_file "
            "FROM functions WHERE module_id = %s ORDER BY file_path, order_in_file, id",
            [module_id],
        )
    )
    files = tuple(
        TreeEntry(path=path, kind=EntryKind(kind), size=size, sha=sha)
        for path, kind, sha, size in conn.execute(
            "SELECT path, kind, sha, size FROM snapshot_files WHERE module_id = %s ORDER BY path", [module_id]
        )
    )
    problems = tuple(
        ScanProblem(path=path, kind=ProblemKind(kind), reason=reason, line=line, column=column)
        for path, kind, reason, line, column in conn.execute(
            'SELECT path, kind, reason, line, "column" FROM scan_problems WHERE module_id = %s '
            "ORDER BY path, position",
            [module_id],
        )
    )
    return Descriptor(module_slug=key.module_slug, functions=functions, files=files, problems=problems)


def _summary(row: tuple) -> SnapshotSummary:
    (
        module_id,
        slug,
        branch,
        tag,
        commit_sha,
        functions,
        parameters,
        return_values,
        files,
        problems,
        last_scanned_at,
    ) = row
    return SnapshotSummary(
        module_slug=slug,
        module_id=module_id,
        branch_name=branch,
        release_tag=tag,
        commit_sha=commit_sha,
        functions_count=functions,
        parameters_count=parameters,
        return_values_count=return_values,
        files_count=files,
        problems_count=problems,
        last_scanned_at=_iso(last_scanned_at),
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _describe(key: SnapshotKey) -> str:
    return f"{key.module_slug} (branch {key.branch_name!r}, release {key.release_tag!r})"


# --- the parsed-blob cache -----------------------------------------------------------------------------------


class PostgresBlobCache:
    """ParsedBlobCache on Postgres: extraction results as jsonb, by (blob sha, extractor version)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def get_many(self, shas: Iterable[str], extractor_version: str) -> dict[str, FileExtraction]:
        """The cached results among shas, in one query however many shas are asked for."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        # As text, decoded one at a time: psycopg's jsonb loader would hold every decoded document at once,
        # and the garbage collector then walks all of them again and again while the results are built.
        rows = self._database.run(
            lambda conn: conn.execute(
                "SELECT blob_sha, result::text FROM parsed_blobs "
                "WHERE extractor_version = %s AND blob_sha = ANY(%s)",
                [extractor_version, wanted],
            ).fetchall()
        )
        return {sha: extraction_from_cache_json(document) for sha, document in rows}

    def put_many(self, results: Mapping[str, FileExtraction], extractor_version: str) -> None:
        """Cache results in one statement; a sha already cached for this version keeps its first result."""
        shas: list[str] = []
        documents: list[str] = []
        # Sorted: concurrent writers of overlapping batches then wait on each other instead of deadlocking.
        for sha in sorted(results):
            document = extraction_to_cache_json(results[sha])
            if not _storable_as_jsonb(document):
                continue  # not cached: that blob is simply extracted again next time
            shas.append(sha)
            documents.append(document)
        if not shas:
            return
        # The documents travel as one text, a line each (JSON escapes every newline inside strings), split by
        # the server: psycopg builds a text[] literal of thousands of large documents slowly, in Python. No
        # COPY into a temporary table either: that costs more here, and RDS Proxy pins sessions that create one.
        self._database.run(
            lambda conn: conn.execute(
                "INSERT INTO parsed_blobs (blob_sha, extractor_version, result) "
                "SELECT sha, %s, document::jsonb "
                "FROM unnest(%s::text[], string_to_array(%s, E'\\n')) AS batch(sha, document) "
                "ON CONFLICT DO NOTHING",
                [extractor_version, shas, "\n".join(documents)],
            )
        )


def _storable_as_jsonb(document: str) -> bool:
    # jsonb rejects the \u0000 escape, and text with lone surrogates cannot be encoded to UTF-8.
    if "\\u0000" in document:
        return False
    try:
        document.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
