"""A snapshot's public API rows (entry points, public functions, unknown exports): written inside the
store's transaction under the snapshot's row lock (see snapshots.py), read with the rest of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codetracker.domain.model import PackageApi, PackageEntryPoint, PublicFunction, UnknownExport

if TYPE_CHECKING:
    import psycopg


# Each part of a public API: its table, columns after (module_id, position), and its rows as given.
_PUBLIC_API_PARTS = (
    (
        "snapshot_entry_points",
        "subpath, conditions, file_path",
        lambda a: [(e.subpath, list(e.conditions), e.file_path) for e in a.entry_points],
    ),
    (
        "snapshot_public_functions",
        "subpath, export_name, file_path, name",
        lambda a: [(f.subpath, f.export_name, f.file_path, f.name) for f in a.public_functions],
    ),
    (
        "snapshot_unknown_exports",
        "subpath, export_name, reason",
        lambda a: [(u.subpath, u.export_name, u.reason) for u in a.unknown_exports],
    ),
)


def replace_public_api(cur: psycopg.Cursor, module_id: int, api: PackageApi | None) -> None:
    """As problems: each part left alone when unchanged, else rewritten whole (None: no rows)."""
    for table, columns, rows_of in _PUBLIC_API_PARTS:
        given = rows_of(api) if api is not None else []
        cur.execute(f"SELECT {columns} FROM {table} WHERE module_id = %s ORDER BY position", [module_id])
        if [tuple(row) for row in cur.fetchall()] == given:
            continue
        cur.execute(f"DELETE FROM {table} WHERE module_id = %s", [module_id])
        if given:
            with cur.copy(f"COPY {table} (module_id, position, {columns}) FROM STDIN") as copy:
                for position, row in enumerate(given):
                    copy.write_row((module_id, position, *row))


def load_public_api(conn: psycopg.Connection, module_id: int) -> PackageApi:
    def rows(query: str) -> list[tuple]:
        return conn.execute(query + " WHERE module_id = %s ORDER BY position", [module_id]).fetchall()

    return PackageApi(
        entry_points=tuple(
            PackageEntryPoint(subpath, tuple(conditions), file_path)
            for subpath, conditions, file_path in rows(
                "SELECT subpath, conditions, file_path FROM snapshot_entry_points"
            )
        ),
        public_functions=tuple(
            PublicFunction(*row)
            for row in rows("SELECT subpath, export_name, file_path, name FROM snapshot_public_functions")
        ),
        unknown_exports=tuple(
            UnknownExport(*row) for row in rows("SELECT subpath, export_name, reason FROM snapshot_unknown_exports")
        ),
    )
