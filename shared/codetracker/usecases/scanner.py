"""The scanner: one scan.requested message → its job `scanning`, the repository fetched, selected and parsed
within the function's time budget, the result on the persist queue (claim check in S3 when large) and the job
`persisting`; or the job failed (a permanent error), or the message retried (anything else)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from codetracker.contracts.scan_requested import scan_requested_from_json
from codetracker.domain.job import Job, JobStage, seconds_between
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested, ScanRequested
from codetracker.domain.registry import ActivityStatus, ActivityType, Registration, RepositoryStatus
from codetracker.domain.selection import SelectionOptions
from codetracker.errors import (
    FetchTimeout,
    InvalidMessage,
    JobNotReady,
    PermanentError,
    ScanTimeBudgetExceeded,
)
from codetracker.observability import JobLog, job_scope
from codetracker.ports.git import FetchLimits, RepositoryFetcher
from codetracker.ports.parsing import Extractor
from codetracker.ports.queues import MessageVisibility, PersistQueue, QueueRecord
from codetracker.usecases.activity import JobActivity, record_job_activity
from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
from codetracker.usecases.job_outcomes import (
    JobFailure,
    JobRetry,
    fail_job,
    note_retry,
    send_notification,
)
from codetracker.usecases.jobs import follows_repository
from codetracker.usecases.queue_records import OpenedMessage
from codetracker.usecases.job_stage import StageEntry, enter_stage
from codetracker.usecases.pipeline import PipelinePorts, TimeLeft, consume
from codetracker.usecases.registry import registration_credentials
from codetracker.usecases.scan_requests import ScanRepositoryRequest
from codetracker.domain.scan import ScanResult
from codetracker.usecases.extract import ExtractionPorts
from codetracker.usecases.scan import FetchPorts, scan_repository
from codetracker.usecases.url_policy import REPOSITORY

logger = logging.getLogger("codetracker.pipeline")

_SCAN = StageEntry(JobStage.SCAN, lambda job: job.past_scanning, "the job is past scanning", "its scan started")
JOB_NOT_READY_RETRY_S = 2  # a scan message whose job is not stored is received again after this × receive count


@dataclass(frozen=True, slots=True)
class ScannerPorts:
    """What the scanner needs: what every stage does (`pipeline`), and its own fetcher, parser, persist queue
    and scan queue visibility, which the persister never builds (dulwich and tree-sitter stay out of its cold
    start), within its fetch limits and selection, stopping `scan_reserve_s` before the function's time limit."""

    pipeline: PipelinePorts
    fetcher: RepositoryFetcher
    extractor: Extractor
    persist_queue: PersistQueue
    scan_visibility: MessageVisibility
    limits: FetchLimits = FetchLimits()
    selection: SelectionOptions = SelectionOptions()
    scan_reserve_s: float = 20.0


def handle_scan_record(record: QueueRecord, *, ports: ScannerPorts, time_left: TimeLeft | None = None) -> None:
    """One scan.requested message → the scan result on the persist queue, or a failed job."""
    pipeline = ports.pipeline

    def work(opened: OpenedMessage) -> None:
        message = scan_requested_from_json(opened.body)
        with job_scope(message.job_id, message.repository_id, lines=pipeline.log_lines) as log:
            logger.info("scan requested", extra={"ref": message.ref, "attempt": record.receive_count})
            try:
                _scan(message, ports=ports, time_left=time_left, log=log)
            except PermanentError as error:
                if isinstance(error, InvalidMessage):
                    raise
                fail_job(JobFailure(message.job_id, error, JobStage.SCAN), ports=pipeline, log=log)
            except JobNotReady:
                # Seconds, not the queue's visibility timeout (90 minutes for the scan queue).
                delay = min(JOB_NOT_READY_RETRY_S * record.receive_count, 60)
                logger.warning("the job of the message is not stored; retried", extra={"retry_in_s": delay})
                _retry_sooner(record, delay, ports.scan_visibility)
                raise
            except Exception as error:
                note_retry(JobRetry(message.job_id, error, JobStage.SCAN), ports=pipeline, log=log)
                raise

    consume(record, queue="scan", ports=pipeline, work=work)


def _retry_sooner(record: QueueRecord, seconds: int, visibility: MessageVisibility) -> None:
    if not record.receipt_handle:
        return
    try:
        visibility.delay(record.receipt_handle, seconds)
    except Exception as err:  # noqa: BLE001 - the visibility timeout then decides; the retry still happens
        logger.info("visibility not changed", extra={"error": getattr(err, "code", type(err).__name__)})


def _start_scan(message: ScanRequested, ports: PipelinePorts) -> tuple[Job, Registration] | None:
    """The job `scanning`; None when there is nothing to scan (a duplicate message: its unsent notification,
    if any, is sent again; a deleted repository: the job failed)."""
    started = _begin_scan(message, ports)
    if isinstance(started, NotifyRequested):
        send_notification(started, ports=ports)
        return None
    return started


def _begin_scan(message: ScanRequested, ports: PipelinePorts) -> tuple[Job, Registration] | NotifyRequested | None:
    now = ports.clock()
    with ports.unit_of_work() as uow:
        entered = enter_stage(uow, message.job_id, _SCAN, now=now, ports=ports)
        if not isinstance(entered, tuple):
            return entered
        job, registration = entered
        job = job.start_scan(now)
        uow.jobs.save(job)
        if follows_repository(job.ref, registration):
            uow.registrations.update(replace(registration, status=RepositoryStatus.SCANNING, updated_at=now))
        record_job_activity(
            uow,
            JobActivity(
                registration,
                job,
                ActivityType.SCAN_STARTED,
                ActivityStatus.OK,
                f"scan of {job.ref} started",
                at=now,
            ),
            metrics=ports.metrics,
        )
        uow.commit()
    return job, registration


def _scan(message: ScanRequested, *, ports: ScannerPorts, time_left: TimeLeft | None, log: JobLog) -> None:
    pipeline = ports.pipeline
    started = _start_scan(message, pipeline)
    if started is None:
        return
    job, registration = started
    pipeline.url_policy.check(registration.display_url or message.url, kind=REPOSITORY, field="url")
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
    request = ScanRepositoryRequest(
        registration.display_url or message.url,
        message.ref,
        branch_name=message.branch_name,
        release_tag=message.release_tag,
        module_slug=message.module_slug,
        scope=message.scope,
        credentials=registration_credentials(registration, cipher=pipeline.cipher),
        fallback_branch=message.fallback_branch,
        source_location=registration.url,
        options=replace(ports.selection, extra_ignore=registration.ignore_patterns),
        package_names=registration.packages,  # a tree with package.json files: one snapshot per package
    )
    try:
        result = scan_repository(
            request,
            fetching=FetchPorts(ports.fetcher, limits=limits, address_policy=pipeline.url_policy.address_policy()),
            clock=pipeline.clock,
            extraction=ExtractionPorts(
                ports.extractor,
                cache=UnitOfWorkBlobCache(pipeline.unit_of_work),
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


def _scanned(job: Job, result: ScanResult, *, ports: ScannerPorts) -> None:
    """The job `persisting`, then its result on the persist queue (a failed send is redelivered: scanned again)."""
    pipeline = ports.pipeline
    now = pipeline.clock()
    scan_started = job.scan.started_at or now
    with pipeline.unit_of_work() as uow:
        current = uow.jobs.lock(job.id)
        if current is None or current.past_scanning:
            return
        registration = uow.registrations.find(job.repository_id)
        job = current.scanned(now, commit_sha=result.source.commit_sha, key=result.key)
        uow.jobs.save(job)
        if registration is not None:
            stats = result.extraction
            record_job_activity(
                uow,
                JobActivity(
                    registration,
                    job,
                    ActivityType.SCAN_COMPLETED,
                    ActivityStatus.OK,
                    f"scanned {job.ref} at {(result.source.commit_sha or '')[:12]}: {stats.candidates} module "
                    f"files, {stats.parsed} parsed, {stats.cache_hits} from the cache",
                    at=now,
                ),
                metrics=pipeline.metrics,
            )
        uow.commit()
    ports.persist_queue.send(
        PersistRequested(
            job_id=job.id,
            repository_id=job.repository_id,
            scan_started_at=scan_started,
            scan_ended_at=now,
            result=result,
        )
    )
    pipeline.metrics.count("Scans")
    pipeline.metrics.seconds("ScanDuration", seconds_between(scan_started, now) or 0.0)
    logger.info(
        "scan sent to the persist queue",
        extra={"commit_sha": result.source.commit_sha, "functions": len(result.descriptor.functions)},
    )
