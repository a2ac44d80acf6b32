"""The scanner and the persister: one queue message each → the job's next stage.

Job lifecycle: `queued` (api, webhook, reconciler) → `scanning` (scanner) → `persisting` (scanner, once the
result is on the persist queue) → `notifying` (persister, when there is a callback URL) or `done` →
`done` (notifier) | `failed` (a permanent error at any stage, or the last notification attempt). Each stage
records its start (the first attempt's) and end on the job; the result summary (counts, commit, what
changed, durations) stays on the job after its snapshot is replaced.

At-least-once delivery, out of order:
- every stage reads its job first, locked (`jobs.lock`), and does nothing for a job past that stage: a
  message delivered twice stores once and sends one notify message;
- a scan message is sent only after its job commits (the outbox, usecases/outbox.py); one naming a job the
  store does not have (deleted by retention, or not ours) is retried a few seconds later (JobNotReady, its
  visibility changed), until the queue moves it to its dead-letter queue;
- an older scan than the stored one replaces nothing (the job ends `done`, its result says `stale`);
- the persister stores the snapshot, the job's change and the repository's in one transaction, then sends the
  notify message, then records that it was sent: a failure between the two resends it on redelivery (same
  webhook-id: the notifier and the receiver deduplicate on it).

Errors: permanent ones fail the job with the typed reason (job `failed`, its repository too when the job
follows it: jobs.follows_repository; `scan_failed` activity, a `scan.failed` notification when there is a
callback) and are not retried; anything else is raised, so the queue redelivers it (then its dead-letter
queue), after its reason is written on the job. A job whose message died stays active until the reconciler
fails it (`scan_abandoned`: usecases/abandoned.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from codetracker import contracts
from codetracker.domain.changes import FunctionChanges, diff_functions
from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSummary
from codetracker.domain.notifications import notification_id
from codetracker.domain.selection import SelectionOptions
from codetracker.domain.service import (
    Activity,
    ActivityStatus,
    ActivityType,
    App,
    Job,
    JobStatus,
    NotifyRequested,
    PersistRequested,
    Registration,
    RepositoryStatus,
    ScanRequested,
)
from codetracker.errors import (
    CodetrackerError,
    FetchTimeout,
    InvalidMessage,
    JobNotReady,
    PayloadUnavailable,
    PermanentError,
    ScanTimeBudgetExceeded,
    SnapshotNotFound,
    StaleSnapshot,
    StoreUnavailable,
    error_code,
)
from codetracker.observability import JobLog, job_scope
from codetracker.ports import (
    Clock,
    Extractor,
    FetchLimits,
    MessageVisibility,
    Metrics,
    NotifyQueue,
    PayloadStore,
    PersistQueue,
    QueueRecord,
    RepositoryFetcher,
    TokenCipher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from codetracker.usecases.activity import record_activity
from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
from codetracker.usecases.jobs import follows_repository
from codetracker.usecases.messages import OpenedMessage, RejectedRecord, finish_record, open_record, reject_record
from codetracker.usecases.package_scan import mark_gone_packages, split_by_package
from codetracker.usecases.registry import registration_credentials
from codetracker.usecases.requests import RepositoryScanRequest
from codetracker.usecases.extract import ExtractionPorts
from codetracker.usecases.scan import FetchPorts, ScanResult, scan_repository
from codetracker.usecases.url_policy import REPOSITORY, UrlPolicy

logger = logging.getLogger("codetracker.pipeline")

# A job past these is not scanned again (a duplicate scan message); `persisting` is not among them: the
# scanner sets it before its persist message is sent, and a failed send is redelivered and scanned again.
_SCANNED = (JobStatus.NOTIFYING, JobStatus.DONE, JobStatus.FAILED)
TimeLeft = Callable[[], float]  # seconds left before the function's time limit
JOB_NOT_READY_RETRY_S = 2  # a scan message whose job is not stored is received again after this × receive count


@dataclass(frozen=True, slots=True)
class PipelinePorts:
    """What the scanner and the persister need, built by wiring (or a test)."""

    unit_of_work: UnitOfWorkFactory
    clock: Clock
    metrics: Metrics
    cipher: TokenCipher
    url_policy: UrlPolicy
    notify_queue: NotifyQueue
    payloads: PayloadStore | None = None
    # scanner only
    fetcher: RepositoryFetcher | None = None
    extractor: Extractor | None = None
    persist_queue: PersistQueue | None = None
    scan_visibility: MessageVisibility | None = None
    limits: FetchLimits = FetchLimits()
    selection: SelectionOptions = SelectionOptions()
    scan_reserve_s: float = 20.0
    # everyone
    public_api_url: str | None = None
    log_lines: int = 20


# --- the shared steps --------------------------------------------------------------------------------------


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 3)


def callback_url(registration: Registration, app: App | None) -> str | None:
    """Where a registration's notifications go: its own callback URL, else its app's."""
    return registration.callback_url or (app.callback_url if app is not None else None)


def _activity(
    uow: UnitOfWork,
    registration: Registration,
    job: Job,
    kind: ActivityType,
    status: ActivityStatus,
    details: str,
    at: datetime,
    metrics: Metrics,
) -> None:
    record_activity(
        uow,
        Activity(registration.id, registration.app_id, kind, status, at, details[:2000], job.id),
        metrics=metrics,
    )


def consume(
    record: QueueRecord,
    *,
    queue: str,
    ports: PipelinePorts,
    work: Callable[[OpenedMessage], None],
) -> None:
    """Open a record, run its work, delete its claim-checked payload after success. An invalid message is
    rejected (done, never retried); anything else raised reaches the queue (redelivery, then the DLQ)."""
    try:
        opened = open_record(record, ports.payloads)
        work(opened)
    except InvalidMessage as error:
        reject_record(
            RejectedRecord(record, error, queue),
            unit_of_work=ports.unit_of_work,
            clock=ports.clock,
            metrics=ports.metrics,
        )
        return
    finish_record(opened, ports.payloads)


def _key_of(job: Job) -> dict[str, str | None]:
    return {"module_slug": job.module_slug, "branch_name": job.branch_name, "release_tag": job.release_tag}


@dataclass(frozen=True)
class JobFailure:
    """Job `job_id` failed for good at `stage` ("scan" | "persist") with `error`; `commit_sha`: the commit it
    had reached; `unchanged_since`: fail it only if it was not changed after that moment."""

    job_id: str
    error: CodetrackerError
    stage: str
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
        registration = uow.registrations.find(job.repository_id)
        stage_times = {"scan": job.scan, "persist": job.persist}[stage]
        times = replace(stage_times, started_at=stage_times.started_at or now, ended_at=now)
        failed = replace(
            job,
            status=JobStatus.FAILED,
            updated_at=now,
            commit_sha=commit_sha or job.commit_sha,
            error_code=error.code,
            error_message=message,
            log_tail=log.tail() if log is not None else job.log_tail,
            **{stage: times},
        )
        if registration is not None and registration.deleted_at is None:
            app = uow.apps.get(registration.app_id)
            if callback_url(registration, app) is not None:
                failed = replace(failed, notification_id=notification_id(job.id))
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
            _activity(
                uow,
                registration,
                job,
                ActivityType.SCAN_FAILED,
                ActivityStatus.FAILED,
                f"{stage} of {job.ref} failed: {error.code}: {message}",
                now,
                ports.metrics,
            )
        uow.jobs.save(failed)
        uow.commit()
    logger.warning("job failed", extra={"code": error.code, "stage": stage, "reason": message})
    ports.metrics.count("JobsFailed", dimensions={"stage": stage, "reason": error.code})
    if notify is not None:
        send_notification(notify, ports=ports)
    return True


def failed_event(job: Job, registration: Registration) -> dict[str, Any]:
    """The scan.failed webhook body of a failed job, from what the job keeps (so a resend is the same)."""
    return contracts.scan_failed_event(
        at=job.updated_at,
        repository_id=registration.id,
        repository_url=registration.display_url,
        job_id=job.id,
        trigger=str(job.trigger),
        ref=job.ref,
        stage="persist" if job.persist.started_at else "scan",
        commit_sha=job.commit_sha,
        snapshot_key=_key_of(job),
        error_code=job.error_code or "failed",
        error_message=job.error_message or "",
    )


def pending_notification(
    job: Job, registration: Registration | None, *, public_api_url: str | None
) -> NotifyRequested | None:
    """The notify message of a job whose notification was decided and not sent yet (None otherwise): made
    from what the job keeps, so a resend after a failed send has the same body and webhook-id."""
    if job.notification_id is None or job.notification_queued_at is not None:
        return None
    if registration is None or registration.deleted_at is not None:
        return None
    if job.status == JobStatus.FAILED:
        event = failed_event(job, registration)
    elif job.status == JobStatus.NOTIFYING:
        event = snapshot_event(job, registration, public_api_url=public_api_url)
    else:
        return None
    return NotifyRequested(job.notification_id, job.id, registration.id, event)


def send_notification(message: NotifyRequested, *, ports: PipelinePorts) -> None:
    """Send a notify message, then record that it was sent (a failure to record it is only logged: a
    redelivery would send it again, under the same webhook-id)."""
    ports.notify_queue.send(message)
    ports.metrics.count("NotificationsQueued")
    try:
        with ports.unit_of_work() as uow:
            job = uow.jobs.lock(message.job_id)
            if job is not None and job.notification_queued_at is None:
                uow.jobs.save(replace(job, notification_queued_at=ports.clock()))
            uow.commit()
    except StoreUnavailable as err:
        logger.warning("notification sent, not recorded as sent", extra={"error": str(err)})


def note_retry(job_id: str, error: BaseException, *, ports: PipelinePorts, log: JobLog | None) -> None:
    """Write a retryable failure's reason on the job (its status stays); best effort: the database may be what
    failed."""
    code = error_code(error)
    try:
        with ports.unit_of_work() as uow:
            job = uow.jobs.lock(job_id)
            if job is not None and not job.finished:
                uow.jobs.save(
                    replace(
                        job,
                        updated_at=ports.clock(),
                        error_code=code,
                        error_message=str(error)[:2000],
                        log_tail=log.tail() if log is not None else job.log_tail,
                    )
                )
            uow.commit()
    except Exception as err:  # noqa: BLE001 - the original error is what the queue must see
        logger.info("retry reason not recorded on the job", extra={"error": type(err).__name__})


# --- scanner -------------------------------------------------------------------------------------------------


def handle_scan_record(record: QueueRecord, *, ports: PipelinePorts, time_left: TimeLeft | None = None) -> None:
    """One scan.requested message → the scan result on the persist queue, or a failed job."""

    def work(opened: OpenedMessage) -> None:
        message = contracts.scan_requested_from_json(opened.body)
        with job_scope(message.job_id, message.repository_id, lines=ports.log_lines) as log:
            logger.info("scan requested", extra={"ref": message.ref, "attempt": record.receive_count})
            try:
                _scan(message, ports=ports, time_left=time_left, log=log)
            except PermanentError as error:
                if isinstance(error, InvalidMessage):
                    raise
                fail_job(JobFailure(message.job_id, error, "scan"), ports=ports, log=log)
            except JobNotReady:
                # Seconds, not the queue's visibility timeout (90 minutes for the scan queue).
                delay = min(JOB_NOT_READY_RETRY_S * record.receive_count, 60)
                logger.warning("the job of the message is not stored; retried", extra={"retry_in_s": delay})
                _retry_sooner(record, delay, ports)
                raise
            except Exception as error:
                logger.warning(
                    "scan failed, retried",
                    extra={"code": error_code(error), "error": type(error).__name__, "reason": str(error)[:500]},
                )
                ports.metrics.count("ScanRetries", dimensions={"reason": getattr(error, "code", "unexpected")})
                note_retry(message.job_id, error, ports=ports, log=log)
                raise

    consume(record, queue="scan", ports=ports, work=work)


def _retry_sooner(record: QueueRecord, seconds: int, ports: PipelinePorts) -> None:
    if ports.scan_visibility is None or not record.receipt_handle:
        return
    try:
        ports.scan_visibility.delay(record.receipt_handle, seconds)
    except Exception as err:  # noqa: BLE001 - the visibility timeout then decides; the retry still happens
        logger.info("visibility not changed", extra={"error": getattr(err, "code", type(err).__name__)})


def _start_scan(message: ScanRequested, ports: PipelinePorts) -> tuple[Job, Registration] | None:
    unsent: NotifyRequested | None = None
    started = _begin_scan(message, ports)
    if isinstance(started, NotifyRequested):
        unsent, started = started, None
    if unsent is not None:
        send_notification(unsent, ports=ports)
    return started


def _begin_scan(message: ScanRequested, ports: PipelinePorts) -> tuple[Job, Registration] | NotifyRequested | None:
    now = ports.clock()
    with ports.unit_of_work() as uow:
        job = uow.jobs.lock(message.job_id)
        if job is None:
            raise JobNotReady(f"job {message.job_id} is not stored")
        registration = uow.registrations.find(job.repository_id)
        if job.status in _SCANNED:
            logger.info("duplicate scan message: the job is past scanning", extra={"status": str(job.status)})
            ports.metrics.count("DuplicateMessages", dimensions={"queue": "scan"})
            return pending_notification(job, registration, public_api_url=ports.public_api_url)
        if registration is None or registration.deleted_at is not None:
            uow.jobs.save(
                replace(
                    job,
                    status=JobStatus.FAILED,
                    updated_at=now,
                    error_code="repository_deleted",
                    error_message="the repository was deleted before its scan started",
                )
            )
            uow.commit()
            logger.info("the repository was deleted; scan skipped")
            return None
        job = replace(
            job,
            status=JobStatus.SCANNING,
            updated_at=now,
            scan=replace(job.scan, started_at=job.scan.started_at or now),
        )
        uow.jobs.save(job)
        if follows_repository(job.ref, registration):
            uow.registrations.update(replace(registration, status=RepositoryStatus.SCANNING, updated_at=now))
        _activity(
            uow,
            registration,
            job,
            ActivityType.SCAN_STARTED,
            ActivityStatus.OK,
            f"scan of {job.ref} started",
            now,
            ports.metrics,
        )
        uow.commit()
    return job, registration


def _scan(message: ScanRequested, *, ports: PipelinePorts, time_left: TimeLeft | None, log: JobLog) -> None:
    started = _start_scan(message, ports)
    if started is None:
        return
    job, registration = started
    assert ports.fetcher is not None and ports.extractor is not None and ports.persist_queue is not None
    ports.url_policy.check(registration.display_url or message.url, kind=REPOSITORY, field="url")
    limits = ports.limits
    deadline: float | None = None
    if time_left is not None:
        budget = time_left() - ports.scan_reserve_s
        if budget <= 1:
            raise ScanTimeBudgetExceeded(
                f"only {max(0.0, budget + ports.scan_reserve_s):.0f} s were left of the function's time limit "
                f"({ports.scan_reserve_s:g} s are kept for sending the result)"
            )
        deadline = time.monotonic() + budget
        limits = replace(limits, total_timeout=min(limits.total_timeout, budget))

    def over_budget(*_: Any) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise ScanTimeBudgetExceeded(
                "the scan stopped before the function's time limit (CODE_TRACKER_SCAN_RESERVE_S before it); "
                "parsed files are cached, so the retry goes further"
            )

    # Fetched from the URL as the app gave it (credentials never in it): the normal form that identifies the
    # repository may differ from what its server serves (a trailing .git, a local path).
    request = RepositoryScanRequest(
        registration.display_url or message.url,
        message.ref,
        branch_name=message.branch_name,
        release_tag=message.release_tag,
        module_slug=message.module_slug,
        scope=message.scope,
        credentials=registration_credentials(registration, cipher=ports.cipher),
        fallback_branch=message.fallback_branch,
        source_location=registration.url,
        options=replace(ports.selection, extra_ignore=registration.ignore_patterns),
        package_names=registration.packages,  # a tree with package.json files: one snapshot per package
    )
    try:
        result = scan_repository(
            request,
            fetching=FetchPorts(ports.fetcher, limits=limits, address_policy=ports.url_policy.address_policy()),
            clock=ports.clock,
            extraction=ExtractionPorts(
                ports.extractor,
                cache=UnitOfWorkBlobCache(ports.unit_of_work),
                progress=over_budget,
                checkpoint=over_budget,
            ),
        )
    except FetchTimeout as error:
        if deadline is not None and time.monotonic() >= deadline - 1:
            raise ScanTimeBudgetExceeded(f"fetching took the whole time budget of this invocation ({error})") from error
        raise
    over_budget()
    _scanned(job, result, ports=ports)


def _scanned(job: Job, result: ScanResult, *, ports: PipelinePorts) -> None:
    now = ports.clock()
    scan_started = job.scan.started_at or now
    with ports.unit_of_work() as uow:
        current = uow.jobs.lock(job.id)
        if current is None or current.status in _SCANNED:
            return
        registration = uow.registrations.find(job.repository_id)
        job = replace(
            current,
            status=JobStatus.PERSISTING,
            updated_at=now,
            commit_sha=result.source.commit_sha,
            module_slug=result.key.module_slug,
            branch_name=result.key.branch_name,
            release_tag=result.key.release_tag,
            scan=replace(current.scan, started_at=scan_started, ended_at=now),
            error_code=None,
            error_message=None,
        )
        uow.jobs.save(job)
        if registration is not None:
            stats = result.extraction
            _activity(
                uow,
                registration,
                job,
                ActivityType.SCAN_COMPLETED,
                ActivityStatus.OK,
                f"scanned {job.ref} at {(result.source.commit_sha or '')[:12]}: {stats.candidates} module "
                f"files, {stats.parsed} parsed, {stats.cache_hits} from the cache",
                now,
                ports.metrics,
            )
        uow.commit()
    ports.persist_queue.send(  # type: ignore[union-attr]
        PersistRequested(
            job_id=job.id,
            repository_id=job.repository_id,
            scanned_at=result.scanned_at,
            scan_started_at=scan_started,
            scan_ended_at=now,
            result=contracts.scan_result_to_dict(result),
        )
    )
    seconds = _seconds(scan_started, now) or 0.0
    ports.metrics.count("Scans")
    ports.metrics.seconds("ScanDuration", seconds)
    logger.info(
        "scan sent to the persist queue",
        extra={"commit_sha": result.source.commit_sha, "functions": len(result.descriptor.functions)},
    )


# --- persister -----------------------------------------------------------------------------------------------


def handle_persist_record(record: QueueRecord, *, ports: PipelinePorts) -> None:
    """One persist.requested message → the snapshot stored with the job's change, and its notify message."""

    def work(opened: OpenedMessage) -> None:
        message, scan = contracts.decode_persist_requested(opened.body)
        with job_scope(message.job_id, message.repository_id, lines=ports.log_lines) as log:
            try:
                notify = _persist(message, scan, ports=ports)
            except PermanentError as error:
                if isinstance(error, InvalidMessage):
                    raise
                failure = JobFailure(message.job_id, error, "persist", commit_sha=scan.source.commit_sha)
                fail_job(failure, ports=ports, log=log)
                return
            except Exception as error:
                logger.warning(
                    "persist failed, retried",
                    extra={"code": error_code(error), "error": type(error).__name__, "reason": str(error)[:500]},
                )
                ports.metrics.count("PersistRetries", dimensions={"reason": getattr(error, "code", "unexpected")})
                if not isinstance(error, StoreUnavailable):
                    note_retry(message.job_id, error, ports=ports, log=log)
                raise
            if notify is not None:
                send_notification(notify, ports=ports)

    try:
        consume(record, queue="persist", ports=ports, work=work)
    except PayloadUnavailable:
        # A claim-checked payload that is gone: its job may be persisted already (a duplicate delivery after
        # the payload was deleted); then there is nothing to do.
        job_id = contracts.message_job_id(record.body)
        with ports.unit_of_work(read_only=True) as uow:
            job = uow.jobs.find(job_id) if job_id else None
        if job is not None and job.persist.ended_at is not None:
            logger.info(
                "duplicate persist message: its payload is gone and its job persisted", extra={"job_id": job_id}
            )
            return
        raise


def snapshot_event(job: Job, registration: Registration, *, public_api_url: str | None) -> dict[str, Any]:
    """The snapshot.stored webhook body of a persisted job, from what the job keeps (so a resend is the same)."""
    result = job.result or {}
    counts = result.get("counts", {})
    snapshot_id = int(result.get("snapshot_id", 0))
    summary = SnapshotSummary(
        module_slug=result.get("module_slug") or job.module_slug or "",
        snapshot_id=snapshot_id,
        branch_name=job.branch_name or "",
        release_tag=job.release_tag or "",
        commit_sha=job.commit_sha,
        functions_count=counts.get("functions", 0),
        parameters_count=counts.get("parameters", 0),
        return_values_count=counts.get("return_values", 0),
        files_count=counts.get("files", 0),
        problems_count=counts.get("problems", 0),
    )
    return contracts.snapshot_stored_event(
        at=job.persist.ended_at or job.updated_at,
        repository_id=registration.id,
        repository_url=registration.display_url,
        job_id=job.id,
        trigger=str(job.trigger),
        ref=job.ref,
        summary=summary,
        changes=result.get("changes", {}),
        snapshot_url=f"{public_api_url}/snapshots/{snapshot_id}" if public_api_url else None,
        unread=(result.get("extraction") or {}).get("unread_sources") or {},
        packages=_event_packages(result, public_api_url),
    )


def _event_packages(result: dict[str, Any], public_api_url: str | None) -> dict[str, Any] | None:
    """The packages part of one snapshot.stored event for a commit of a tree with packages."""
    if "packages" not in result:
        return None
    stored = []
    for entry in result["packages"]:
        snapshot_id = entry.get("snapshot_id")
        url = f"{public_api_url}/snapshots/{snapshot_id}" if public_api_url and snapshot_id else None
        stored.append(entry | {"url": url})
    return {"stored": stored, "removed": result.get("removed_packages", [])}


def _previous(uow: UnitOfWork, key: SnapshotKey) -> tuple[Descriptor | None, str | None]:
    stored = uow.snapshots.list_snapshots(key.module_slug, key.branch_name, key.release_tag, scope=key.scope, limit=1)
    if not stored:
        return None, None
    try:
        return uow.snapshots.load_snapshot(key), stored[0].commit_sha
    except SnapshotNotFound:
        return None, None


def _store_packages(uow: UnitOfWork, scan: contracts.DecodedScan) -> tuple[SnapshotSummary, FunctionChanges, dict]:
    """Every package's snapshot of the scanned commit, in the caller's unit of work (one transaction), and
    the packages gone from the tree marked. Returns the primary package's summary and changes (the job's
    top-level figures, as for one module: the package with the registration's slug, else the root one, else
    the first) and the per-package results. StaleSnapshot when every package is stale."""
    split = split_by_package(scan, tag=scan.key.release_tag if scan.ref_kind == "tag" else None, root_keeps_slug=True)
    info = {p.name: p for p in scan.descriptor.packages}
    stored, primary, newest = [], None, None
    for result in split.results:
        previous, previous_commit = _previous(uow, result.key)
        package = info[result.source.name]
        entry: dict[str, Any] = {"module_slug": result.key.module_slug, "name": package.name}
        entry |= {"version": package.version, "path": package.path, "private": package.private}
        entry["release_tag"] = result.key.release_tag
        try:
            summary = uow.snapshots.store_snapshot(
                result.key, result.descriptor, result.source, scanned_at=result.scanned_at, package_of=split.package_of
            )
        except StaleSnapshot as stale:
            stored.append(entry | {"outcome": "stale"})
            newest = newest or stale
            continue
        changes = diff_functions(
            previous.functions if previous is not None else None,
            result.descriptor.functions,
            previous_commit=previous_commit,
        )
        entry |= {"outcome": "stored", "snapshot_id": summary.snapshot_id, "functions": summary.functions_count}
        entry["changes"] = changes.summary()
        stored.append(entry)
        rank = (result.key.module_slug != scan.key.module_slug, package.path != "")
        if primary is None or rank < primary[0]:
            primary = (rank, summary, changes)
    if primary is None:
        raise newest or StaleSnapshot(f"no package of {scan.key.module_slug} was stored", stored=None)
    removed = [s.module_slug for s in mark_gone_packages(uow, split)]
    return primary[1], primary[2], {"stored": stored, "removed": removed}


def _package_activity(scan: contracts.DecodedScan, packages: dict) -> list[str]:
    """One timeline line per package that changed (or is new), one per package gone."""
    at = f"{scan.key.branch_name} {scan.key.release_tag} at {(scan.source.commit_sha or '')[:12]}"
    lines = []
    for entry in packages["stored"]:
        changes = entry.get("changes") or {}
        if entry["outcome"] != "stored" or not (changes.get("first_snapshot") or _changed(changes)):
            continue
        what = "first snapshot" if changes.get("first_snapshot") else _counts(changes)
        lines.append(f"stored package {entry['name']} {at}: {entry['functions']} functions ({what})")
    lines += [f"package {slug} is gone from the tree {at}: marked removed" for slug in packages["removed"]]
    return lines or [f"stored {len(packages['stored'])} packages {at}: no function changed"]


def _changed(changes: dict) -> bool:
    return any(changes.get(k) for k in ("added_count", "removed_count", "changed_count"))


def _counts(changes: dict) -> str:
    return f"+{changes.get('added_count', 0)} -{changes.get('removed_count', 0)} ~{changes.get('changed_count', 0)}"


def _persist(message: PersistRequested, scan: contracts.DecodedScan, *, ports: PipelinePorts) -> NotifyRequested | None:
    now = ports.clock()
    with ports.unit_of_work() as uow:
        job = uow.jobs.lock(message.job_id)
        if job is None:
            raise JobNotReady(f"job {message.job_id} is not stored")
        registration = uow.registrations.find(job.repository_id)
        if job.finished or job.status == JobStatus.NOTIFYING or job.persist.ended_at is not None:
            ports.metrics.count("DuplicateMessages", dimensions={"queue": "persist"})
            logger.info("duplicate persist message: the job is persisted", extra={"status": str(job.status)})
            # The notify message may not have gone out (its send failed after the commit): again, same id.
            return pending_notification(job, registration, public_api_url=ports.public_api_url)
            return None
        if registration is None or registration.deleted_at is not None:
            uow.jobs.save(
                replace(
                    job,
                    status=JobStatus.FAILED,
                    updated_at=now,
                    error_code="repository_deleted",
                    error_message="the repository was deleted before its snapshot was stored",
                )
            )
            uow.commit()
            logger.info("the repository was deleted; nothing stored")
            return None
        persist_started = job.persist.started_at or now
        try:
            if scan.descriptor.packages:
                summary, changes, packages = _store_packages(uow, scan)
            else:
                previous, previous_commit = _previous(uow, scan.key)
                summary = uow.snapshots.store_snapshot(
                    scan.key, scan.descriptor, scan.source, scanned_at=scan.scanned_at
                )
                changes = diff_functions(
                    previous.functions if previous is not None else None,
                    scan.descriptor.functions,
                    previous_commit=previous_commit,
                )
                packages = None
        except StaleSnapshot as stale:
            stored = stale.stored
            job = replace(
                job,
                status=JobStatus.DONE,
                updated_at=now,
                commit_sha=scan.source.commit_sha,
                module_slug=scan.key.module_slug,
                branch_name=scan.key.branch_name,
                release_tag=scan.key.release_tag,
                scan=replace(
                    job.scan,
                    started_at=job.scan.started_at or message.scan_started_at,
                    ended_at=job.scan.ended_at or message.scan_ended_at,
                ),
                persist=replace(job.persist, started_at=persist_started, ended_at=now),
                result={
                    "outcome": "stale",
                    "commit_sha": scan.source.commit_sha,
                    "stored_commit_sha": getattr(stored, "commit_sha", None),
                    "stored_scanned_at": getattr(stored, "last_scanned_at", None),
                },
            )
            uow.jobs.save(job)
            _activity(
                uow,
                registration,
                job,
                ActivityType.SNAPSHOT_STORED,
                ActivityStatus.IGNORED,
                "a newer scan of this snapshot is stored; this older one replaced nothing",
                now,
                ports.metrics,
            )
            uow.commit()
            ports.metrics.count("StaleScans")
            logger.info("stale scan: a newer snapshot is stored")
            return None
        app = uow.apps.get(registration.app_id)
        url = callback_url(registration, app)
        scan_started = job.scan.started_at or message.scan_started_at
        scan_ended = job.scan.ended_at or message.scan_ended_at
        result = {
            "outcome": "stored",
            "snapshot_id": summary.snapshot_id,
            "commit_sha": summary.commit_sha,
            "ref_kind": scan.ref_kind,
            "counts": {
                "functions": summary.functions_count,
                "parameters": summary.parameters_count,
                "return_values": summary.return_values_count,
                "files": summary.files_count,
                "problems": summary.problems_count,
                "unread_files": sum((scan.extraction.get("unread_sources") or {}).values()),
            },
            "extraction": scan.extraction,
            "fetch": scan.fetch,
            "changes": changes.summary(),
            "durations_s": {
                "queued": _seconds(job.created_at, scan_started),
                "scan": _seconds(scan_started, scan_ended),
                "persist": _seconds(persist_started, now),
            },
        }
        if packages is not None:
            result["module_slug"] = summary.module_slug  # the primary package's, as the counts and changes
            result["packages"] = packages["stored"]
            result["removed_packages"] = packages["removed"]
        job = replace(
            job,
            status=JobStatus.NOTIFYING if url else JobStatus.DONE,
            updated_at=now,
            commit_sha=summary.commit_sha,
            module_slug=scan.key.module_slug,
            branch_name=scan.key.branch_name,
            release_tag=scan.key.release_tag,
            scan=replace(job.scan, started_at=scan_started, ended_at=scan_ended),
            persist=replace(job.persist, started_at=persist_started, ended_at=now),
            result=result,
            error_code=None,
            error_message=None,
            log_tail=(),
            notification_id=notification_id(job.id) if url else None,
        )
        uow.jobs.save(job)
        if follows_repository(job.ref, registration):
            uow.registrations.update(
                replace(
                    registration,
                    status=RepositoryStatus.SYNCED,
                    last_error=None,
                    last_scanned_commit=summary.commit_sha,
                    last_scanned_at=now,
                    updated_at=now,
                    default_branch=scan.key.branch_name if job.ref == "HEAD" else registration.default_branch,
                )
            )
        elif job.ref == "HEAD":
            uow.registrations.update(replace(registration, default_branch=scan.key.branch_name, updated_at=now))
        what = (
            f"+{len(changes.added)} -{len(changes.removed)} ~{len(changes.changed)}"
            if not changes.first_snapshot
            else "first snapshot"
        )
        if packages is None:
            _activity(
                uow,
                registration,
                job,
                ActivityType.SNAPSHOT_STORED,
                ActivityStatus.OK,
                f"stored {scan.key.module_slug} {scan.key.branch_name} {scan.key.release_tag} at "
                f"{(summary.commit_sha or '')[:12]}: {summary.functions_count} functions ({what})",
                now,
                ports.metrics,
            )
        else:
            for line in _package_activity(scan, packages):
                _activity(
                    uow, registration, job, ActivityType.SNAPSHOT_STORED, ActivityStatus.OK, line, now, ports.metrics
                )
        uow.commit()
    ports.metrics.count("SnapshotsStored")
    ports.metrics.seconds("PersistDuration", _seconds(persist_started, now) or 0.0)
    logger.info("snapshot stored", extra={"snapshot_id": summary.snapshot_id, "commit_sha": summary.commit_sha})
    return pending_notification(job, registration, public_api_url=ports.public_api_url) if url else None
