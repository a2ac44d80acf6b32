"""How a stage (the scanner, the persister) takes the job its message names: locked until its unit of work
ends, unless the message is a duplicate (the job is past the stage: its unsent notification, if any, is sent
again) or the job's repository was deleted (the job fails). Both stages answer those cases alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from codetracker.domain.job import Job, JobStage
from codetracker.domain.queue_messages import NotifyRequested
from codetracker.domain.registry import Registration
from codetracker.errors import JobNotReady
from codetracker.ports.metrics import Metrics
from codetracker.ports.unit_of_work import UnitOfWork
from codetracker.usecases.job_outcomes import pending_notification
from codetracker.usecases.pipeline import PipelinePorts

logger = logging.getLogger("codetracker.pipeline")


@dataclass(frozen=True, slots=True)
class StageEntry:
    """A stage's way in: `stage` names it (and its queue) in logs and metrics; a job `done_already` (`why`, in
    the log) makes its message a duplicate; `work` is what a deleted repository's job fails before ("its scan
    started")."""

    stage: JobStage
    done_already: Callable[[Job], bool]
    why: str
    work: str


def enter_stage(
    uow: UnitOfWork, job_id: str, entry: StageEntry, *, now: datetime, ports: PipelinePorts
) -> tuple[Job, Registration] | NotifyRequested | None:
    """The job, locked, and its registration: the stage's work goes on. Otherwise what the stage does instead:
    for a duplicate message the notify message to send again (None: none); for a deleted repository None, the
    job failed and committed. A job the store does not have is JobNotReady (retried, then the dead-letter
    queue)."""
    job, registration = _locked_job(uow, job_id)
    if entry.done_already(job):
        _note_duplicate(ports.metrics, entry, job)
        # Its notify message may not have gone out (the send failed after the commit): again, same id.
        return pending_notification(job, registration, public_api_url=ports.public_api_url)
    if registration is None or registration.deleted_at is not None:
        _fail_for_deleted_repository(uow, job, now, entry.work)
        return None
    return job, registration


def _locked_job(uow: UnitOfWork, job_id: str) -> tuple[Job, Registration | None]:
    job = uow.jobs.lock(job_id)
    if job is None:
        raise JobNotReady(f"job {job_id} is not stored")
    return job, uow.registrations.find(job.repository_id)


def _fail_for_deleted_repository(uow: UnitOfWork, job: Job, now: datetime, before: str) -> None:
    message = f"the repository was deleted before {before}"
    uow.jobs.save(job.fail(now, code="repository_deleted", message=message))
    uow.commit()
    logger.info("%s; the job failed", message)


def _note_duplicate(metrics: Metrics, entry: StageEntry, job: Job) -> None:
    """Logged and counted, and nothing else done."""
    logger.info("duplicate %s message: %s", entry.stage, entry.why, extra={"status": str(job.status)})
    metrics.count("DuplicateMessages", dimensions={"queue": str(entry.stage)})
