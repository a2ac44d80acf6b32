"""A job's bodies: queueing a scan, and a job with its stages, result and error."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from codetracker.api.models.common import Listing, RequestBody, fields_from
from codetracker.api.models.patterns import REF_PATTERN, documented
from codetracker.domain.job import Job, JobStatus, StageTimes
from codetracker.domain.job_result import JobResult, ResultCounts, StageDurations, StaleResult, StoredResult


class ScanBody(RequestBody):
    ref: str | None = Field(
        default=None,
        description="branch, tag, refs/… or commit sha (git's ref-name rules); default: the watched branch",
        json_schema_extra=documented(REF_PATTERN),
    )


class ScanAccepted(BaseModel):
    job_id: str


class Stage(BaseModel):
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, s: StageTimes) -> Stage:
        return cls(**fields_from(s, Stage))


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
        return cls(**fields_from(r, StaleResultOut, outcome="stale"))


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
            **fields_from(
                j,
                JobOut,
                status=str(j.status),
                trigger=str(j.trigger),
                snapshot=SnapshotKeyOut(**fields_from(j, SnapshotKeyOut)),
                stages=Stages(scan=Stage.of(j.scan), persist=Stage.of(j.persist), notify=Stage.of(j.notify)),
                result=_result_out(j.result),
                error=JobError(code=j.error_code, message=j.error_message) if j.error_code else None,
                log_tail=list(j.log_tail) if j.status == JobStatus.FAILED else [],
            )
        )


class JobList(Listing[JobOut]):
    pass
