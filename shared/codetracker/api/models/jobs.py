"""A job's bodies: queueing a scan, and a job with its stages, result and error."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from codetracker.api.models.common import Listing, RequestBody, ValueOut
from codetracker.api.models.patterns import REF_PATTERN, documented
from codetracker.domain.job import Job, JobStatus
from codetracker.domain.job_result import JobResult, ResultCounts, StageDurations, StaleResult, StoredResult


class ScanBody(RequestBody):
    ref: str | None = Field(
        default=None,
        description="branch, tag, refs/… or commit sha (git's ref-name rules); default: the watched branch",
        json_schema_extra=documented(REF_PATTERN),
    )


class ScanAccepted(BaseModel):
    job_id: str


class Stage(ValueOut):
    started_at: datetime | None
    ended_at: datetime | None


class Stages(BaseModel):
    scan: Stage
    persist: Stage
    notify: Stage


class SnapshotKeyOut(ValueOut):
    module_slug: str | None
    branch_name: str | None
    release_tag: str | None


class JobError(BaseModel):
    code: str
    message: str | None


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
    # Each package as its job stores it and the webhook sends it (PackageOutcome.to_json: the stored-only
    # fields only for a stored package); the document shows this body as an object either way.
    packages: list[dict[str, Any]] | None = None
    removed_packages: list[str] | None = None

    @model_serializer(mode="wrap")
    def _packages_when_any(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        return data if self.packages is not None else {k: v for k, v in data.items() if k not in _PACKAGES_ONLY}

    @classmethod
    def of(cls, r: StoredResult) -> StoredResultOut:
        packages = None if r.packages is None else [p.to_json() for p in r.packages]
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


class StaleResultOut(ValueOut):
    """An older scan than the stored snapshot: it replaced nothing; which commit stays."""

    outcome: Literal["stale"]
    commit_sha: str | None
    stored_commit_sha: str | None
    stored_scanned_at: str | None

    @classmethod
    def of(cls, r: StaleResult) -> StaleResultOut:
        return cls.filled_from(r, outcome="stale")


def _result_out(r: JobResult | None) -> StoredResultOut | StaleResultOut | None:
    if r is None:
        return None
    return StaleResultOut.of(r) if isinstance(r, StaleResult) else StoredResultOut.of(r)


class JobOut(ValueOut):
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
        return cls.filled_from(
            j,
            status=str(j.status),
            trigger=str(j.trigger),
            snapshot=SnapshotKeyOut.filled_from(j),
            stages=Stages(
                scan=Stage.filled_from(j.scan), persist=Stage.filled_from(j.persist), notify=Stage.filled_from(j.notify)
            ),
            result=_result_out(j.result),
            error=JobError(code=j.error_code, message=j.error_message) if j.error_code else None,
            log_tail=list(j.log_tail) if j.status == JobStatus.FAILED else [],
        )


class JobList(Listing[JobOut]):
    pass
