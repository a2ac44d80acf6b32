"""The HTTP API's bodies: pydantic models at the api edge (they give validation and the OpenAPI document), and
their conversion from domain values. The wire formats of the rest of the system stay in contracts/; a
snapshot's functions use the descriptor format from there (`contracts/descriptor.function_to_dict`).

Request models forbid unknown fields (422 naming the field). Every id is a string (uuid) except a snapshot's
and an activity's, which are integers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer
from pydantic.config import JsonDict

from codetracker.domain.model import SnapshotSummary
from codetracker.domain.job_result import JobResult, ResultCounts, StageDurations, StaleResult, StoredResult
from codetracker.domain.job import Job, JobStatus, StageTimes
from codetracker.domain.registry import Activity, Registration


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# What the use cases accept (usecases/app_requests.py), stated in the OpenAPI document as patterns (`\s`:
# what str.strip removes). The use cases check it, with messages naming the problem; the patterns only describe
# it (tests/unit/test_api_document_patterns.py holds them to the checks). Text is stripped; then control
# characters (C0, DEL) are refused everywhere, spaces in URLs and tokens (and lone surrogates, which a pattern
# cannot name portably). Whether a URL is admitted also depends on what its host resolves to (422 url_refused).
_REFUSED = r"\x00-\x1f\x7f"


def text_pattern(max_length: int | None = None) -> str:
    """Not blank, no control characters (spaces inside allowed); at most `max_length` once stripped."""
    if max_length is None:
        return rf"^\s*[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*\s*$"
    return rf"^\s*[^\s{_REFUSED}](?:[^{_REFUSED}]{{0,{max_length - 2}}}[^\s{_REFUSED}])?\s*$"


def word_pattern(max_length: int) -> str:
    """Not blank, no spaces or control characters; at most `max_length` once stripped."""
    return rf"^\s*[^\s{_REFUSED}]{{1,{max_length}}}\s*$"


# git's ref-name rules (domain/refnames.py), which the scanner applies: no control characters, spaces or
# `~^:?*[\`; no `..`, `@{`, `//`; not `@` alone; not starting with `-` or `/`, not ending with `/` or `.`; no
# component starting with `.` or ending with `.lock`; at most 255 bytes (characters, for ASCII names).
REF_PATTERN = (
    r"^(?!-)(?!/)(?!@$)(?!.*//)(?!.*\.\.)(?!.*@\{)(?!.*(?:^|/)\.)(?!.*\.lock(?:/|$))(?!.*[/.]$)(?=.*\S)"
    r"[^\x00-\x20\x7f~^:?*\[\\]{1,255}$"
)
# A branch: a ref name that is not HEAD, given bare or as refs/heads/<name>.
BRANCH_PATTERN = REF_PATTERN.replace("^", "^(?!(?:refs/heads/)?HEAD$)(?!refs/(?!heads/))", 1)
URL_PATTERN = word_pattern(2048)
TOKEN_PATTERN = word_pattern(4096)
SLUG_PATTERN = text_pattern(255)
NAME_PATTERN = text_pattern()


def _documented(pattern: str) -> JsonDict:
    """The pattern for the OpenAPI document only (see above: the use cases check it)."""
    return {"pattern": pattern}


# --- errors ----------------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_input, not_found, unauthorized")
    message: str
    field: str | None = Field(default=None, description="the request field at fault (dotted path), when one is")


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- apps ------------------------------------------------------------------------------------------------------


class CreateAppBody(_Request):
    name: str = Field(min_length=1, max_length=200, json_schema_extra=_documented(NAME_PATTERN))
    callback_url: str | None = Field(
        default=None,
        description="default notification URL of the app's repositories",
        json_schema_extra=_documented(URL_PATTERN),
    )


class AppCreated(BaseModel):
    id: str
    name: str
    token: str = Field(repr=False, description="the app's bearer token; shown only in this answer")
    signing_secret: str = Field(
        repr=False, description="`whsec_` secret the notifications are signed with; shown only here"
    )
    callback_url: str | None


# --- repositories ---------------------------------------------------------------------------------------------


class RegisterRepositoryBody(_Request):
    url: str = Field(
        description="https URL of the git repository (no credentials in it)", json_schema_extra=_documented(URL_PATTERN)
    )
    branch: str | None = Field(
        default=None,
        description="branch to watch; default: the repository's default branch",
        json_schema_extra=_documented(BRANCH_PATTERN),
    )
    branches: list[str] | None = Field(
        default=None, description="more branches to watch: globs (`release/*`; `*` stops at `/`, `**` does not)"
    )
    tags: list[str] | None = Field(
        default=None, description="tags to watch: globs (`v*`, `*@*`) or `:semver`; default: [`:semver`]"
    )
    packages: list[str] | None = Field(
        default=None, description="npm packages to track, by package.json name; default: every package of the tree"
    )
    ignore: list[str] | None = Field(
        default=None, description="more files to leave out: gitignore patterns, applied like .codetrackerignore"
    )
    callback_url: str | None = Field(
        default=None, description="overrides the app's callback URL", json_schema_extra=_documented(URL_PATTERN)
    )
    slug: str | None = Field(
        default=None,
        description="module slug, with a letter or digit; default: the repository's name, slugified",
        json_schema_extra=_documented(SLUG_PATTERN),
    )
    # repr=False: Powertools logs route arguments at debug level; a token must not be in them.
    access_token: str | None = Field(
        default=None,
        repr=False,
        description="token for a private repository; never returned",
        json_schema_extra=_documented(TOKEN_PATTERN),
    )


class UpdateRepositoryBody(_Request):
    callback_url: str | None = Field(
        default=None, description="null removes the override", json_schema_extra=_documented(URL_PATTERN)
    )
    branch: str | None = Field(
        default=None, description="null: follow the default branch", json_schema_extra=_documented(BRANCH_PATTERN)
    )
    branches: list[str] | None = Field(default=None, description="branch patterns; null: none")
    tags: list[str] | None = Field(default=None, description="tag patterns; null: the default, [`:semver`]")
    packages: list[str] | None = Field(default=None, description="package names; null: every package")
    ignore: list[str] | None = Field(default=None, description="gitignore patterns; null: none")
    access_token: str | None = Field(
        default=None, repr=False, description="null removes the token", json_schema_extra=_documented(TOKEN_PATTERN)
    )


class RepositoryOut(BaseModel):
    id: str
    url: str = Field(description="the normalised URL: what registrations and webhooks are matched on")
    display_url: str
    module_slug: str
    branch: str | None = Field(description="the watched branch; null: the default branch")
    branches: list[str] = Field(description="patterns of further watched branches")
    tags: list[str] = Field(description="patterns of watched tags (`:semver`: every tag naming a version)")
    packages: list[str] = Field(default=[], description="the npm packages tracked (empty: every package)")
    ignore: list[str] = Field(default=[], description="its own ignore patterns (gitignore syntax)")
    default_branch: str | None
    callback_url: str | None
    has_access_token: bool
    status: str
    last_error: str | None
    last_scanned_commit: str | None
    last_scanned_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Registration) -> RepositoryOut:
        return cls(
            id=r.id,
            url=r.url,
            display_url=r.display_url,
            module_slug=r.module_slug,
            branch=r.watched_branch,
            branches=list(r.branch_patterns),
            tags=list(r.tag_patterns),
            packages=list(r.packages),
            ignore=list(r.ignore_patterns),
            default_branch=r.default_branch,
            callback_url=r.callback_url,
            has_access_token=r.has_access_token,
            status=str(r.status),
            last_error=r.last_error,
            last_scanned_commit=r.last_scanned_commit,
            last_scanned_at=r.last_scanned_at,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class WebhookOut(BaseModel):
    url: str = Field(description="the registration's own GitHub webhook URL (payload URL of the hook)")
    secret: str | None = Field(
        repr=False, description="the hook's secret; shown only when the registration is made or rotated, else null"
    )


class RepositoryRegistered(RepositoryOut):
    job_id: str
    webhook: WebhookOut


class RepositoryList(BaseModel):
    items: list[RepositoryOut]
    next: str | None


class RepositoryDeleted(BaseModel):
    id: str
    deleted: bool
    snapshots_deleted: int


# --- jobs -------------------------------------------------------------------------------------------------------


class ScanBody(_Request):
    ref: str | None = Field(
        default=None,
        description="branch, tag, refs/… or commit sha (git's ref-name rules); default: the watched branch",
        json_schema_extra=_documented(REF_PATTERN),
    )


class ScanAccepted(BaseModel):
    job_id: str


class Stage(BaseModel):
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, s: StageTimes) -> Stage:
        return cls(started_at=s.started_at, ended_at=s.ended_at)


class Stages(BaseModel):
    scan: Stage
    persist: Stage
    notify: Stage


class SnapshotKeyOut(BaseModel):
    module_slug: str | None
    branch_name: str | None
    release_tag: str | None


class JobError(BaseModel):
    code: str
    message: str | None


class PackageResultOut(BaseModel):
    """One package of a tree with packages; `snapshot_id`, `functions`, `changes` only when it was stored."""

    module_slug: str
    name: str
    version: str | None
    path: str
    private: bool
    release_tag: str
    outcome: Literal["stored", "stale"]
    snapshot_id: int | None = None
    functions: int | None = None
    changes: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _stored_fields_when_stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return data if self.outcome == "stored" else {k: v for k, v in data.items() if k not in _STORED_ONLY}


_STORED_ONLY = ("snapshot_id", "functions", "changes")


class StoredResultOut(BaseModel):
    """What a job stored; `module_slug`, `packages` and `removed_packages` only for a tree with packages."""

    outcome: Literal["stored"]
    snapshot_id: int
    commit_sha: str | None
    ref_kind: str | None
    counts: ResultCounts  # the domain's value, as it is: its fields are the API's
    extraction: dict[str, Any]
    fetch: dict[str, Any] | None
    changes: dict[str, Any]
    durations_s: StageDurations
    module_slug: str | None = None
    packages: list[PackageResultOut] | None = None
    removed_packages: list[str] | None = None

    @model_serializer(mode="wrap")
    def _packages_when_any(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return data if self.packages is not None else {k: v for k, v in data.items() if k not in _PACKAGES_ONLY}

    @classmethod
    def of(cls, r: StoredResult) -> StoredResultOut:
        packages = None if r.packages is None else [PackageResultOut(**p.to_json()) for p in r.packages]
        return cls(
            outcome="stored",
            snapshot_id=r.snapshot_id,
            commit_sha=r.commit_sha,
            ref_kind=r.ref_kind,
            counts=r.counts,
            extraction=dict(r.extraction),
            fetch=None if r.fetch is None else dict(r.fetch),
            changes=dict(r.changes),
            durations_s=r.durations,
            module_slug=r.module_slug,
            packages=packages,
            removed_packages=None if packages is None else list(r.removed_packages),
        )


_PACKAGES_ONLY = ("module_slug", "packages", "removed_packages")


class StaleResultOut(BaseModel):
    """An older scan than the stored snapshot: it replaced nothing; which commit stays."""

    outcome: Literal["stale"]
    commit_sha: str | None
    stored_commit_sha: str | None
    stored_scanned_at: str | None

    @classmethod
    def of(cls, r: StaleResult) -> StaleResultOut:
        return cls(
            outcome="stale",
            commit_sha=r.commit_sha,
            stored_commit_sha=r.stored_commit_sha,
            stored_scanned_at=r.stored_scanned_at,
        )


def _result_out(r: JobResult | None) -> StoredResultOut | StaleResultOut | None:
    if r is None:
        return None
    return StaleResultOut.of(r) if isinstance(r, StaleResult) else StoredResultOut.of(r)


class JobOut(BaseModel):
    id: str
    repository_id: str
    status: str
    trigger: str
    ref: str
    commit_sha: str | None
    snapshot: SnapshotKeyOut
    stages: Stages
    result: StoredResultOut | StaleResultOut | None = Field(discriminator="outcome")
    error: JobError | None
    log_tail: list[str] = Field(default_factory=list, description="the last log lines of a failed job (else empty)")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, j: Job) -> JobOut:
        return cls(
            id=j.id,
            repository_id=j.repository_id,
            status=str(j.status),
            trigger=str(j.trigger),
            ref=j.ref,
            commit_sha=j.commit_sha,
            snapshot=SnapshotKeyOut(module_slug=j.module_slug, branch_name=j.branch_name, release_tag=j.release_tag),
            stages=Stages(scan=Stage.of(j.scan), persist=Stage.of(j.persist), notify=Stage.of(j.notify)),
            result=_result_out(j.result),
            error=JobError(code=j.error_code, message=j.error_message) if j.error_code else None,
            log_tail=list(j.log_tail) if j.status == JobStatus.FAILED else [],
            created_at=j.created_at,
            updated_at=j.updated_at,
        )


class JobList(BaseModel):
    items: list[JobOut]
    next: str | None


# --- snapshots --------------------------------------------------------------------------------------------------


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
        return {
            "id": s.snapshot_id,
            "module_slug": s.module_slug,
            "branch_name": s.branch_name,
            "release_tag": s.release_tag,
            "commit_sha": s.commit_sha,
            "functions_count": s.functions_count,
            "parameters_count": s.parameters_count,
            "return_values_count": s.return_values_count,
            "files_count": s.files_count,
            "problems_count": s.problems_count,
            "last_scanned_at": s.last_scanned_at,
            "removed_from_remote_at": s.removed_from_remote_at,
            "package": s.package_name,
            "removed_from_tree_at": s.removed_from_tree_at,
            "removed_from_tree_commit": s.removed_from_tree_commit,
        }

    @classmethod
    def of(cls, s: SnapshotSummary) -> SnapshotOut:
        return cls(**cls.fields_of(s))


class SnapshotList(BaseModel):
    items: list[SnapshotOut]
    next: str | None


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


# --- activity ---------------------------------------------------------------------------------------------------


class ActivityOut(BaseModel):
    id: int
    action_type: str
    status: str
    details: str | None
    job_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, a: Activity) -> ActivityOut:
        return cls(
            id=a.id or 0,
            action_type=str(a.action_type),
            status=str(a.status),
            details=a.details,
            job_id=a.job_id,
            created_at=a.created_at,
        )


class ActivityList(BaseModel):
    items: list[ActivityOut]
    next: str | None


# --- health and webhooks ------------------------------------------------------------------------------------------


class Health(BaseModel):
    status: str


class WebhookAnswer(BaseModel):
    outcome: str = Field(description="pong | queued | ignored | duplicate")
    job_ids: list[str] = []
    detail: str | None = None


# --- credential rotation -------------------------------------------------------------------------------------


class RotateBody(_Request):
    grace_seconds: int | None = Field(
        default=None,
        strict=True,  # a JSON integer, as the document says; never "1" or true coerced
        ge=0,
        le=7 * 24 * 3600,
        description="how long the replaced value stays valid (0: invalid at once); default per credential",
    )


class _Rotated(BaseModel):
    id: str
    previous_valid_until: datetime | None = Field(description="when the replaced value stops working; null: now")


class TokenRotated(_Rotated):
    token: str = Field(repr=False, description="the app's new bearer token; shown only in this answer")


class SigningSecretRotated(_Rotated):
    signing_secret: str = Field(repr=False, description="the new `whsec_` secret; shown only in this answer")


class WebhookSecretRotated(_Rotated):
    webhook: WebhookOut
