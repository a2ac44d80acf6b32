"""A snapshot's bodies: its summary in a listing, and one snapshot with a page of its functions (the
descriptor's format, `contracts/descriptor.function_to_dict`), its files, problems and public API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codetracker.api.models.common import Listing, fields_from
from codetracker.domain.model import ExportedFunction, SnapshotSummary

# The function records are the domain's own (domain/model.py ExportedFunction, Parameter, ReturnValue), not
# a copy: the body models holding them read their field docstrings as the schema's descriptions, and state
# every key as required, defaulted or not, as every answer has them all.
_FUNCTION_RECORDS = ConfigDict(use_attribute_docstrings=True, json_schema_serialization_defaults_required=True)


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
    model_config = _FUNCTION_RECORDS

    export_name: str = Field(description="the name an importer of the subpath uses")
    file_path: str = Field(description="(file_path, name): the function record where it is defined")
    name: str
    functions: list[ExportedFunction] = Field(
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
    model_config = _FUNCTION_RECORDS

    functions: list[ExportedFunction] = Field(
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
