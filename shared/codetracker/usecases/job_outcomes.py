"""How a job ends, shared by the scanner, the persister, the reconciler and the notifier: failing it for good
(job and, when the job follows it, repository `failed`; `scan_failed` activity; a `scan.failed` notification
when there is a callback), writing a retryable failure's reason on it, and its notification (the webhook
body made from what the job keeps, so a resend is the same; sending it, then recording that it was sent)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from codetracker.contracts.webhooks import JobEventSource, scan_failed_event, snapshot_stored_event
from codetracker.domain.job import Job, JobStage, JobStatus
from codetracker.domain.job_result import StoredResult
from codetracker.domain.model import SnapshotSummary
from codetracker.domain.notifications import notification_id
from codetracker.domain.queue_messages import NotifyRequested
from codetracker.domain.registry import ActivityStatus, ActivityType, App, Registration, RepositoryStatus
from codetracker.errors import CodetrackerError, StoreUnavailable, error_code
from codetracker.observability import JobLog
from codetracker.usecases.activity import JobActivity, record_job_activity
from codetracker.usecases.jobs import follows_repository
from codetracker.usecases.pipeline import PipelinePorts

logger = logging.getLogger("codetracker.pipeline")


def callback_url(registration: Registration, app: App | None) -> str | None:
    """Where a registration's notifications go: its own callback URL, else its app's."""
    return registration.callback_url or (app.callback_url if app is not None else None)


@dataclass(frozen=True)
class JobFailure:
    """Job `job_id` failed for good at `stage` with `error`; `commit_sha`: the commit it had reached;
    `unchanged_since`: fail it only if it was not changed after that moment."""

    job_id: str
    error: CodetrackerError
    stage: JobStage
    commit_sha: str | None = None
    unchanged_since: datetime | None = None


def fail_job(failure: JobFailure, *, ports: PipelinePorts, log: JobLog | None) -> bool:
    """A permanent failure: job (and repository: jobs.follows_repository) `failed` with the typed reason,
    `scan_failed` activity, a `scan.failed` notification when there is a callback. Whether it failed the job;
    raises StoreUnavailable when it cannot be recorded (the message is then redelivered and fails again)."""
    job_id, error, stage = failure.job_id, failure.error, failure.stage
    commit_sha, unchanged_since = failure.commit_sha, failure.unchanged_since
    now = ports.clock()
    message = str(error)[:2000]
    notify: NotifyRequested | None = None
    with ports.unit_of_work() as uow:
        job = uow.jobs.lock(job_id)
        if job is None or job.finished:
            return False
        if unchanged_since is not None and job.updated_at > unchanged_since:
            return False
        found = uow.registrations.find(job.repository_id)
        registration = found if found is not None and found.deleted_at is None else None  # deleted: job only
        notifies = registration is not None and callback_url(registration, uow.apps.get(registration.app_id))
        failed = job.fail(
            now,
            code=error.code,
            message=message,
            stage=stage,
            log_tail=log.tail() if log is not None else None,
            commit_sha=commit_sha,
            notification_id=notification_id(job.id) if notifies else None,
        )
        if registration is not None:
            notify = pending_notification(failed, registration, public_api_url=ports.public_api_url)
            if follows_repository(job.ref, registration):
                uow.registrations.update(
                    replace(
                        registration,
                        status=RepositoryStatus.FAILED,
                        last_error=f"{error.code}: {message}"[:2000],
                        updated_at=now,
                    )
                )
            record_job_activity(
                uow,
                JobActivity(
                    registration,
                    failed,
                    ActivityType.SCAN_FAILED,
                    ActivityStatus.FAILED,
                    f"{stage} of {job.ref} failed: {error.code}: {message}",
                    at=now,
                ),
                metrics=ports.metrics,
            )
        uow.jobs.save(failed)
        uow.commit()
    logger.warning("job failed", extra={"code": error.code, "stage": str(stage), "reason": message})
    ports.metrics.count("JobsFailed", dimensions={"stage": str(stage), "reason": error.code})
    if notify is not None:
        send_notification(notify, ports=ports)
    return True


@dataclass(frozen=True)
class JobRetry:
    """Job `job_id` failed at `stage` with `error`, to be retried; `on_job`: its reason is written on the job."""

    job_id: str
    error: BaseException
    stage: JobStage
    on_job: bool = True


def note_retry(retry: JobRetry, *, ports: PipelinePorts, log: JobLog | None) -> None:
    """A retryable failure (the queue redelivers the message): logged, counted, and its reason written on the
    job (its status stays) unless `on_job` is false; best effort: the database may be what failed."""
    job_id, error, stage = retry.job_id, retry.error, retry.stage
    code = error_code(error)
    logger.warning(
        f"{stage} failed, retried", extra={"code": code, "error": type(error).__name__, "reason": str(error)[:500]}
    )
    ports.metrics.count(f"{stage.title()}Retries", dimensions={"reason": getattr(error, "code", "unexpected")})
    if not retry.on_job:
        return
    try:
        with ports.unit_of_work() as uow:
            job = uow.jobs.lock(job_id)
            if job is not None and not job.finished:
                log_tail = log.tail() if log is not None else None
                uow.jobs.save(job.note_retry(ports.clock(), code=code, message=str(error), log_tail=log_tail))
            uow.commit()
    except Exception as err:  # noqa: BLE001 - the original error is what the queue must see
        logger.info("retry reason not recorded on the job", extra={"error": type(err).__name__})


# --- its notification ------------------------------------------------------------------------------------------


def pending_notification(
    job: Job, registration: Registration | None, *, public_api_url: str | None
) -> NotifyRequested | None:
    """The notify message of a job whose notification was decided and not sent yet (None otherwise): made
    from what the job keeps, so a resend after a failed send has the same body and webhook-id."""
    if not job.notification_unsent or registration is None or registration.deleted_at is not None:
        return None
    if job.status == JobStatus.FAILED:
        event = failed_event(job, registration)
    elif job.status == JobStatus.NOTIFYING:
        event = snapshot_event(job, registration, public_api_url=public_api_url)
    else:
        return None
    return NotifyRequested(job.notification_id, job.id, registration.id, event)  # type: ignore[arg-type]


def send_notification(message: NotifyRequested, *, ports: PipelinePorts) -> None:
    """Send a notify message, then record that it was sent (a failure to record it is only logged: a
    redelivery would send it again, under the same webhook-id)."""
    ports.notify_queue.send(message)
    ports.metrics.count("NotificationsQueued")
    try:
        with ports.unit_of_work() as uow:
            job = uow.jobs.lock(message.job_id)
            if job is not None and job.notification_unsent:
                uow.jobs.save(job.notification_sent(ports.clock()))
            uow.commit()
    except StoreUnavailable as err:
        logger.warning("notification sent, not recorded as sent", extra={"error": str(err)})


def _key_of(job: Job) -> dict[str, str | None]:
    return {"module_slug": job.module_slug, "branch_name": job.branch_name, "release_tag": job.release_tag}


def _event_source(job: Job, registration: Registration, at: datetime) -> JobEventSource:
    return JobEventSource(at, registration.id, registration.display_url, job.id, str(job.trigger), job.ref)


def failed_event(job: Job, registration: Registration) -> dict[str, Any]:
    """The scan.failed webhook body of a failed job, from what the job keeps (so a resend is the same)."""
    return scan_failed_event(
        _event_source(job, registration, job.updated_at),
        stage="persist" if job.persist.started_at else "scan",
        commit_sha=job.commit_sha,
        snapshot_key=_key_of(job),
        error_code=job.error_code or "failed",
        error_message=job.error_message or "",
    )


def snapshot_event(job: Job, registration: Registration, *, public_api_url: str | None) -> dict[str, Any]:
    """The snapshot.stored webhook body of a persisted job, from what the job keeps (so a resend is the same)."""
    result = job.result
    if not isinstance(result, StoredResult):
        raise ValueError(f"job {job.id} stored no snapshot: no snapshot.stored event")
    counts = result.counts
    summary = SnapshotSummary(
        module_slug=result.module_slug or job.module_slug or "",
        snapshot_id=result.snapshot_id,
        branch_name=job.branch_name or "",
        release_tag=job.release_tag or "",
        commit_sha=job.commit_sha,
        functions_count=counts.functions,
        parameters_count=counts.parameters,
        return_values_count=counts.return_values,
        files_count=counts.files,
        problems_count=counts.problems,
    )
    return snapshot_stored_event(
        _event_source(job, registration, job.persist.ended_at or job.updated_at),
        summary=summary,
        changes=dict(result.changes),
        snapshot_url=_snapshot_url(public_api_url, result.snapshot_id),
        unread=dict(result.unread_sources),
        packages=_event_packages(result, public_api_url),
    )


def _snapshot_url(public_api_url: str | None, snapshot_id: int | None) -> str | None:
    return f"{public_api_url}/snapshots/{snapshot_id}" if public_api_url and snapshot_id else None


def _event_packages(result: StoredResult, public_api_url: str | None) -> dict[str, Any] | None:
    """The packages part of one snapshot.stored event for a commit of a tree with packages."""
    if result.packages is None:
        return None
    stored = [p.to_json() | {"url": _snapshot_url(public_api_url, p.snapshot_id)} for p in result.packages]
    return {"stored": stored, "removed": list(result.removed_packages)}
