"""Reconciliation (a schedule, default every 15 minutes): webhooks get lost (GitHub does not retry a failed
delivery; a push of more than three tags sends no tag events), so every watched repository's refs are listed
without fetching any object (ls-remote), and a scan is queued for each ref whose commit differs from the
snapshot stored under that ref's key.

- First, the scan messages left in the outbox are sent (usecases/outbox.py), and jobs left active past
  `abandon_after_s` are failed (`scan_abandoned`, usecases/abandoned.py), so their refs are queued again.
- Remotes are listed `concurrency` at a time, each under the git timeouts and its own deadline
  (`listing_timeout_s`): one slow or dead remote holds one worker until its deadline, never the others.
- The whole run stops waiting when the function's time is nearly up; what was not listed is next run's.
- Watched refs are the registration's (domain/watch.py): its branch, the branches and tags its patterns match.
  Snapshots of refs the remote no longer has are marked removed from it (a lost `delete` webhook).
- A ref with a scan already under way (queued, scanning, persisting) gets none; a repository gets at most
  `max_scans` per run (its branch first, its other branches, then tags newest release first by semver
  precedence): the backfill of a repository with hundreds of never-scanned tags is spread over runs at a
  bounded rate, and its current release comes with the first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from codetracker.domain.semver import newest_first
from codetracker.domain.job import JobTrigger
from codetracker.domain.registry import Registration
from codetracker.domain.snapshot_keys import FALLBACK_BRANCH, HEAD_TAG, ResolvedRef, snapshot_key_for_ref
from codetracker.errors import CodetrackerError
from codetracker.observability import job_scope
from codetracker.ports.clock import Clock
from codetracker.ports.git import FetchLimits, RefLister, RemoteRefs, RepositoryAccess
from codetracker.ports.metrics import Metrics
from codetracker.ports.queues import ScanQueue
from codetracker.ports.secrets import TokenCipher
from codetracker.ports.unit_of_work import UnitOfWorkFactory
from codetracker.ports.snapshot_store import SnapshotSelection
from codetracker.usecases.jobs import ScanToQueue, queue_scan
from codetracker.usecases.outbox import relay_outbox, send_queued
from codetracker.usecases.registry import registration_credentials
from codetracker.usecases.url_policy import REPOSITORY, UrlPolicy
from codetracker.usecases.watching import active_scan, gone_from_remote, mark_ref_removed, of_registration

if TYPE_CHECKING:
    from codetracker.usecases.pipeline import PipelinePorts

logger = logging.getLogger("codetracker.reconcile")
PAGE = 200


@dataclass
class ReconcileReport:
    repositories: int = 0
    listed: int = 0
    failed: int = 0
    unfinished: int = 0  # not listed before the run's deadline
    scans_queued: int = 0
    already_active: int = 0
    capped: int = 0  # refs left for a later run by max_scans
    relayed: int = 0  # leftover scan messages sent from the outbox
    abandoned: int = 0  # jobs failed with scan_abandoned
    marked_removed: int = 0  # snapshots of refs the remote no longer has, marked (usecases/watching.py)
    failures: dict[str, int] = field(default_factory=dict)  # error code → repositories

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def wanted_refs(
    registration: Registration, remote: RemoteRefs, stored: dict[tuple[str, str], str | None]
) -> list[tuple[str, str, str | None]]:
    """(ref, remote commit, stored commit) of every watched ref whose commit differs from its snapshot's: the
    registration's branch, its other watched branches by name, then its watched tags newest release first
    (domain/semver.py). `stored`: (branch, tag) → commit of the registration's snapshots."""
    watch = registration.watch(remote.default_branch)
    branch = watch.branch or FALLBACK_BRANCH
    found: list[tuple[str, str, str | None]] = []
    others = sorted(name for name in remote.branches if name != branch and watch.watches_branch(name))
    for name in [branch, *others]:
        tip = remote.branches.get(name)
        if tip is None:
            continue
        have = stored.get((name, HEAD_TAG))
        if (have or "").lower() != tip.lower():
            found.append((f"refs/heads/{name}", tip, have))
    for name in newest_first([t for t in remote.tags if watch.watches_tag(t)]):
        sha = remote.tags[name]
        key = snapshot_key_for_ref(
            ResolvedRef("tag", name, sha, remote.default_branch),
            module_slug=registration.module_slug,
            scope=registration.scope,
            fallback_branch=branch,
        )
        have = stored.get((key.branch_name, key.release_tag))
        if (have or "").lower() != sha.lower():
            found.append((f"refs/tags/{name}", sha, have))
    return found


@dataclass(frozen=True)
class ReconcileRequest:
    """One reconciler run: listing limits and parallelism, how many scans one repository may get, the
    function's time (None: no deadline) less a reserve, and how old an unmoved job is abandoned (None: none)."""

    limits: FetchLimits = FetchLimits()
    concurrency: int = 8
    max_scans: int = 10
    listing_timeout_s: float = 30.0
    time_left: Callable[[], float] | None = None
    reserve_s: float = 10.0
    abandon_after_s: float | None = None


@dataclass(frozen=True)
class ReconcilePorts:
    """The reconciler's collaborators, built by wiring (or a test); `pipeline` fails abandoned jobs (None: not)."""

    unit_of_work: UnitOfWorkFactory
    ref_lister: RefLister
    scan_queue: ScanQueue
    cipher: TokenCipher
    url_policy: UrlPolicy
    clock: Clock
    metrics: Metrics
    pipeline: PipelinePorts | None = None


def reconcile(request: ReconcileRequest, ports: ReconcilePorts) -> ReconcileReport:
    unit_of_work, scan_queue, clock, metrics = ports.unit_of_work, ports.scan_queue, ports.clock, ports.metrics
    url_policy, time_left, max_scans = ports.url_policy, request.time_left, request.max_scans
    report = ReconcileReport()
    report.relayed = relay_outbox(unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics).sent
    if ports.pipeline is not None and request.abandon_after_s is not None:
        from codetracker.usecases.abandoned import fail_abandoned_jobs

        report.abandoned = fail_abandoned_jobs(ports=ports.pipeline, older_than_s=request.abandon_after_s)
    limits = replace(request.limits, total_timeout=min(request.limits.total_timeout, request.listing_timeout_s))
    deadline = time.monotonic() + (time_left() - request.reserve_s) if time_left is not None else None
    registrations: list[Registration] = []
    after: str | None = None
    while True:
        with unit_of_work(read_only=True) as uow:
            page = uow.registrations.list_live(limit=PAGE, after=after)
        registrations += page
        if len(page) < PAGE:
            break
        after = page[-1].id
    report.repositories = len(registrations)

    address_policy = url_policy.address_policy()

    def listing(registration: Registration, credentials: object) -> RemoteRefs:
        url = registration.display_url or registration.url
        url_policy.check(url, kind=REPOSITORY, field="url")
        return ports.ref_lister.list_refs(
            RepositoryAccess(
                url,
                credentials=credentials,  # type: ignore[arg-type]
                limits=limits,
                address_policy=address_policy,
            )
        )

    pool = ThreadPoolExecutor(max_workers=max(1, request.concurrency), thread_name_prefix="reconcile")
    # Tokens are decrypted here, in one thread; only the listings run in the pool.
    pending: dict[Future[RemoteRefs], Registration] = {
        pool.submit(listing, r, registration_credentials(r, cipher=ports.cipher)): r for r in registrations
    }
    try:
        while pending:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:
                break  # the run's time is up: what is still being listed is next run's
            for future in done:
                registration = pending.pop(future)
                try:
                    remote = future.result()
                except Exception as error:  # noqa: BLE001 - one repository's failure is not the run's
                    code = error.code if isinstance(error, CodetrackerError) else "unexpected"
                    report.failed += 1
                    report.failures[code] = report.failures.get(code, 0) + 1
                    logger.warning(
                        "refs not listed",
                        extra={"repository_id": registration.id, "code": code, "reason": str(error)[:300]},
                    )
                    metrics.count("ReconcileListFailures", dimensions={"reason": code})
                    continue
                report.listed += 1
                _queue_changed(
                    registration,
                    remote,
                    report,
                    unit_of_work=unit_of_work,
                    scan_queue=scan_queue,
                    clock=clock,
                    metrics=metrics,
                    max_scans=max_scans,
                )
    finally:
        report.unfinished = len(pending)
        pool.shutdown(wait=False, cancel_futures=True)
    if report.unfinished:
        logger.warning("reconcile stopped before every remote answered", extra={"unfinished": report.unfinished})
    metrics.count("ReconcileScansQueued", report.scans_queued)
    logger.info("reconciled", extra=report.as_dict())
    return report


def _queue_changed(
    registration: Registration,
    remote: RemoteRefs,
    report: ReconcileReport,
    *,
    unit_of_work: UnitOfWorkFactory,
    scan_queue: ScanQueue,
    clock: Clock,
    metrics: Metrics,
    max_scans: int,
) -> None:
    with unit_of_work() as uow:
        snapshots = uow.snapshots.list_snapshots(SnapshotSelection(scope=registration.scope))
        # A tree scanned package by package: its packages' commit, not the whole-tree module stored before.
        ours = sorted(
            (s for s in snapshots if of_registration(registration, s)), key=lambda s: s.package_of is not None
        )
        stored = {(s.branch_name, s.release_tag): s.commit_sha for s in ours}
        wanted = wanted_refs(registration, remote, stored)
        for kind, name in gone_from_remote(registration, remote, snapshots):
            report.marked_removed += mark_ref_removed(uow, registration, kind, name, clock=clock)
        branch = registration.watch(remote.default_branch).branch or FALLBACK_BRANCH
        queued: list[str] = []
        for ref, commit, have in wanted:
            if len(queued) >= max_scans:
                report.capped += 1
                continue
            active = active_scan(uow, registration, ref, branch=branch)
            if active is not None:
                report.already_active += 1
                continue
            details = f"reconcile: {ref} is at {commit[:12]}, the stored snapshot at {(have or 'nothing')[:12]}"
            scan = ScanToQueue(registration, ref, JobTrigger.SCHEDULE, details=f"{details}; scan queued")
            job = queue_scan(uow, scan, clock=clock, metrics=metrics)
            with job_scope(job.id, registration.id):
                logger.info("scan queued by reconcile", extra={"ref": ref, "commit_sha": commit})
            queued.append(job.id)
        uow.commit()
    send_queued(queued, unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics)
    report.scans_queued += len(queued)
