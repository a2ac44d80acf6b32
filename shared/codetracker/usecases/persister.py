"""The persister: one persist.requested message → the snapshot (one per package of a tree with packages)
stored with the job's change (`notifying` when there is a callback, else `done`), the repository's and the
activity in one unit of work, then the notify message; an older scan than the stored one replaces nothing
(the job `done`, its result `stale`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from codetracker.contracts.message_fields import message_job_id
from codetracker.contracts.persist_requested import persist_requested_from_json
from codetracker.contracts.scan_result import extraction_stats_to_dict, fetch_stats_to_dict
from codetracker.domain.changes import FunctionChanges, diff_snapshots
from codetracker.domain.job import JobStage, StageTimes, seconds_between
from codetracker.domain.job_result import (
    PackageOutcome,
    ResultCounts,
    ResultOutcome,
    StaleResult,
    StoredResult,
)
from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSummary
from codetracker.domain.notifications import notification_id
from codetracker.domain.scan import ScanResult
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested
from codetracker.domain.registry import ActivityStatus, ActivityType, RepositoryStatus
from codetracker.errors import (
    InvalidMessage,
    PayloadUnavailable,
    PermanentError,
    SnapshotNotFound,
    StaleSnapshot,
    StoreUnavailable,
)
from codetracker.observability import job_scope
from codetracker.ports.queues import QueueRecord
from codetracker.ports.unit_of_work import UnitOfWork
from codetracker.usecases.activity import JobActivity, record_job_activity
from codetracker.usecases.job_outcomes import (
    JobFailure,
    JobRetry,
    callback_url,
    fail_job,
    note_retry,
    pending_notification,
    send_notification,
)
from codetracker.usecases.jobs import follows_repository
from codetracker.usecases.queue_records import OpenedMessage
from codetracker.usecases.package_scan import mark_gone_packages, split_by_package
from codetracker.usecases.job_stage import StageEntry, enter_stage
from codetracker.usecases.pipeline import PipelinePorts, consume

logger = logging.getLogger("codetracker.pipeline")
_PERSIST = StageEntry(
    JobStage.PERSIST, lambda job: job.persisted_already, "the job is persisted", "its snapshot was stored"
)


def handle_persist_record(record: QueueRecord, *, ports: PipelinePorts) -> None:
    """One persist.requested message → the snapshot stored with the job's change, and its notify message."""

    def work(opened: OpenedMessage) -> None:
        message = persist_requested_from_json(opened.body)
        scan = message.result
        with job_scope(message.job_id, message.repository_id, lines=ports.log_lines) as log:
            try:
                notify = _persist(message, scan, ports=ports)
            except PermanentError as error:
                if isinstance(error, InvalidMessage):
                    raise
                failure = JobFailure(message.job_id, error, JobStage.PERSIST, commit_sha=scan.source.commit_sha)
                fail_job(failure, ports=ports, log=log)
                return
            except Exception as error:
                # The store's own outage is not written on the job (it would fail again).
                on_job = not isinstance(error, StoreUnavailable)
                note_retry(JobRetry(message.job_id, error, JobStage.PERSIST, on_job=on_job), ports=ports, log=log)
                raise
            if notify is not None:
                send_notification(notify, ports=ports)

    try:
        consume(record, queue="persist", ports=ports, work=work)
    except PayloadUnavailable:
        # A claim-checked payload that is gone: its job may be persisted already (a duplicate delivery after
        # the payload was deleted); then there is nothing to do.
        job_id = message_job_id(record.body)
        with ports.unit_of_work(read_only=True) as uow:
            job = uow.jobs.find(job_id) if job_id else None
        if job is not None and job.persist.ended_at is not None:
            logger.info(
                "duplicate persist message: its payload is gone and its job persisted", extra={"job_id": job_id}
            )
            return
        raise


@dataclass(frozen=True, slots=True)
class _Stored:
    """What one commit's snapshots stored: the primary snapshot's summary and changes (the job's top-level
    figures), and for a tree with packages every package's outcome, the changes of those stored, the gone."""

    summary: SnapshotSummary
    changes: FunctionChanges
    packages: tuple[PackageOutcome, ...] | None = None
    package_changes: tuple[FunctionChanges | None, ...] = ()
    removed: tuple[str, ...] = ()


def _persist(message: PersistRequested, scan: ScanResult, *, ports: PipelinePorts) -> NotifyRequested | None:
    now = ports.clock()
    told = StageTimes(message.scan_started_at, message.scan_ended_at)
    with ports.unit_of_work() as uow:
        entered = enter_stage(uow, message.job_id, _PERSIST, now=now, ports=ports)
        if not isinstance(entered, tuple):
            return entered
        job, registration = entered
        try:
            stored = _store_packages(uow, scan) if scan.descriptor.packages else _store_module(uow, scan)
        except StaleSnapshot as stale:
            newer = stale.stored
            result = StaleResult(
                commit_sha=scan.source.commit_sha,
                stored_commit_sha=getattr(newer, "commit_sha", None),
                stored_scanned_at=getattr(newer, "last_scanned_at", None),
            )
            job = job.superseded(now, key=scan.key, scan=told, result=result)
            uow.jobs.save(job)
            replaced_nothing = "a newer scan of this snapshot is stored; this older one replaced nothing"
            entry = JobActivity(
                registration, job, ActivityType.SNAPSHOT_STORED, ActivityStatus.IGNORED, replaced_nothing, now
            )
            record_job_activity(uow, entry, metrics=ports.metrics)
            uow.commit()
            ports.metrics.count("StaleScans")
            logger.info("stale scan: a newer snapshot is stored")
            return None
        url = callback_url(registration, uow.apps.get(registration.app_id))
        job = job.persisted(
            now,
            key=scan.key,
            scan=told,
            result=_stored_result(stored, scan),
            notification_id=notification_id(job.id) if url else None,
        )
        uow.jobs.save(job)
        summary = stored.summary
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
        for line in _activity_lines(scan, stored):
            entry = JobActivity(registration, job, ActivityType.SNAPSHOT_STORED, ActivityStatus.OK, line, now)
            record_job_activity(uow, entry, metrics=ports.metrics)
        uow.commit()
    ports.metrics.count("SnapshotsStored")
    ports.metrics.seconds("PersistDuration", seconds_between(job.persist.started_at, now) or 0.0)
    logger.info("snapshot stored", extra={"snapshot_id": summary.snapshot_id, "commit_sha": summary.commit_sha})
    return pending_notification(job, registration, public_api_url=ports.public_api_url) if url else None


def _stored_result(stored: _Stored, scan: ScanResult) -> StoredResult:
    summary = stored.summary
    return StoredResult(
        snapshot_id=summary.snapshot_id,
        commit_sha=summary.commit_sha,
        ref_kind=scan.ref_kind,
        counts=ResultCounts(
            functions=summary.functions_count,
            parameters=summary.parameters_count,
            return_values=summary.return_values_count,
            files=summary.files_count,
            problems=summary.problems_count,
            unread_files=sum(scan.extraction.unread_sources.values()),
        ),
        changes=stored.changes.summary(),
        extraction=extraction_stats_to_dict(scan.extraction),
        fetch=None if scan.fetch is None else fetch_stats_to_dict(scan.fetch),
        # the primary package's slug, as the counts and changes
        module_slug=summary.module_slug if stored.packages is not None else None,
        packages=stored.packages,
        removed_packages=stored.removed,
    )


def _previous(uow: UnitOfWork, key: SnapshotKey) -> tuple[Descriptor | None, str | None]:
    stored = uow.snapshots.list_snapshots(key.module_slug, key.branch_name, key.release_tag, scope=key.scope, limit=1)
    if not stored:
        return None, None
    try:
        return uow.snapshots.load_snapshot(key), stored[0].commit_sha
    except SnapshotNotFound:
        return None, None


def _changes_since_previous(uow: UnitOfWork, key: SnapshotKey, descriptor: Descriptor) -> FunctionChanges:
    """What changed since the snapshot stored under the key, read before it is replaced."""
    previous, previous_commit = _previous(uow, key)
    return diff_snapshots(previous, descriptor, previous_commit=previous_commit)


def _store_module(uow: UnitOfWork, scan: ScanResult) -> _Stored:
    changes = _changes_since_previous(uow, scan.key, scan.descriptor)
    summary = uow.snapshots.store_snapshot(scan.key, scan.descriptor, scan.source, scanned_at=scan.scanned_at)
    return _Stored(summary, changes)


def _store_packages(uow: UnitOfWork, scan: ScanResult) -> _Stored:
    """Every package's snapshot of the scanned commit, in the caller's unit of work (one transaction), and
    the packages gone from the tree marked. The primary package (the job's top-level figures, as for one
    module) is the one with the registration's slug, else the root one, else the first. StaleSnapshot when
    every package is stale."""
    split = split_by_package(scan, tag=scan.key.release_tag if scan.ref_kind == "tag" else None, root_keeps_slug=True)
    info = {p.name: p for p in scan.descriptor.packages}
    outcomes: list[PackageOutcome] = []
    package_changes: list[FunctionChanges | None] = []
    primary, newest = None, None
    for result in split.results:
        package = info[result.source.name]
        changes = _changes_since_previous(uow, result.key, result.descriptor)
        outcome = PackageOutcome(
            module_slug=result.key.module_slug,
            name=package.name,
            version=package.version,
            path=package.path,
            private=package.private,
            release_tag=result.key.release_tag,
            outcome=ResultOutcome.STALE,
        )
        try:
            summary = uow.snapshots.store_snapshot(
                result.key, result.descriptor, result.source, scanned_at=result.scanned_at, package_of=split.package_of
            )
        except StaleSnapshot as stale:
            outcomes.append(outcome)
            package_changes.append(None)
            newest = newest or stale
            continue
        outcomes.append(
            outcome.stored(summary.snapshot_id, functions=summary.functions_count, changes=changes.summary())
        )
        package_changes.append(changes)
        rank = (result.key.module_slug != scan.key.module_slug, package.path != "")
        if primary is None or rank < primary[0]:
            primary = (rank, summary, changes)
    if primary is None:
        raise newest or StaleSnapshot(f"no package of {scan.key.module_slug} was stored", stored=None)
    removed = tuple(s.module_slug for s in mark_gone_packages(uow, split))
    return _Stored(primary[1], primary[2], tuple(outcomes), tuple(package_changes), removed)


def _what_changed(changes: FunctionChanges) -> str:
    if changes.first_snapshot:
        return "first snapshot"
    return f"+{len(changes.added)} -{len(changes.removed)} ~{len(changes.changed)}"


def _activity_lines(scan: ScanResult, stored: _Stored) -> list[str]:
    """The timeline of a stored commit: one line for one module; for a tree with packages, one per package
    that changed (or is new) and one per package gone."""
    at = f"{scan.key.branch_name} {scan.key.release_tag} at {(stored.summary.commit_sha or '')[:12]}"
    if stored.packages is None:
        summary = stored.summary
        return [
            f"stored {scan.key.module_slug} {at}: {summary.functions_count} functions ({_what_changed(stored.changes)})"
        ]
    lines = [
        f"stored package {package.name} {at}: {package.functions} functions ({_what_changed(changes)})"
        for package, changes in zip(stored.packages, stored.package_changes, strict=True)
        if changes is not None and (changes.first_snapshot or changes.added or changes.removed or changes.changed)
    ]
    lines += [f"package {slug} is gone from the tree {at}: marked removed" for slug in stored.removed]
    return lines or [f"stored {len(stored.packages)} packages {at}: no function changed"]
