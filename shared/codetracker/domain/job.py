"""A job's life: its states, the moves between them, and the result it keeps.

Every change of a job goes through one of the transitions below; each checks that the move is legal from the
job's state (LEGAL_FROM) and raises IllegalJobTransition otherwise: a use case that meets a duplicate message
checks the state first and does nothing; the error is for the move no message should cause. The moves are
drawn in docs/architecture.md ("A job's life"; a unit test keeps the drawing and these tables equal).
"""

from __future__ import annotations

from typing import Any

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from codetracker.domain.job_result import JobResult, StageDurations, StaleResult, StoredResult
from codetracker.domain.model import SnapshotKey


class JobTrigger(StrEnum):
    API = "api"
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    REDRIVE = "redrive"


class JobStatus(StrEnum):
    QUEUED = "queued"
    SCANNING = "scanning"
    PERSISTING = "persisting"
    NOTIFYING = "notifying"
    DONE = "done"
    FAILED = "failed"


class JobStage(StrEnum):
    """The stage a failure happened in (its times are closed on the job)."""

    SCAN = "scan"
    PERSIST = "persist"


class IllegalJobTransition(ValueError):
    """A move the job's state does not allow (a bug or an unforeseen race, never a client's input)."""

    def __init__(self, job: Job, transition: str) -> None:
        super().__init__(f"job {job.id}: {transition} is not allowed from {job.status}")
        self.job_id = job.id
        self.status = job.status
        self.transition = transition


# Where each transition may start. The one table the transitions, their tests and the architecture doc follow.
ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.SCANNING, JobStatus.PERSISTING})
UNFINISHED = ACTIVE | {JobStatus.NOTIFYING}
NOTIFICATION_STATES = frozenset({JobStatus.NOTIFYING, JobStatus.DONE, JobStatus.FAILED})
LEGAL_FROM: Mapping[str, frozenset[JobStatus]] = {
    # persisting: a redelivered scan message (its persist message was not sent) scans again.
    "start_scan": ACTIVE,
    # persisting: two deliveries of one scan message scanned at once; the persister keeps the first.
    "scanned": frozenset({JobStatus.SCANNING, JobStatus.PERSISTING}),
    # scanning: a redelivered scan message restarted the job after its persist message went out.
    "persisted": frozenset({JobStatus.SCANNING, JobStatus.PERSISTING}),
    "superseded": frozenset({JobStatus.SCANNING, JobStatus.PERSISTING}),
    "fail": UNFINISHED,
    "note_retry": UNFINISHED,
    "notification_sent": NOTIFICATION_STATES,
    "notification_attempted": NOTIFICATION_STATES,
    "notified": NOTIFICATION_STATES,
    "notification_failed": NOTIFICATION_STATES,
    "notification_dropped": NOTIFICATION_STATES,
}
# The statuses each transition may lead to; None: the status it had stays.
LEADS_TO: Mapping[str, tuple[JobStatus | None, ...]] = {
    "start_scan": (JobStatus.SCANNING,),
    "scanned": (JobStatus.PERSISTING,),
    "persisted": (JobStatus.NOTIFYING, JobStatus.DONE),
    "superseded": (JobStatus.DONE,),
    "fail": (JobStatus.FAILED,),
    "note_retry": (None,),
    "notification_sent": (None,),
    "notification_attempted": (None,),
    "notified": (JobStatus.DONE, None),  # a job whose scan failed stays failed
    "notification_failed": (JobStatus.FAILED,),
    "notification_dropped": (JobStatus.DONE, None),  # from notifying; done and failed stay
}
DELIVERY_ERROR_PREFIX = "delivery"  # the error codes of a failed notification (errors.Delivery*)
MESSAGE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class StageTimes:
    started_at: datetime | None = None
    ended_at: datetime | None = None

    def begun(self, now: datetime) -> StageTimes:
        return StageTimes(self.started_at or now, self.ended_at)

    def closed(self, now: datetime) -> StageTimes:
        return StageTimes(self.started_at or now, now)


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 3)


# --- the job --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    repository_id: str
    trigger: JobTrigger
    ref: str
    status: JobStatus
    created_at: datetime
    updated_at: datetime
    commit_sha: str | None = None  # the resolved commit (set by the scanner)
    # The snapshot key the job writes; branch/tag known up front for branch and tag refs, else by the scanner.
    module_slug: str | None = None
    branch_name: str | None = None
    release_tag: str | None = None
    scan: StageTimes = StageTimes()
    persist: StageTimes = StageTimes()
    notify: StageTimes = StageTimes()
    result: JobResult | None = None
    error_code: str | None = None
    error_message: str | None = None
    # The last log lines of the job's processing, kept when it fails (GET /jobs/{id} returns them).
    log_tail: tuple[str, ...] = ()
    # Its notification (one per job): the webhook-id, when the persist/notify message was sent, how many
    # attempts were made, when it was delivered. Delivery is recorded once: a duplicate message sends nothing.
    notification_id: str | None = None
    notification_queued_at: datetime | None = None
    notification_attempts: int = 0
    notification_delivered_at: datetime | None = None

    @classmethod
    def queued(
        cls,
        job_id: str,
        repository_id: str,
        trigger: JobTrigger,
        ref: str,
        now: datetime,
        *,
        module_slug: str | None,
        branch_name: str | None,
        release_tag: str | None,
    ) -> Job:
        """A new job, where every job starts (its scan message goes out with it: the outbox)."""
        return cls(
            job_id,
            repository_id,
            trigger,
            ref,
            JobStatus.QUEUED,
            now,
            now,
            module_slug=module_slug,
            branch_name=branch_name,
            release_tag=release_tag,
        )

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def past_scanning(self) -> bool:
        """A scan message for it is a duplicate (`persisting` is not: its persist message may not be sent)."""
        return self.status not in LEGAL_FROM["start_scan"]

    @property
    def persisted_already(self) -> bool:
        """A persist message for it is a duplicate."""
        return self.status not in LEGAL_FROM["persisted"] or self.persist.ended_at is not None

    @property
    def failed_by_notification(self) -> bool:
        return self.status == JobStatus.FAILED and (self.error_code or "").startswith(DELIVERY_ERROR_PREFIX)

    @property
    def notification_unsent(self) -> bool:
        """Its notification was decided and its message not sent yet."""
        return self.notification_id is not None and self.notification_queued_at is None

    def _check(self, transition: str) -> None:
        if self.status not in LEGAL_FROM[transition]:
            raise IllegalJobTransition(self, transition)

    # --- scanner ---

    def start_scan(self, now: datetime) -> Job:
        self._check("start_scan")
        return replace(self, status=JobStatus.SCANNING, updated_at=now, scan=self.scan.begun(now))

    def scanned(self, now: datetime, *, commit_sha: str | None, key: SnapshotKey) -> Job:
        """The scan's result is about to go to the persist queue."""
        self._check("scanned")
        return replace(
            self._keyed(key),
            status=JobStatus.PERSISTING,
            updated_at=now,
            commit_sha=commit_sha,
            scan=self.scan.closed(now),
            error_code=None,
            error_message=None,
        )

    # --- persister ---

    def persisted(
        self,
        now: datetime,
        *,
        key: SnapshotKey,
        scan: StageTimes,
        result: StoredResult,
        notification_id: str | None,
    ) -> Job:
        """Its snapshot stored: `notifying` when a notification is to be sent (its webhook-id), else `done`.
        `scan`: the scan's times as the persist message tells them, where the job has none; the result's
        durations are the job's."""
        self._check("persisted")
        scan_times, persist_times = self.scan_times(scan), self.persist.closed(now)
        durations = StageDurations(
            queued=seconds_between(self.created_at, scan_times.started_at),
            scan=seconds_between(scan_times.started_at, scan_times.ended_at),
            persist=seconds_between(persist_times.started_at, persist_times.ended_at),
        )
        return replace(
            self._keyed(key),
            status=JobStatus.NOTIFYING if notification_id else JobStatus.DONE,
            updated_at=now,
            commit_sha=result.commit_sha,
            scan=scan_times,
            persist=persist_times,
            result=replace(result, durations=durations),
            error_code=None,
            error_message=None,
            log_tail=(),
            notification_id=notification_id,
        )

    def superseded(self, now: datetime, *, key: SnapshotKey, scan: StageTimes, result: StaleResult) -> Job:
        """An older scan than the stored snapshot: `done`, nothing replaced."""
        self._check("superseded")
        return replace(
            self._keyed(key),
            status=JobStatus.DONE,
            updated_at=now,
            commit_sha=result.commit_sha,
            scan=self.scan_times(scan),
            persist=self.persist.closed(now),
            result=result,
        )

    def _keyed(self, key: SnapshotKey) -> Job:
        """Writing the snapshot key its scan resolved (a tag or commit scan learns its branch from the scan)."""
        return replace(self, module_slug=key.module_slug, branch_name=key.branch_name, release_tag=key.release_tag)

    def scan_times(self, told: StageTimes) -> StageTimes:
        """The scan's times: the job's own, else those a persist message tells."""
        return StageTimes(self.scan.started_at or told.started_at, self.scan.ended_at or told.ended_at)

    # --- any stage ---

    def fail(
        self,
        now: datetime,
        *,
        code: str,
        message: str,
        stage: JobStage | None = None,
        log_tail: tuple[str, ...] | None = None,
        commit_sha: str | None = None,
        notification_id: str | None = None,
    ) -> Job:
        """A permanent failure: `failed` with its reason; `stage`: the one whose times it closes;
        `notification_id`: when a scan.failed notification is to be sent."""
        self._check("fail")
        stages: dict[str, Any] = {}  # replace() takes each stage by its field's name
        if stage is not None:
            stages[stage.value] = getattr(self, stage.value).closed(now)
        return replace(
            self,
            status=JobStatus.FAILED,
            updated_at=now,
            commit_sha=commit_sha or self.commit_sha,
            error_code=code,
            error_message=message[:MESSAGE_LIMIT],
            log_tail=self.log_tail if log_tail is None else log_tail,
            notification_id=notification_id or self.notification_id,
            **stages,
        )

    def note_retry(self, now: datetime, *, code: str, message: str, log_tail: tuple[str, ...] | None) -> Job:
        """A retryable failure's reason, written on the job; its status stays."""
        self._check("note_retry")
        return replace(
            self,
            updated_at=now,
            error_code=code,
            error_message=message[:MESSAGE_LIMIT],
            log_tail=self.log_tail if log_tail is None else log_tail,
        )

    # --- notification ---

    def notification_sent(self, now: datetime) -> Job:
        """Its notify message went out (recorded once)."""
        self._check("notification_sent")
        if not self.notification_unsent:
            raise IllegalJobTransition(self, "notification_sent (no unsent notification)")
        return replace(self, notification_queued_at=now)

    def _check_notification(self, transition: str) -> None:
        self._check(transition)
        if self.notification_delivered_at is not None:
            raise IllegalJobTransition(self, f"{transition} (its notification was delivered)")

    def notification_attempted(self, now: datetime, *, attempt: int) -> Job:
        """An attempt failed and is retried; its status stays."""
        self._check_notification("notification_attempted")
        return replace(self, notification_attempts=attempt, updated_at=now, notify=self.notify.begun(now))

    def notified(self, now: datetime, *, attempt: int) -> Job:
        """Delivered: `done`; a job failed only by its notification too (its reason cleared); a job whose scan
        failed stays `failed` (its scan.failed event is what was delivered)."""
        self._check_notification("notified")
        redeemed = self.failed_by_notification
        done = self.status == JobStatus.NOTIFYING or redeemed
        return replace(
            self,
            notify=self.notify.closed(now),
            notification_delivered_at=now,
            notification_attempts=attempt,
            updated_at=now,
            status=JobStatus.DONE if done else self.status,
            error_code=None if redeemed else self.error_code,
            error_message=None if redeemed else self.error_message,
        )

    def notification_failed(
        self, now: datetime, *, attempt: int, code: str, message: str, log_tail: tuple[str, ...] | None
    ) -> Job:
        """Failed for good (a permanent answer, or the last attempt): `failed`; a job whose scan failed keeps
        that reason (its scan.failed event is what could not be delivered)."""
        self._check_notification("notification_failed")
        keeps_reason = self.status == JobStatus.FAILED and not self.failed_by_notification
        return replace(
            self,
            notify=self.notify.closed(now),
            notification_attempts=attempt,
            updated_at=now,
            status=JobStatus.FAILED,
            error_code=self.error_code if keeps_reason else code,
            error_message=self.error_message if keeps_reason else message[:MESSAGE_LIMIT],
            log_tail=self.log_tail if keeps_reason or log_tail is None else log_tail,
        )

    def notification_dropped(self, now: datetime) -> Job:
        """Nothing to send any more (no callback URL): a notifying job is `done`."""
        self._check_notification("notification_dropped")
        return replace(
            self, updated_at=now, status=JobStatus.DONE if self.status == JobStatus.NOTIFYING else self.status
        )
