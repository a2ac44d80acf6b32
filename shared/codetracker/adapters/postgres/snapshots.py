"""SnapshotStore on Postgres: one row in `modules` per (scope, slug, branch, tag), its functions, parameters,
files and problems. Runs on the connection of a unit of work (unit_of_work.py), inside its transaction.

Storing a key again writes only what changed (snapshot_rows.py). Concurrent stores of one key take turns on
an advisory lock of the key: the last one wins whole, never a mix. A store whose scan is older than the
stored one's is refused (StaleSnapshot), in the same statement that would have replaced it.
"""

from __future__ import annotations

from datetime import datetime

from codetracker.adapters.postgres.keyset import KeysetOrder
from codetracker.adapters.postgres.public_api_rows import load_public_api, replace_public_api
from codetracker.adapters.postgres.snapshot_reading import (
    FUNCTION_COLUMNS,
    KEY_CONDITION,
    SUMMARY_COLUMNS,
    function_of,
    iso,
    load_children,
    load_descriptor,
    load_problems,
    summary_of,
)
from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.adapters.postgres.snapshot_rows import (
    file_groups,
    replace_files,
    replace_functions,
    replace_problems,
)
from codetracker.domain.model import Descriptor, ExportedFunction, PackageApi, SnapshotKey, SnapshotSummary
from codetracker.domain import snapshot_rules as rules
from codetracker.errors import InvalidInput, StaleSnapshot
from codetracker.ports.snapshot_store import (
    FunctionSelection,
    PresentPackages,
    SnapshotOutline,
    SnapshotSelection,
    SnapshotToStore,
)


# Concurrent stores of one key take turns from here to commit, a key not stored yet included (it has no row
# to lock yet): so a store's own moment (clock_timestamp() below) is later than the one it replaces.
# hashtextextended collisions only make two keys take turns.
_TAKE_TURN = """
SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))
"""

# FOR UPDATE: before it reads anything of the snapshot; under READ COMMITTED the later statements then see what
# the previous store committed. Also says whether the stored digests still describe the function rows (see
# migrations/0003_function_file_digests.sql), the stored moment and source.
_LOCK_MODULE = """
SELECT coalesce(function_digests_at = last_scanned_at, false), last_scanned_at, source_location, source_subpath
FROM modules
WHERE scope = %s AND module_slug = %s AND branch_name = %s AND release_tag = %s
FOR UPDATE
"""

# The WHERE of DO UPDATE is the stale guard: an older scan updates nothing and returns no row. A store that
# names no scan moment takes the database's clock, read after its turn came (_TAKE_TURN) and never earlier than
# the stored moment, so it is never stale.
_UPSERT_MODULE = """
INSERT INTO modules AS m (
    scope, module_slug, branch_name, release_tag, name, folder_path, commit_sha, last_scanned_at,
    function_digests_at, functions_count, parameters_count, return_values_count, files_count, problems_count,
    source_location, source_subpath, package_of, public_api_known
)
SELECT
    %(scope)s, %(module_slug)s, %(branch_name)s, %(release_tag)s, %(name)s, %(folder_path)s, %(commit_sha)s,
    scan.moment, scan.moment, %(functions)s, %(parameters)s, %(return_values)s, %(files)s, %(problems)s,
    %(source_location)s, %(source_subpath)s, %(package_of)s, %(public_api_known)s
FROM (
    SELECT coalesce(%(scanned_at)s::timestamptz, greatest(clock_timestamp(), %(stored_at)s::timestamptz)) AS moment
) AS scan
ON CONFLICT (scope, module_slug, branch_name, release_tag) DO UPDATE SET
    name = EXCLUDED.name,
    folder_path = EXCLUDED.folder_path,
    commit_sha = EXCLUDED.commit_sha,
    last_scanned_at = EXCLUDED.last_scanned_at,
    function_digests_at = EXCLUDED.function_digests_at,
    functions_count = EXCLUDED.functions_count,
    parameters_count = EXCLUDED.parameters_count,
    return_values_count = EXCLUDED.return_values_count,
    files_count = EXCLUDED.files_count,
    problems_count = EXCLUDED.problems_count,
    -- A scan whose source is not known (an older queue message) keeps the recorded one.
    source_location = coalesce(EXCLUDED.source_location, m.source_location),
    source_subpath = CASE WHEN EXCLUDED.source_location IS NULL THEN m.source_subpath ELSE EXCLUDED.source_subpath END,
    removed_from_remote_at = NULL,
    package_of = EXCLUDED.package_of,
    removed_from_tree_at = NULL,
    removed_from_tree_commit = NULL,
    public_api_known = EXCLUDED.public_api_known
WHERE m.last_scanned_at <= EXCLUDED.last_scanned_at
RETURNING id, last_scanned_at, source_location, source_subpath
"""


_BY_KEY = KeysetOrder(("module_slug", "branch_name", "release_tag"))


class PostgresSnapshotStore(ConnectionStore):
    def store_snapshot(self, snapshot: SnapshotToStore) -> SnapshotSummary:
        key, descriptor, source, scanned_at = snapshot.key, snapshot.descriptor, snapshot.source, snapshot.scanned_at
        import psycopg

        rules.check_storable(key, descriptor)
        rows = rules.row_counts(descriptor)
        # Before any statement: the key's turn is held only for the database work.
        groups = file_groups(descriptor.functions)
        key_values = [key.scope, key.module_slug, key.branch_name, key.release_tag]
        conn = self._connection
        try:
            # A savepoint: a refused snapshot leaves the unit of work usable (and the stored snapshot as it was).
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(_TAKE_TURN, ["\x1f".join(key_values)])
                cur.execute(_LOCK_MODULE, key_values)
                # A new key has no row: nothing stored can be kept, no stored moment to follow.
                digests_trusted, stored_at, *stored_source = cur.fetchone() or (False, None, None, "")
                if not snapshot.replace_source:
                    rules.check_same_source(key, (stored_source[0], stored_source[1]), source)
                cur.execute(
                    _UPSERT_MODULE,
                    {
                        "scope": key.scope,
                        "module_slug": key.module_slug,
                        "branch_name": key.branch_name,
                        "release_tag": key.release_tag,
                        "name": source.name,
                        "folder_path": source.folder_path,
                        "commit_sha": source.commit_sha,
                        "functions": rows.functions,
                        "parameters": rows.parameters,
                        "return_values": rows.return_values,
                        "files": rows.files,
                        "problems": rows.problems,
                        "scanned_at": scanned_at,
                        "stored_at": stored_at,
                        "source_location": source.location,
                        "source_subpath": source.subpath if source.location is not None else "",
                        "package_of": snapshot.package_of,
                        "public_api_known": descriptor.public_api is not None,
                    },
                )
                written = cur.fetchone()
                if written is None:
                    raise StaleSnapshot(
                        f"a newer scan of {rules.describe_key(key)} is stored; this one (scanned {iso(scanned_at)}) "
                        "does not replace it",
                        stored=self._summary_of(key),
                    )
                module_id, last_scanned_at, source_location, source_subpath = written
                replace_functions(cur, module_id, groups, digests_trusted)
                replace_files(cur, module_id, descriptor.files, dict(descriptor.type_exports))
                replace_problems(cur, module_id, descriptor.problems)
                replace_public_api(cur, module_id, descriptor.public_api)
        except (psycopg.DataError, psycopg.IntegrityError, UnicodeEncodeError) as err:
            # Text Postgres cannot hold (NUL characters, lone surrogates) or duplicate positions.
            reason = " ".join(str(err).split())
            raise InvalidInput(f"the snapshot of {rules.describe_key(key)} cannot be stored: {reason}") from err
        return rules.stored_summary(
            key,
            source,
            rows,
            snapshot_id=module_id,
            scanned_at=iso(last_scanned_at),
            recorded_source=(source_location, source_subpath),
            package_of=snapshot.package_of,
        )

    def _summary_of(self, key: SnapshotKey) -> SnapshotSummary | None:
        row = self._connection.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM modules WHERE {KEY_CONDITION}",
            [key.scope, key.module_slug, key.branch_name, key.release_tag],
        ).fetchone()
        return summary_of(row) if row is not None else None

    def list_snapshots(self, selection: SnapshotSelection = SnapshotSelection()) -> list[SnapshotSummary]:
        conditions = ["scope = %s"]
        values: list[object] = [selection.scope]
        for column in ("module_slug", "branch_name", "release_tag"):
            value = getattr(selection, column)
            if value is not None:
                conditions.append(f"{column} = %s")
                values.append(value)
        after = selection.after
        query, values = _BY_KEY.page(
            f"SELECT {SUMMARY_COLUMNS} FROM modules WHERE {' AND '.join(conditions)}",
            values,
            past=None if after is None else [after.module_slug, after.branch_name, after.release_tag],
            limit=selection.limit,
        )
        rows = self._connection.execute(query, values).fetchall()
        return [summary_of(row) for row in rows]

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        """The stored descriptor: functions by (file_path, order_in_file), parameters by position, files and
        problems by path (paths in code point order, as Python sorts them). In a read-only unit of work every
        query sees the same state."""
        return load_descriptor(self._connection, key)

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        if not isinstance(snapshot_id, int) or not 0 < snapshot_id < 2**63:
            return None
        row = self._connection.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM modules WHERE id = %s",
            [snapshot_id],
        ).fetchone()
        return summary_of(row) if row is not None else None

    def load_functions(self, selection: FunctionSelection) -> list[ExportedFunction]:
        """A page of functions in load_snapshot's order; parameters and return values of that page only."""
        conn = self._connection
        condition = "module_id = %s"
        values: list[object] = [selection.snapshot_id]
        if (after := selection.after) is not None:
            condition += " AND (file_path, order_in_file) > (%s, %s)"
            values += [after.file_path, after.order_in_file]
        if (file_path := selection.file_path) is not None:
            condition += " AND starts_with(file_path, %s)" if file_path.endswith("/") else " AND file_path = %s"
            values.append(file_path)
        if selection.name is not None:
            condition += " AND name = %s"
            values.append(selection.name)
        rows = conn.execute(
            f"SELECT {FUNCTION_COLUMNS} "
            f"FROM functions WHERE {condition} ORDER BY file_path, order_in_file, id LIMIT %s",
            [*values, selection.limit],
        ).fetchall()
        ids = [row[0] for row in rows]
        if not ids:
            return []
        parameters, return_values = load_children(conn, "function_id = ANY(%s)", [ids])
        return [function_of(row, parameters, return_values) for row in rows]

    def load_outline(self, snapshot_id: int) -> SnapshotOutline:
        conn = self._connection
        files = conn.execute(
            "SELECT file_path, count(*) FROM functions WHERE module_id = %s GROUP BY file_path ORDER BY file_path",
            [snapshot_id],
        ).fetchall()
        return SnapshotOutline(tuple((path, count) for path, count in files), load_problems(conn, snapshot_id))

    def load_public_api(self, snapshot_id: int) -> tuple[PackageApi, tuple[ExportedFunction, ...]] | None:
        conn = self._connection
        known = conn.execute("SELECT public_api_known FROM modules WHERE id = %s", [snapshot_id]).fetchone()
        if known is None or not known[0]:
            return None
        rows = conn.execute(
            f"SELECT {FUNCTION_COLUMNS} FROM functions "
            "WHERE module_id = %s AND (file_path, name) IN "
            "(SELECT file_path, name FROM snapshot_public_functions WHERE module_id = %s) "
            "ORDER BY file_path, order_in_file, id",
            [snapshot_id, snapshot_id],
        ).fetchall()
        parameters, return_values = load_children(conn, "function_id = ANY(%s)", [[row[0] for row in rows]])
        functions = tuple(function_of(row, parameters, return_values) for row in rows)
        return load_public_api(conn, snapshot_id), functions

    def mark_removed_from_remote(
        self, scope: str, module_slug: str, *, branch_name: str | None, release_tag: str, at: datetime
    ) -> int:
        conditions = "scope = %s AND module_slug = %s AND release_tag = %s AND removed_from_remote_at IS NULL"
        values: list[object] = [at, scope, module_slug, release_tag]
        if branch_name is not None:
            conditions += " AND branch_name = %s"
            values.append(branch_name)
        cursor = self._connection.execute(
            f"UPDATE modules SET removed_from_remote_at = %s WHERE {conditions}",
            values,
        )
        return cursor.rowcount

    def mark_packages_removed(self, found: PresentPackages) -> list[SnapshotSummary]:
        rows = self._connection.execute(
            "UPDATE modules SET removed_from_tree_at = %s, removed_from_tree_commit = %s "
            "WHERE scope = %s AND (package_of = %s OR (package_of IS NULL AND module_slug = %s)) "
            "AND branch_name = %s AND release_tag = %s "
            "AND removed_from_tree_at IS NULL AND NOT (module_slug = ANY(%s)) "
            f"RETURNING {SUMMARY_COLUMNS}",
            [
                found.at,
                found.commit_sha,
                found.scope,
                found.package_of,
                found.package_of,
                found.branch_name,
                found.release_tag,
                sorted(found.present),
            ],
        ).fetchall()
        return sorted((summary_of(row) for row in rows), key=lambda s: s.module_slug)

    def delete_scope(self, scope: str) -> int:
        conn = self._connection
        ids = [row[0] for row in conn.execute("SELECT id FROM modules WHERE scope = %s", [scope]).fetchall()]
        if not ids:
            return 0
        # Children first, set-wise (the cascade would go one function at a time).
        conn.execute(
            "DELETE FROM parameters p USING functions f WHERE p.function_id = f.id AND f.module_id = ANY(%s)", [ids]
        )
        conn.execute(
            "DELETE FROM return_values r USING functions f WHERE r.function_id = f.id AND f.module_id = ANY(%s)",
            [ids],
        )
        conn.execute("DELETE FROM modules WHERE id = ANY(%s)", [ids])
        return len(ids)
