"""TypeScript text that tree-sitter-typescript's grammar misreads, rewritten to the same length (or with
the offsets of what was put in) before the file is parsed again (TreeSitterParser._parse_typescript)."""

from __future__ import annotations

import re

_ANONYMOUS_DEFAULT_SIGNATURE = re.compile(rb"\bexport\s+default\s+(?:async\s+)?function\s*\*?\s*()\(")


def name_anonymous_default_signatures(data: bytes) -> tuple[bytes, frozenset[int]]:
    """`export default function (` → `export default function _(`. Returns the text and the byte offsets
    (in it) of the names put in; none when there is no such signature."""
    inserts = [match.start(1) for match in _ANONYMOUS_DEFAULT_SIGNATURE.finditer(data)]
    if not inserts:
        return data, frozenset()
    parts, last = [], 0
    for at in inserts:
        parts += [data[last:at], b"_"]
        last = at
    parts.append(data[last:])
    return b"".join(parts), frozenset(at + k for k, at in enumerate(inserts))


_INTERFACE = re.compile(rb"^[ \t]*(?:export[ \t]+)?(?:declare[ \t]+)?interface\b[^{;]*\{", re.MULTILINE)


def blank_interface_bodies(data: bytes) -> bytes:
    """The text with the bodies of top-level interfaces replaced by spaces (newlines kept)."""
    out = bytearray(data)
    for match in _INTERFACE.finditer(data):
        start = match.end()
        end = _matching_brace(data, start)
        if end is None:
            continue
        for i in range(start, end):
            if out[i] not in (10, 13):
                out[i] = 32
    return bytes(out)


_IMPORT_TYPE_QUALIFIER = re.compile(rb"\bimport\(\s*(['\"])[^'\"\n]*\1\s*\)\.")


def blank_import_type_qualifiers(data: bytes) -> bytes:
    """`import("./t").Fn<T>` → `              Fn<T>` (spaces, same length)."""
    return _IMPORT_TYPE_QUALIFIER.sub(lambda match: b" " * len(match.group(0)), data)


_TYPE_STAR_EXPORT = re.compile(rb"\bexport\s+(type)\s+\*")


def blank_type_star_exports(data: bytes) -> bytes:
    """`export type * from 'm'` → `export      * from 'm'`."""
    return _TYPE_STAR_EXPORT.sub(lambda match: match.group(0).replace(b"type", b"    ", 1), data)


def _matching_brace(data: bytes, at: int) -> int | None:
    """The offset of the `}` closing the `{` just before `at` (strings and comments skipped)."""
    depth, i, n = 1, at, len(data)
    while i < n:
        char = data[i]
        if char in b"'\"`":
            i += 1
            while i < n and data[i] != char:
                i += 2 if data[i] == 92 else 1
        elif data.startswith(b"//", i):
            i = data.find(b"\n", i)
            if i == -1:
                return None
        elif data.startswith(b"/*", i):
            i = data.find(b"*/", i)
            if i == -1:
                return None
            i += 1
        elif char == 123:
            depth += 1
        elif char == 125:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
