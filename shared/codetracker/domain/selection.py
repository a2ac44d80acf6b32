"""Which files of a tree are JavaScript modules to extract, and which are skipped (with a reason).

Ignore rules use gitignore syntax with git's exact semantics (`codetracker.domain.ignore`: a
`.codetrackerignore` file at the root plus defaults that always apply); slugs are made by
`codetracker.domain.slugs` (`slugify` is re-exported here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from codetracker.domain.ignore import DEFAULT_IGNORE_PATTERNS, IGNORE_FILE_NAME, IgnoreRules
from codetracker.domain.model import EntryKind, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.slugs import slugify

__all__ = [
    "DEFAULT_IGNORE_PATTERNS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_HASH_BYTES",
    "IGNORE_FILE_NAME",
    "IgnoreRules",
    "Selection",
    "SelectionOptions",
    "DECLARATION_SUFFIXES",
    "JAVASCRIPT",
    "TSX",
    "TYPESCRIPT",
    "UNREAD_COMMONJS",
    "UNREAD_SOURCE_SUFFIXES",
    "UNREAD_TOO_LARGE",
    "is_declaration_path",
    "source_dialect",
    "describe_unread_sources",
    "is_binary",
    "is_module_path",
    "looks_commonjs",
    "sorted_unread",
    "may_export",
    "select_modules",
    "size_skip_reason",
    "slugify",
    "unread_sources",
]

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
# Files that are not modules are read only to put their git blob sha in the manifest: above this size the
# manifest has their size and no sha (a 4 GB file cost 12.7 s to hash).
DEFAULT_MAX_HASH_BYTES = 64 * 1024 * 1024

# Source dialects: which grammar reads a file.
JAVASCRIPT = "javascript"  # .js, .mjs, .cjs, .jsx (the JavaScript grammar reads JSX)
TYPESCRIPT = "typescript"  # .ts, .mts, .cts and declaration files
TSX = "tsx"  # .tsx (TypeScript with JSX; `<T>x` casts are not allowed there)

_MODULE_SUFFIXES = (".mjs", ".js", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
# Declaration files: not modules of their own; read for the types of the JavaScript beside them.
DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
_TYPESCRIPT_SUFFIXES = (".ts", ".mts", ".cts")

# JavaScript-family sources that are never read, longest suffix first, with why.
UNREAD_SOURCE_SUFFIXES: dict[str, str] = {
    ".litcoffee": "CoffeeScript",
    ".svelte": "Svelte component",
    ".coffee": "CoffeeScript",
    ".vue": "Vue component",
}
# Keys of the unread counts that are not suffixes: files that use CommonJS but whose exports are not found
# (assigned inside a function, a minified bundle; TypeScript's `export =`), and module files over the size limit.
UNREAD_COMMONJS = "commonjs"
UNREAD_TOO_LARGE = "too large"
# ".cjs": counted by results stored before `.cjs` files were read (as CommonJS), still described.
_UNREAD_LABELS = {
    UNREAD_COMMONJS: "CommonJS module",
    UNREAD_TOO_LARGE: "too large",
    ".cjs": "CommonJS",
    **UNREAD_SOURCE_SUFFIXES,
}

# A file without an export statement cannot export anything: no need to parse it. An export statement
# starts with the keyword `export`, which cannot be part of a longer identifier (`exports`, `$export`,
# `reexport`), follow a `.` (`a.export` is a property), nor be written with escapes; and it is followed by
# `{`, `*`, a decorator `@`, or one of the words below (whitespace or a comment between). So `"export"` in
# a string, `export:` in an object, or the word in prose does not make a UMD or CommonJS bundle a module.
# A false positive only costs a parse; a false negative would lose exports, so anything unusual after the
# keyword (a comment `/`, a non-ASCII byte, which may be Unicode whitespace) lets the file through.
_EXPORT = b"export"
# Only ASCII: a non-ASCII neighbour (a BOM, a no-break space, or a letter of a Unicode identifier) lets the
# file through, and a parse decides.
_IDENTIFIER_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$\\")
_NOT_BEFORE_EXPORT = _IDENTIFIER_BYTES | {ord(".")}
_ASCII_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")
_STARTS_EXPORT_BODY = frozenset(b"{*@/") | frozenset(range(0x80, 0x100))
_EXPORT_BODY_WORDS = (b"default", b"function", b"async", b"class", b"const", b"let", b"var")
# TypeScript adds declarations that export too (`export =` is caught by the `=` check below).
_TYPESCRIPT_EXPORT_BODY_WORDS = _EXPORT_BODY_WORDS + (
    b"type",
    b"interface",
    b"enum",
    b"declare",
    b"abstract",
    b"namespace",
    b"module",
    b"import",
    b"as",
)
_BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SelectionOptions:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # A registration's own ignore patterns (gitignore syntax), read after the tree's .codetrackerignore.
    extra_ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    candidates: tuple[TreeEntry, ...]  # files to read and extract, sorted by path
    # module files not extracted, with the reason; first, the lines of .codetrackerignore that were
    # skipped or match nothing (IgnoreRules.problems, kind ignore_rule, path .codetrackerignore)
    skipped: tuple[ScanProblem, ...]
    # declaration files (.d.ts) to read for the types of JavaScript functions; none when no JavaScript
    # module is selected (TypeScript sources carry their own annotations)
    declarations: tuple[TreeEntry, ...] = ()


def is_declaration_path(path: str) -> bool:
    return path.lower().endswith(DECLARATION_SUFFIXES)


def is_module_path(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(_MODULE_SUFFIXES) and not lower.endswith(DECLARATION_SUFFIXES)


def source_dialect(path: str) -> str:
    """The grammar that reads `path`: JAVASCRIPT, TYPESCRIPT (declaration files too) or TSX."""
    lower = path.lower()
    if lower.endswith(_TYPESCRIPT_SUFFIXES):
        return TYPESCRIPT
    if lower.endswith(".tsx"):
        return TSX
    return JAVASCRIPT


def select_modules(
    entries: Iterable[TreeEntry],
    rules: IgnoreRules,
    options: SelectionOptions = SelectionOptions(),
    *,
    rules_applied: bool = False,
) -> Selection:
    """Pick the module files to extract. Symlinks and oversized module files are skipped with a reason;
    files that are not modules by name, or that the ignore rules exclude, are simply not candidates.
    `rules_applied`: every entry already passed the ignore rules (the files packages publish: their decisions
    applied them, domain/package_files.py), so they are not asked again (two thirds of selecting them)."""
    candidates: list[TreeEntry] = []
    declarations: list[TreeEntry] = []
    skipped: list[ScanProblem] = list(rules.problems)
    for entry in sorted(entries, key=lambda e: e.path):
        if is_declaration_path(entry.path):
            if entry.kind is EntryKind.FILE and (rules_applied or not rules.is_ignored(entry.path)):
                if entry.size is None or entry.size <= options.max_file_bytes:
                    declarations.append(entry)
            continue
        if not is_module_path(entry.path):
            continue
        if not rules_applied and rules.is_ignored(entry.path, is_dir=entry.kind is EntryKind.SUBMODULE):
            continue
        if entry.kind is EntryKind.SYMLINK:
            skipped.append(ScanProblem(entry.path, ProblemKind.SKIPPED, "symlink (not followed)"))
        elif entry.kind is EntryKind.SUBMODULE:
            skipped.append(ScanProblem(entry.path, ProblemKind.SKIPPED, "submodule (not followed)"))
        elif entry.size is not None and entry.size > options.max_file_bytes:
            skipped.append(ScanProblem(entry.path, ProblemKind.SKIPPED, size_skip_reason(entry.size, options)))
        else:
            candidates.append(entry)
    reads_javascript = any(source_dialect(entry.path) == JAVASCRIPT for entry in candidates)
    return Selection(tuple(candidates), tuple(skipped), tuple(declarations) if reads_javascript else ())


def size_skip_reason(size: int, options: SelectionOptions) -> str:
    return f"file too large ({size} bytes > limit {options.max_file_bytes})"


def is_binary(content: bytes) -> bool:
    return b"\0" in content[:_BINARY_SNIFF_BYTES]


def may_export(content: bytes, dialect: str = JAVASCRIPT) -> bool:
    """Whether `content` may hold an export statement (see _EXPORT above); False only when it cannot."""
    # bytes.find runs at memory speed; a regex was 10x slower over large corpora.
    words = _EXPORT_BODY_WORDS if dialect == JAVASCRIPT else _TYPESCRIPT_EXPORT_BODY_WORDS
    at = content.find(_EXPORT)
    while at != -1:
        end = at + len(_EXPORT)
        if (at == 0 or content[at - 1] not in _NOT_BEFORE_EXPORT) and _starts_export_body(content, end, words):
            return True
        at = content.find(_EXPORT, end)
    return False


def looks_commonjs(content: bytes) -> bool:
    """A file that is no ES module but uses CommonJS (`require(`, `module.exports`, `exports.x =`)."""
    return b"require(" in content or b"module.exports" in content or b"exports." in content


def _starts_export_body(content: bytes, at: int, words: tuple[bytes, ...] = _EXPORT_BODY_WORDS) -> bool:
    length = len(content)
    if at < length and content[at] in _IDENTIFIER_BYTES:
        return False  # a longer identifier: `exports`, `export_`
    while at < length and content[at] in _ASCII_WHITESPACE:
        at += 1
    if at == length:
        return False
    if content[at] in _STARTS_EXPORT_BODY or (words is not _EXPORT_BODY_WORDS and content[at] == ord("=")):
        return True
    for word in words:
        if content.startswith(word, at):
            after = at + len(word)
            return after == length or content[after] not in _IDENTIFIER_BYTES
    return False


def _unread_suffix(path: str) -> str | None:
    lower = path.lower()
    for suffix in UNREAD_SOURCE_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    return None


def unread_sources(entries: Iterable[TreeEntry], rules: IgnoreRules | None = None) -> dict[str, int]:
    """Files that look like JavaScript-family sources but are never read (Vue and Svelte
    components, CoffeeScript), by suffix; files the ignore rules exclude and entries that are not files
    (symlinks, submodules) are not counted."""
    counts: Counter[str] = Counter()
    for entry in entries:
        if entry.kind is not EntryKind.FILE:
            continue
        suffix = _unread_suffix(entry.path)
        if suffix is not None and (rules is None or not rules.is_ignored(entry.path)):
            counts[suffix] += 1
    return dict(counts)


def sorted_unread(counts: dict[str, int]) -> dict[str, int]:
    """Most frequent first, then by key; zero counts dropped."""
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda item: (-item[1], item[0])))


def describe_unread_sources(counts: dict[str, int]) -> str:
    """`{".cjs": 3, "commonjs": 2}` → `3 .cjs (CommonJS) and 2 CommonJS module files not read`;
    `{}` → `no JavaScript-family file left unread`. Said always, so a result never hides what it skipped."""
    parts = []
    for key, count in sorted_unread(counts).items():
        label = _UNREAD_LABELS.get(key, key)
        parts.append(f"{count} {key} ({label})" if key.startswith(".") else f"{count} {label}")
    if not parts:
        return "no JavaScript-family file left unread"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    total = sum(counts.values())
    return f"{listed} {'file' if total == 1 else 'files'} not read"
