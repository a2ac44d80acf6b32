"""One blob's bytes → its exported functions (path-free, so the result can be cached by blob sha)."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol

from codetracker.domain.declarations import apply_declarations
from codetracker.domain.functions import build_functions
from codetracker.domain.selection import JAVASCRIPT, is_binary, looks_commonjs, may_export
from codetracker.domain.model import (
    Descriptor,
    ExportedFunction,
    FileExtraction,
    ModuleSyntax,
    ParseFailure,
    ProblemKind,
    ScanProblem,
    TreeEntry,
)


class _Parser(Protocol):
    """What extract_blob needs of a ModuleParser (ports/parsing.py, which the domain does not import)."""

    def parse(self, source: str, dialect: str = ...) -> ModuleSyntax: ...


# Bump when extraction output changes for the same input: cached results of older versions are ignored.
# 11: CommonJS; 12: value expressions of bindings (call evaluation); 13: those embedded as JSON texts;
# 14: those as records after the document, stored as text (migration 0017)
EXTRACTOR_VERSION = "14"
# Every cache key this extractor reads starts so (usecases/extract.py cache_key); retention deletes the others.
READABLE_CACHE_VERSIONS = f"{EXTRACTOR_VERSION}:"


def decode_source(content: bytes) -> str:
    """JavaScript sources are UTF-8; a BOM is dropped and invalid bytes become U+FFFD so one bad
    byte in a string literal does not hide the whole file's exports. NUL (legal in JS strings and
    comments, refused by Postgres text) becomes U+FFFD too: one character for one, offsets stay."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    return content.decode("utf-8", errors="replace").replace("\0", "\ufffd")


def extract_blob(content: bytes, parser: _Parser, dialect: str = JAVASCRIPT) -> FileExtraction:
    """`parser` is a ModuleParser (ports/parsing.py); `dialect` the grammar (domain.selection.source_dialect).
    Pure apart from what the parser does. A file that is no ES module but uses CommonJS is marked
    `unread_reason="commonjs"`, so a scan says it was not read rather than finding nothing in it."""
    size = len(content)
    if is_binary(content):
        return FileExtraction(problem_kind=ProblemKind.SKIPPED, problem_reason="binary file", blob_size=size)
    if not may_export(content, dialect):
        return _not_a_module(content, parser, dialect)
    try:
        source = decode_source(content)
        # Parsers written for JavaScript only (tests, benches) take the source alone.
        syntax = parser.parse(source) if dialect == JAVASCRIPT else parser.parse(source, dialect=dialect)
    except ParseFailure as failure:
        return FileExtraction(
            problem_kind=ProblemKind.PARSE_ERROR,
            problem_reason=failure.message,
            problem_line=failure.line,
            problem_column=failure.column,
            blob_size=size,
        )
    if syntax.commonjs_export:  # TypeScript `export =`
        return FileExtraction(blob_size=size, type_exports=syntax.type_exports, unread_reason="commonjs")
    if not syntax.is_module:
        return _not_a_module(content, parser, dialect)
    return FileExtraction(
        functions=build_functions(syntax, ""), blob_size=size, type_exports=syntax.type_exports, links=syntax.links
    )


def _not_a_module(content: bytes, parser: _Parser, dialect: str) -> FileExtraction:
    if not looks_commonjs(content):
        return FileExtraction(blob_size=len(content))
    if dialect != JAVASCRIPT:
        return FileExtraction(blob_size=len(content), unread_reason="commonjs")
    return _commonjs_extraction(content, parser)


def _commonjs_extraction(content: bytes, parser: _Parser) -> FileExtraction:
    """A file that is no ES module and uses CommonJS: its exports as Node's `import` sees them (parsing/commonjs.py),
    `links.commonjs` set. One whose exports are not found (a minified bundle, a script that exports nothing)
    or that does not parse stays marked `unread_reason="commonjs"`."""
    size = len(content)
    unread = FileExtraction(blob_size=size, unread_reason="commonjs")
    read = getattr(parser, "parse_commonjs", None)  # parsers of tests and benches may read ES modules only
    if read is None:
        return unread
    try:
        syntax = read(decode_source(content))
    except ParseFailure:
        return unread
    if syntax.links is None:
        return unread
    return FileExtraction(functions=build_functions(syntax, ""), blob_size=size, links=syntax.links)


def functions_at(extraction: FileExtraction, path: str) -> tuple[ExportedFunction, ...]:
    # Direct construction: dataclasses.replace inspects the fields on every call, and this runs for
    # every function of every cached blob on a rescan.
    return tuple(
        ExportedFunction(
            f.name,
            path,
            f.export_type,
            f.is_async,
            f.description,
            f.jsdoc_raw,
            f.order_in_file,
            f.parameters,
            f.return_values,
            f.type_parameters,
            f.overload,
            f.params_from_doc,
        )
        for f in extraction.functions
    )


def problem_at(extraction: FileExtraction, path: str) -> ScanProblem | None:
    if extraction.problem_kind is None:
        return None
    return ScanProblem(
        path=path,
        kind=extraction.problem_kind,
        reason=extraction.problem_reason or "",
        line=extraction.problem_line,
        column=extraction.problem_column,
    )


def assemble_descriptor(
    module_slug: str,
    files: Iterable[TreeEntry],
    extracted: Mapping[str, FileExtraction],
    skipped: Iterable[ScanProblem],
    declared: Mapping[str, FileExtraction] | None = None,
) -> Descriptor:
    """Put per-file results together in path order. `extracted` maps path → extraction; a manifest entry
    whose size is unknown takes the blob size its extraction recorded. `declared` maps a JavaScript path
    to its declaration file's extraction (domain.declarations), whose types fill what JSDoc leaves out."""
    functions: list[ExportedFunction] = []
    problems: list[ScanProblem] = list(skipped)
    type_exports: list[tuple[str, int]] = []
    for path in sorted(extracted):
        extraction = extracted[path]
        found = functions_at(extraction, path)
        declaration = declared.get(path) if declared else None
        if declaration is not None and found:
            found = apply_declarations(found, declaration.functions)
        functions.extend(found)
        if extraction.type_exports:
            type_exports.append((path, extraction.type_exports))
        problem = problem_at(extraction, path)
        if problem is not None:
            problems.append(problem)
    problems.sort(key=lambda p: (p.path, p.kind))
    return Descriptor(
        module_slug=module_slug,
        functions=tuple(functions),
        files=tuple(
            sorted(
                (e if e.size is not None else _with_known_size(e, extracted.get(e.path)) for e in files),
                key=lambda e: e.path,
            )
        ),
        problems=tuple(problems),
        type_exports=tuple(type_exports),
    )


def _with_known_size(entry: TreeEntry, extraction: FileExtraction | None) -> TreeEntry:
    if entry.size is not None or extraction is None or extraction.blob_size is None:
        return entry
    return replace(entry, size=extraction.blob_size)
