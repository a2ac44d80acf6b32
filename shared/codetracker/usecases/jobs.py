"""Scan jobs: queueing a scan (a job `queued`, its message in the outbox, an activity), reading jobs.

Queueing happens inside the caller's unit of work: the job row, its scan message (the outbox, usecases/outbox.py)
and the activity are committed together, so no message names a job that is not committed and no committed job
lacks its message. After the commit the caller sends the message (`send_queued`); what it could not send the
reconciler's schedule sends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from codetracker.contracts.scan_requested import scan_requested_to_json
from codetracker.contracts.cursors import JOBS
from codetracker.domain.job import Job, JobTrigger
from codetracker.domain.queue_messages import OutboxMessage, ScanRequested
from codetracker.domain.registry import ActivityStatus, ActivityType, App, Registration
from codetracker.domain.snapshot_keys import FALLBACK_BRANCH, HEAD_TAG
from codetracker.errors import NotFound
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.queues import ScanQueue
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.usecases.ownership import owned_registration
from codetracker.usecases.activity import JobActivity, record_job_activity
from codetracker.usecases.outbox import SCAN_QUEUE, send_queued
from codetracker.usecases.pages import Page, page_of
from codetracker.usecases.app_requests import PageRequest, ScanJobRequest, entity_id


def default_ref(registration: Registration) -> str:
    """What a scan without a ref scans: the watched branch, else the remote's HEAD (its default branch)."""
    return f"refs/heads/{registration.watched_branch}" if registration.watched_branch else "HEAD"


def follows_repository(ref: str, registration: Registration) -> bool:
    """Whether a job's outcome is its repository's (status, last_error, last scanned commit): a scan of the
    watched branch, or of HEAD when none is watched. Any other ref (a tag, a one-off scan of another branch)
    succeeds or fails alone, on its job."""
    if ref == default_ref(registration):
        return True
    branch = registration.effective_branch
    return branch is not None and ref in (branch, f"refs/heads/{branch}")


def _key_names(ref: str) -> tuple[str | None, str | None]:
    """The (branch, tag) of the snapshot key a ref names up front; None where the scanner decides."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/") :], HEAD_TAG
    if ref.startswith("refs/tags/"):
        return None, ref[len("refs/tags/") :]
    return None, None


@dataclass(frozen=True)
class ScanToQueue:
    """A scan of `ref` of a registration, what triggered it, and the activity that records it (`details`:
    its text, else "scan of <ref> queued (<trigger>)")."""

    registration: Registration
    ref: str
    trigger: JobTrigger
    activity: ActivityType = ActivityType.SCAN_REQUESTED
    details: str | None = None


def queue_scan(uow: UnitOfWork, scan: ScanToQueue, *, clock: Clock, metrics: Metrics) -> Job:
    """Record a queued job and its message in the outbox, in the caller's unit of work (which commits, then
    calls `send_queued`)."""
    registration, ref, trigger, activity, details = (
        scan.registration,
        scan.ref,
        scan.trigger,
        scan.activity,
        scan.details,
    )
    now = clock()
    branch, tag = _key_names(ref)
    job = Job.queued(
        str(uuid.uuid4()),
        registration.id,
        trigger,
        ref,
        now,
        module_slug=registration.module_slug,
        branch_name=branch,
        release_tag=tag,
    )
    uow.jobs.add(job)
    details = details or f"scan of {ref} queued ({trigger})"
    record_job_activity(
        uow, JobActivity(registration, job, activity, ActivityStatus.OK, details, at=now), metrics=metrics
    )
    message = ScanRequested(
        job_id=job.id,
        repository_id=registration.id,
        url=registration.url,
        ref=ref,
        scope=registration.scope,
        module_slug=registration.module_slug,
        fallback_branch=registration.effective_branch or FALLBACK_BRANCH,
        trigger=trigger,
        requested_at=now,
        # Only what the caller fixed: the scanner keys branch and commit refs by what the fetch resolves.
        branch_name=None,
        release_tag=None,
    )
    uow.outbox.add(OutboxMessage(job.id, SCAN_QUEUE, scan_requested_to_json(message), now))
    metrics.count("ScansQueued")
    return job


@dataclass(frozen=True)
class JobPorts:
    """The collaborators of queueing a scan on request, built by wiring (or a test)."""

    unit_of_work: UnitOfWorkFactory
    scan_queue: ScanQueue
    clock: Clock
    metrics: Metrics


def request_scan(app: App, request: ScanJobRequest, ports: JobPorts) -> Job:
    unit_of_work, scan_queue, clock, metrics = ports.unit_of_work, ports.scan_queue, ports.clock, ports.metrics
    with unit_of_work() as uow:
        registration = owned_registration(uow, app, request.repository_id)
        scan = ScanToQueue(registration, request.ref or default_ref(registration), JobTrigger.API)
        job = queue_scan(uow, scan, clock=clock, metrics=metrics)
        uow.commit()
    send_queued([job.id], unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics)
    return job


def get_job(app: App, job_id: str, *, unit_of_work: UnitOfWorkFactory) -> Job:
    job_id = entity_id(job_id, "job")
    with unit_of_work(read_only=True) as uow:
        job = uow.jobs.get(app.id, job_id)
    if job is None:
        raise NotFound("no such job")
    return job


def list_jobs(app: App, repository_id: str, page: PageRequest, *, unit_of_work: UnitOfWorkFactory) -> Page[Job]:
    repository_id = entity_id(repository_id, "repository")
    before = JOBS.decode(page.cursor) if page.cursor else None
    with unit_of_work(read_only=True) as uow:
        owned_registration(uow, app, repository_id)
        found = uow.jobs.list_for_repository(repository_id, limit=page.limit + 1, before=before)
    return page_of(found, page.limit, JOBS, lambda job: (job.created_at, job.id))
