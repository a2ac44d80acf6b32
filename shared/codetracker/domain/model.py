"""Domain values: the descriptor of a module and what the parsers hand to the domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from codetracker.domain.export_graph import ModuleLinks

# Called now and then by a long loop (selection, ignore matching, parsing); raises to stop it: how the
# scan's time budget reaches every stage.
Checkpoint = Callable[[], None]


# --- what a parser backend produces (backend-neutral syntax facts) --------------------------------


@dataclass(frozen=True, slots=True)
class ParamSyntax:
    """One formal parameter as written in code."""

    source: str  # source text of the binding target, without the default and without the leading '...'
    identifier: str | None  # the name when the target is a plain identifier, None for a destructuring pattern
    default_source: str | None  # source text of the default value, if any
    is_rest: bool
    annotation: str | None = None  # TypeScript: the annotated type as written, whitespace-normalised
    is_optional: bool = False  # TypeScript: marked `?`


@dataclass(frozen=True, slots=True)
class FunctionExportSyntax:
    """One exported function found in a file, before JSDoc interpretation."""

    exported_name: str  # the name under which it is exported ("default" for default exports)
    local_name: str | None  # the local binding or function name, None for anonymous functions
    export_type: str  # "named" | "default"
    is_async: bool
    is_generator: bool
    params: tuple[ParamSyntax, ...]
    jsdoc_raw: str | None  # the whole /** ... */ block attached to the function, if any
    offset: int  # character offset of the export statement or specifier; orders functions in a file
    return_annotation: str | None = None  # TypeScript: the annotated return type, whitespace-normalised
    type_parameters: str | None = None  # TypeScript: `<T extends X>` as written, whitespace-normalised
    overload: int | None = None  # 1-based index among the overload signatures of one name; None: no overloads
    reads_arguments: bool = False  # the body reads `arguments`: `params` may not be all the function takes
    params_known: bool = True  # False: a value built by a call with no function literal (params decided later)


@dataclass(frozen=True, slots=True)
class ModuleSyntax:
    """What one backend found in one file."""

    is_module: bool  # the file has import or export declarations (an ES module)
    exports: tuple[FunctionExportSyntax, ...]
    type_exports: int = 0  # TypeScript: exported types, interfaces and enums (not functions, counted)
    commonjs_export: bool = False  # TypeScript `export =`: a CommonJS module, not read
    # How its exports link to other modules (None: no ES module). Left out of ==: the export facts above
    # are what backends are compared on; links have their own differential test.
    links: ModuleLinks | None = field(default=None, compare=False)


# --- the descriptor ---------------------------------------------------------------------------------


# The three records below are also the HTTP API's published schema of a function (api/models/snapshots.py):
# their docstrings, and a field's docstring (the string under it), are its OpenAPI descriptions, and their
# field order is the JSON's key order (contracts/descriptor.py).


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of an exported function, in the descriptor's format."""

    name: str
    """as written; a destructured one as its pattern (`{ a, b }`)"""
    position: int
    type: str | None
    is_optional: bool
    is_rest: bool
    default_value: str | None
    """the default written in the code, as written"""
    doc_default: str | None
    """the default written only in JSDoc (`@param {number} [wait=10]`)"""
    description: str | None
    type_source: str | None = None
    """\"annotation\" | \"jsdoc\" | \"declaration\", null without a type"""
    jsdoc_type: str | None = None
    """the JSDoc type, kept beside a TypeScript annotation that won"""
    keys: tuple[str, ...] = ()
    """a destructured object parameter's property keys"""


@dataclass(frozen=True, slots=True)
class ReturnValue:
    """What an exported function returns, in the descriptor's format."""

    type: str | None
    description: str | None
    type_source: str | None = None
    """as a parameter's"""
    jsdoc_type: str | None = None


@dataclass(frozen=True, slots=True)
class ExportedFunction:
    """A function in the descriptor's own format (`codetracker extract --json`)."""

    name: str
    file_path: str
    export_type: str
    is_async: bool
    description: str | None
    jsdoc_raw: str | None
    order_in_file: int
    parameters: tuple[Parameter, ...] = ()
    return_values: tuple[ReturnValue, ...] = ()
    type_parameters: str | None = None
    """TypeScript type parameters, `<T extends X>`"""
    # The implementation's signature is not part of the API: only the overload signatures are functions.
    overload: int | None = None
    """1, 2, … for each overload signature of one name, in source order; null otherwise"""
    params_from_doc: bool = False
    """the parameters are the JSDoc's (@param or an @type signature): the code's are unknown or it reads `arguments`"""


class EntryKind(StrEnum):
    FILE = "file"
    SYMLINK = "symlink"
    SUBMODULE = "submodule"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One entry of a source tree (a folder or a git tree): the file manifest is made of these."""

    path: str  # posix, relative to the tree root
    kind: EntryKind
    size: int | None  # bytes; None while unknown (a trees-first fetch learns sizes only of blobs it reads)
    sha: str | None  # git blob sha (submodules: the commit sha); None when not known yet


class ProblemKind(StrEnum):
    SKIPPED = "skipped"
    PARSE_ERROR = "parse_error"
    IGNORE_RULE = "ignore_rule"  # a line of .codetrackerignore that git would skip or that matches nothing
    ENTRY_POINT = "entry_point"  # a package entry point whose target is not in the tree, or is invalid
    UNKNOWN_EXPORT = "unknown_export"  # a public export whose value cannot be decided (a call, another package)


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """A file that was not extracted, and why. The scan goes on."""

    path: str
    kind: ProblemKind
    reason: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class FileDecision:
    """Whether a package publishes a file, and which rule decided (see domain/packlist.py)."""

    path: str
    included: bool
    rule: str  # a stable word: files, .npmignore, npm-default, test-convention, nested-package, …
    detail: str  # the rule as written, and where it comes from

    def explain(self) -> str:
        return f"{'published' if self.included else 'excluded'} ({self.rule}): {self.detail}"


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """One npm package of a scanned tree, as the descriptor lists it."""

    name: str
    version: str | None
    path: str  # folder relative to the scanned root, "" for the root
    module_slug: str
    private: bool
    files: tuple[str, ...]  # the files it publishes, relative to the scanned root
    excluded: tuple[FileDecision, ...] = ()  # module files (.js/.mjs) it holds but does not publish, and why
    # Its public API (domain/public_api.py): what an `import` of each subpath resolves to, and the functions
    # it exports, each pointing at the function record where it is defined.
    entry_points: tuple[PackageEntryPoint, ...] = ()
    public_functions: tuple[PublicFunction, ...] = ()
    unknown_exports: tuple[UnknownExport, ...] = ()

    @property
    def api(self) -> PackageApi:
        return PackageApi(self.entry_points, self.public_functions, self.unknown_exports)


@dataclass(frozen=True, slots=True)
class PackageEntryPoint:
    subpath: str  # "." or "./feature"
    conditions: tuple[str, ...]  # the conditions an import took (`import`, `default`…), outer first
    file_path: str | None  # from the scanned root; None when the target is not in the tree


@dataclass(frozen=True, slots=True)
class PublicFunction:
    subpath: str
    export_name: str  # the name an importer of the subpath uses
    file_path: str  # (file_path, name): an entry of the descriptor's `functions`
    name: str


@dataclass(frozen=True, slots=True)
class UnknownExport:
    subpath: str
    export_name: str
    reason: str  # why its value cannot be decided


@dataclass(frozen=True, slots=True)
class PackageApi:
    """One package's public API, as its snapshot stores it: what an `import` of each subpath resolves to,
    the functions it exports (each naming the function record where it is defined), and the exports whose
    value could not be decided."""

    entry_points: tuple[PackageEntryPoint, ...] = ()
    public_functions: tuple[PublicFunction, ...] = ()
    unknown_exports: tuple[UnknownExport, ...] = ()


@dataclass(frozen=True, slots=True)
class Descriptor:
    module_slug: str
    functions: tuple[ExportedFunction, ...]
    files: tuple[TreeEntry, ...] = ()
    problems: tuple[ScanProblem, ...] = ()
    # Files exporting types (TypeScript `export type`/`interface`/`enum`): (path, how many), by path.
    type_exports: tuple[tuple[str, int], ...] = ()
    packages: tuple[PackageInfo, ...] = ()  # empty for a tree without package.json: one module, the tree
    # A package's snapshot: that package's public API (its entry in `packages` is not stored). None: not
    # known (a tree without package.json, a descriptor of several packages, a snapshot stored before).
    public_api: PackageApi | None = None


# The owner of the snapshots the CLI stores: every registration of the service owns a scope of its own, so
# two repositories (or two apps) whose names slugify alike never share a snapshot.
DEFAULT_SCOPE = "local"


@dataclass(frozen=True, slots=True)
class SnapshotKey:
    """What a stored snapshot replaces: one (scope, module slug, branch, release tag)."""

    module_slug: str
    branch_name: str
    release_tag: str
    scope: str = DEFAULT_SCOPE


@dataclass(frozen=True, slots=True)
class SnapshotSource:
    """Where a snapshot came from (recorded beside it)."""

    name: str  # human name of the module (repository or folder name)
    folder_path: str | None = None  # folder or repository URL (credentials stripped), as given
    commit_sha: str | None = None
    # What the snapshot was scanned from, compared when another scan replaces it (domain/snapshot_sources.py):
    # the repository's normal URL (a local one as file://PATH) and the folder within it ("" for all of it).
    # None: not known (a snapshot stored before sources were recorded, an older queue message).
    location: str | None = None
    subpath: str = ""


@dataclass(frozen=True, slots=True)
class SnapshotSummary:
    module_slug: str
    snapshot_id: int  # the stored snapshot's own id (the row of its key)
    branch_name: str
    release_tag: str
    commit_sha: str | None
    functions_count: int
    parameters_count: int
    return_values_count: int
    files_count: int = 0
    problems_count: int = 0
    last_scanned_at: str | None = None  # ISO 8601
    scope: str = DEFAULT_SCOPE
    source_location: str | None = None  # SnapshotSource.location: None when not recorded
    source_subpath: str = ""
    # When its branch or tag was seen deleted on the remote (ISO 8601); storing a new scan of it clears this.
    removed_from_remote_at: str | None = None
    # A package's snapshot: the module slug of the scan that stored it with the other packages of its tree
    # (None: a whole-tree module); when a later scan of its branch and release found it gone from the tree
    # (ISO 8601) and at which commit. Storing it again clears both.
    package_of: str | None = None
    package_name: str | None = None  # its package.json name (a package's snapshot only)
    removed_from_tree_at: str | None = None
    removed_from_tree_commit: str | None = None

    @property
    def key(self) -> SnapshotKey:
        return SnapshotKey(self.module_slug, self.branch_name, self.release_tag, self.scope)


class ParseFailure(Exception):
    """A backend could not parse a file. Positions are 1-based line, 0-based column (ESTree convention)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return f"{where}{self.message}"


@dataclass(frozen=True, slots=True)
class FileExtraction:
    """The result of extracting one blob, independent of its path: what the blob cache stores."""

    functions: tuple[ExportedFunction, ...] = ()  # file_path is "" here; see for_path()
    problem_kind: ProblemKind | None = None
    problem_reason: str | None = None
    problem_line: int | None = None
    problem_column: int | None = None
    blob_size: int | None = None  # bytes of the blob: lets a cache hit fill the manifest size of a blob not fetched
    type_exports: int = 0  # exported types, interfaces and enums (TypeScript)
    unread_reason: str | None = None  # why a file that parsed is not read: "commonjs" (require/module.exports)
    links: ModuleLinks | None = None  # how its exports link to other modules, for a package's public API
