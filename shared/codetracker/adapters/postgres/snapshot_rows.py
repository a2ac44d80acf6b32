"""Writing a snapshot's child rows: incremental replace of functions by per-file digests, files and problems
by difference. Every function here runs inside the caller's transaction, under the row lock of the
snapshot's `modules` row (see snapshots.py)."""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from codetracker.domain.model import ExportedFunction, ScanProblem, TreeEntry

if TYPE_CHECKING:
    import psycopg

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


# Changing the encoding below changes every digest: each snapshot's next store then rewrites all its functions
# once, which is always correct. Bump the label with any change.
_DIGEST_LABEL = b"codetracker function rows 4\n"
_FUNCTION_FIELDS = attrgetter(
    "name",
    "export_type",
    "is_async",
    "description",
    "jsdoc_raw",
    "order_in_file",
    "type_parameters",
    "overload",
    "params_from_doc",
)
_PARAMETER_FIELDS = attrgetter(
    "name",
    "position",
    "type",
    "is_optional",
    "is_rest",
    "default_value",
    "description",
    "doc_default",
    "type_source",
    "jsdoc_type",
    "keys",
)
_RETURN_VALUE_FIELDS = attrgetter("type", "description", "type_source", "jsdoc_type")


@dataclass(frozen=True, slots=True)
class FileGroup:
    """The functions of one file, in descriptor order, and the digest of every field stored for them."""

    digest: bytes
    functions: tuple[ExportedFunction, ...]


def file_groups(functions: Sequence[ExportedFunction]) -> dict[str, FileGroup]:
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
    return {path: FileGroup(hashers[path].digest(), tuple(members[path])) for path in hashers}


def replace_functions(
    cur: psycopg.Cursor, module_id: int, groups: Mapping[str, FileGroup], digests_trusted: bool
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
        "order_in_file, type_parameters, overload, params_from_doc) FROM STDIN"
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
                    f.type_parameters,
                    f.overload,
                    f.params_from_doc,
                )
            )
    if any(f.parameters for f in functions):
        with cur.copy(
            "COPY parameters (function_id, position, name, type, is_optional, is_rest, default_value, "
            "description, doc_default, type_source, jsdoc_type, keys) FROM STDIN"
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
                            p.type_source,
                            p.jsdoc_type,
                            list(p.keys),
                        )
                    )
    if any(f.return_values for f in functions):
        with cur.copy(
            "COPY return_values (function_id, position, type, description, type_source, jsdoc_type) FROM STDIN"
        ) as copy:
            for function_id, f in zip(function_ids, functions):
                for position, r in enumerate(f.return_values):
                    copy.write_row((function_id, position, r.type, r.description, r.type_source, r.jsdoc_type))


def replace_files(
    cur: psycopg.Cursor, module_id: int, files: Sequence[TreeEntry], type_exports: Mapping[str, int] | None = None
) -> None:
    """Compared with the stored rows (reading them costs less than rewriting them): only changes are written.
    `type_exports`: a file's count of type-only exports (TypeScript), 0 when absent."""
    cur.execute("SELECT path, kind, sha, size, type_exports FROM snapshot_files WHERE module_id = %s", [module_id])
    stored = {path: (kind, sha, size, types) for path, kind, sha, size, types in cur.fetchall()}
    counts = type_exports or {}
    given = {e.path: (str(e.kind), e.sha, e.size, counts.get(e.path, 0)) for e in files}
    stale = [path for path, row in stored.items() if given.get(path) != row]
    if stale:
        cur.execute("DELETE FROM snapshot_files WHERE module_id = %s AND path = ANY(%s)", [module_id, stale])
    fresh = [(path, row) for path, row in given.items() if stored.get(path) != row]
    if fresh:
        with cur.copy("COPY snapshot_files (module_id, path, kind, sha, size, type_exports) FROM STDIN") as copy:
            for path, (kind, sha, size, types) in fresh:
                copy.write_row((module_id, path, kind, sha, size, types))


def replace_problems(cur: psycopg.Cursor, module_id: int, problems: Sequence[ScanProblem]) -> None:
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
