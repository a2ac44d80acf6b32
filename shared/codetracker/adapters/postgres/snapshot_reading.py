"""Reading a stored snapshot back (snapshots.py's reads): its `modules` row into a SnapshotSummary, its
functions with their parameters and return values, files and problems into a Descriptor."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from codetracker.adapters.postgres.public_api_rows import load_public_api
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotKey,
    SnapshotSummary,
    TreeEntry,
)
from codetracker.domain.snapshot_rules import describe_key
from codetracker.errors import SnapshotNotFound

if TYPE_CHECKING:
    import psycopg

SUMMARY_COLUMNS = """
    id, module_slug, branch_name, release_tag, commit_sha, functions_count, parameters_count,
    return_values_count, files_count, problems_count, last_scanned_at, scope, source_location, source_subpath,
    removed_from_remote_at, package_of, removed_from_tree_at, removed_from_tree_commit, name
"""
KEY_CONDITION = "scope = %s AND module_slug = %s AND branch_name = %s AND release_tag = %s"


def load_descriptor(conn: psycopg.Connection, key: SnapshotKey) -> Descriptor:
    row = conn.execute(
        f"SELECT id, public_api_known FROM modules WHERE {KEY_CONDITION}",
        [key.scope, key.module_slug, key.branch_name, key.release_tag],
    ).fetchone()
    if row is None:
        raise SnapshotNotFound(f"no snapshot of {describe_key(key)}")
    module_id, public_api_known = row

    parameters, return_values = load_children(
        conn,
        "function_id IN (SELECT id FROM functions WHERE module_id = %s)",
        [module_id],
    )
    functions = tuple(
        function_of(row, parameters, return_values)
        for row in conn.execute(
            f"SELECT {FUNCTION_COLUMNS} FROM functions WHERE module_id = %s ORDER BY file_path, order_in_file, id",
            [module_id],
        )
    )
    file_rows = conn.execute(
        "SELECT path, kind, sha, size, type_exports FROM snapshot_files WHERE module_id = %s ORDER BY path",
        [module_id],
    ).fetchall()
    files = tuple(
        TreeEntry(path=path, kind=EntryKind(kind), size=size, sha=sha) for path, kind, sha, size, _ in file_rows
    )
    type_exports = tuple((row[0], row[4]) for row in file_rows if row[4])
    return Descriptor(
        module_slug=key.module_slug,
        functions=functions,
        files=files,
        problems=load_problems(conn, module_id),
        type_exports=type_exports,
        public_api=load_public_api(conn, module_id) if public_api_known else None,
    )


def load_problems(conn: psycopg.Connection, module_id: int) -> tuple[ScanProblem, ...]:
    return tuple(
        ScanProblem(path=path, kind=ProblemKind(kind), reason=reason, line=line, column=column)
        for path, kind, reason, line, column in conn.execute(
            'SELECT path, kind, reason, line, "column" FROM scan_problems WHERE module_id = %s ORDER BY path, position',
            [module_id],
        )
    )


FUNCTION_COLUMNS = (
    "id, name, file_path, export_type, is_async, description, jsdoc_raw, order_in_file, type_parameters, overload, "
    "params_from_doc"
)
_PARAMETER_COLUMNS = (
    "function_id, name, position, type, is_optional, is_rest, default_value, doc_default, description, "
    "type_source, jsdoc_type, keys"
)


def load_children(
    conn: psycopg.Connection, condition: str, values: list
) -> tuple[dict[int, list[Parameter]], dict[int, list[ReturnValue]]]:
    """The parameters and return values of the functions `condition` selects, by function id."""
    found_parameters: dict[int, list[Parameter]] = defaultdict(list)
    for function_id, *fields, keys in conn.execute(
        f"SELECT {_PARAMETER_COLUMNS} FROM parameters WHERE {condition} ORDER BY function_id, position",
        values,
    ):
        found_parameters[function_id].append(Parameter(*(*fields, tuple(keys or ()))))
    found_returns: dict[int, list[ReturnValue]] = defaultdict(list)
    for function_id, *fields in conn.execute(
        "SELECT function_id, type, description, type_source, jsdoc_type FROM return_values "
        f"WHERE {condition} ORDER BY function_id, position",
        values,
    ):
        found_returns[function_id].append(ReturnValue(*fields))
    return found_parameters, found_returns


def function_of(
    row: tuple, parameters: dict[int, list[Parameter]], return_values: dict[int, list[ReturnValue]]
) -> ExportedFunction:
    (
        function_id,
        name,
        file_path,
        export_type,
        is_async,
        description,
        jsdoc_raw,
        order,
        type_parameters,
        overload,
        params_from_doc,
    ) = row
    return ExportedFunction(
        name=name,
        file_path=file_path,
        export_type=export_type,
        is_async=is_async,
        description=description,
        jsdoc_raw=jsdoc_raw,
        order_in_file=order,
        parameters=tuple(parameters.get(function_id, ())),
        return_values=tuple(return_values.get(function_id, ())),
        type_parameters=type_parameters,
        overload=overload,
        params_from_doc=params_from_doc,
    )


def summary_of(row: tuple) -> SnapshotSummary:
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
        scope,
        source_location,
        source_subpath,
        removed_at,
        package_of,
        removed_from_tree_at,
        removed_from_tree_commit,
        name,
    ) = row
    return SnapshotSummary(
        module_slug=slug,
        snapshot_id=module_id,
        branch_name=branch,
        release_tag=tag,
        commit_sha=commit_sha,
        functions_count=functions,
        parameters_count=parameters,
        return_values_count=return_values,
        files_count=files,
        problems_count=problems,
        last_scanned_at=iso(last_scanned_at),
        scope=scope,
        source_location=source_location,
        source_subpath=source_subpath,
        removed_from_remote_at=iso(removed_at) if removed_at is not None else None,
        package_of=package_of,
        package_name=name if package_of is not None else None,
        removed_from_tree_at=iso(removed_from_tree_at) if removed_from_tree_at is not None else None,
        removed_from_tree_commit=removed_from_tree_commit,
    )


def iso(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat()
