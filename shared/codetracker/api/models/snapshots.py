"""A snapshot's bodies: its summary in a listing, and one snapshot with a page of its functions (the
descriptor's format, `contracts/descriptor.function_to_dict`), its files, problems and public API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from codetracker.api.models.common import Listing, fields_from
from codetracker.domain.model import SnapshotSummary


class SnapshotOut(BaseModel):
    id: int
    module_slug: str
    branch_name: str
    release_tag: str
    commit_sha: str | None
    functions_count: int
    parameters_count: int
    return_values_count: int
    files_count: int
    problems_count: int
    last_scanned_at: str | None
    removed_from_remote_at: str | None = Field(
        default=None, description="when its branch or tag was deleted on the remote; the snapshot is kept"
    )
    package: str | None = Field(default=None, description="its package.json name (a package's snapshot)")
    removed_from_tree_at: str | None = Field(
        default=None, description="when a later scan of its branch and release found the package gone; kept"
    )
    removed_from_tree_commit: str | None = Field(default=None, description="the commit it was gone at")

    @classmethod
    def fields_of(cls, s: SnapshotSummary) -> dict[str, Any]:
        return fields_from(s, SnapshotOut, id=s.snapshot_id, package=s.package_name)

    @classmethod
    def of(cls, s: SnapshotSummary) -> SnapshotOut:
        return cls(**cls.fields_of(s))


class SnapshotList(Listing[SnapshotOut]):
    pass


class ParameterOut(BaseModel):
    name: str
    position: int
    type: str | None
    is_optional: bool
    is_rest: bool
    default_value: str | None
    doc_default: str | None
    description: str | None
    type_source: str | None = Field(description='"annotation" | "jsdoc" | "declaration", null without a type')
    jsdoc_type: str | None = Field(description="the JSDoc type, kept beside a TypeScript annotation that won")
    keys: list[str] = Field(description="a destructured object parameter's property keys")


class ReturnValueOut(BaseModel):
    type: str | None
    description: str | None
    type_source: str | None
    jsdoc_type: str | None


class FunctionOut(BaseModel):
    """A function in the descriptor's own format (`codetracker extract --json`)."""

    name: str
    file_path: str
    export_type: str
    is_async: bool
    description: str | None
    jsdoc_raw: str | None
    order_in_file: int
    parameters: list[ParameterOut]
    return_values: list[ReturnValueOut]
    type_parameters: str | None = Field(description="TypeScript type parameters, `<T extends X>`")
    overload: int | None = Field(description="1, 2, … for each overload signature of one name; null otherwise")
    params_from_doc: bool = Field(
        default=False,
        description="the parameters are the JSDoc's (@param or an @type signature): the code's are unknown "
        "or its body reads `arguments`",
    )


class FunctionFileOut(BaseModel):
    path: str
    functions_count: int


class ProblemOut(BaseModel):
    """A file that was not extracted, and why."""

    path: str
    kind: str
    reason: str
    line: int | None
    column: int | None


class PublicExportOut(BaseModel):
    export_name: str = Field(description="the name an importer of the subpath uses")
    file_path: str = Field(description="(file_path, name): the function record where it is defined")
    name: str
    functions: list[FunctionOut] = Field(
        description="that record with its parameters (several: the overloads of one name)"
    )


class UnknownExportOut(BaseModel):
    export_name: str
    reason: str = Field(description="why its value could not be decided (never counted as a function)")


class PublicSubpathOut(BaseModel):
    subpath: str = Field(description='"." or "./feature", as an `import` names it after the package name')
    file_path: str | None = Field(description="the entry point's file; null when its target is not in the tree")
    conditions: list[str] = Field(description="the `exports` conditions an `import` took, outer first")
    exports: list[PublicExportOut] = Field(description="its public functions, by export name")
    unknown_exports: list[UnknownExportOut]


class SnapshotDetail(SnapshotOut):
    functions: list[FunctionOut] = Field(
        description="a page of functions, of the `file` and `name` asked for (empty with `public=true`)"
    )
    next: str | None = Field(description="cursor of the next page of functions (same filters), null on the last")
    files: list[FunctionFileOut] = Field(description="every file holding functions, by path, with how many")
    problems: list[ProblemOut] = Field(description="the scan's problems, by path")
    public_api: list[PublicSubpathOut] | None = Field(
        default=None,
        description="with `public=true`: the package's public API, by subpath in entry point order; null "
        "otherwise, and when the snapshot has none (not a package's, or stored before public APIs were)",
    )
