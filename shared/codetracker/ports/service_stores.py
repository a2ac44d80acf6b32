"""The service's tables (apps, registrations, jobs, outbox, activity, webhook deliveries, retention): stores
of the unit of work.

Every read of tenant data takes the app id: a store cannot be asked for another app's registration, job or
activity without naming that app, so isolation does not depend on each caller remembering a filter."""

from __future__ import annotations

import builtins  # RegistrationStore has a method named list: its later annotations say builtins.list
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from codetracker.domain.job import Job, JobStatus
from codetracker.domain.queue_messages import OutboxMessage
from codetracker.domain.registry import Activity, App, Registration, WebhookDelivery

# A registration's webhook secrets: written by RegistrationStore.set_webhook_secrets only (update keeps them).
WEBHOOK_SECRET_FIELDS = (
    "webhook_secret_encrypted",
    "previous_webhook_secret_encrypted",
    "previous_webhook_secret_expires_at",
)
# What JobStore.add writes and save keeps as stored: every other field of a job is mutable.
JOB_FIXED_FIELDS = ("id", "repository_id", "trigger", "ref", "created_at")


class AppStore(Protocol):
    def add(self, app: App) -> None: ...

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        """The app whose current token has this hash; with `now`, also one whose previous token has it and
        is still in its grace period (expires after now)."""
        ...

    def get(self, app_id: str) -> App | None: ...

    def lock(self, app_id: str) -> App | None:
        """get, and hold the app's row until the unit of work ends (a rotation's read-modify-write)."""
        ...

    def update(self, app: App) -> None:
        """Write the app's name, callback URL and credentials (current and previous)."""
        ...


class RegistrationStore(Protocol):
    def add(self, registration: Registration) -> None:
        """Raise codetracker.errors.Conflict when the app has a live registration of the same URL."""
        ...

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        """A live (not deleted) registration of that app; None for any other."""
        ...

    def by_url(self, app_id: str, url: str) -> Registration | None: ...

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        """Live registrations of the app by (created_at, id)."""
        ...

    def update(self, registration: Registration) -> None:
        """Write every mutable field of a live registration (same id and app) but its webhook secrets: a
        caller holding an older copy must not undo a rotation (set_webhook_secrets writes those)."""
        ...

    def set_webhook_secrets(self, registration: Registration, *, expected: bytes | None) -> bool:
        """Write the webhook secrets (current, previous, its expiry) of a live registration of that app, if
        its stored current secret is still `expected`; False otherwise (gone, or a concurrent rotation won)."""
        ...

    def watching(self, urls: Iterable[str]) -> builtins.list[Registration]:
        """Live registrations of any app whose normalised URL is one of urls (webhook fan-out)."""
        ...

    # The queue consumers act for no app: they find a registration by the id their message names.

    def find(self, registration_id: str) -> Registration | None:
        """The registration with this id, of whatever app, deleted ones included (deleted_at says so)."""
        ...

    def list_live(self, *, limit: int, after: str | None = None) -> builtins.list[Registration]:
        """Live registrations of every app, by id, after the cursor id (the reconciler's walk)."""
        ...


class JobStore(Protocol):
    def add(self, job: Job) -> None: ...

    def get(self, app_id: str, job_id: str) -> Job | None:
        """A job of one of the app's registrations (deleted ones included: history stays readable by id)."""
        ...

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        """Newest first, by (created_at, id) descending."""
        ...

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        """A job of that ref still `queued` (not picked up yet): a new request for it would scan the same."""
        ...

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        """A job of that ref still queued, scanning or persisting (the reconciler queues no second one)."""
        ...

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None: ...

    # The queue consumers act for no app: they read and write the job their message names.

    def find(self, job_id: str) -> Job | None: ...

    def lock(self, job_id: str) -> Job | None:
        """The job, locked until the unit of work ends (a concurrent lock waits): its consumer decides on the
        state it read, and a duplicate delivery waits, then sees the decision."""
        ...

    def save(self, job: Job) -> None:
        """Write every mutable field of the job (status, commit, key, stage times, result, error, log tail,
        notification)."""
        ...

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        """Jobs still queued, scanning or persisting whose last change is older than `before`, oldest first."""
        ...


class OutboxStore(Protocol):
    """Messages committed with their jobs, waiting to be sent (the transactional outbox)."""

    def add(self, message: OutboxMessage) -> OutboxMessage:
        """Record a message in the caller's transaction; returns it with its id."""
        ...

    def claim(
        self, *, at: datetime, until: datetime, limit: int, job_ids: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        """Unsent messages nobody else holds (oldest first; only those of `job_ids` when given), held until
        `until` and counted as an attempt: a concurrent claim skips them, a relay that dies lets them go then."""
        ...

    def mark_sent(self, ids: Sequence[int], *, at: datetime) -> None: ...

    def release(self, message_id: int, *, retry_at: datetime, error: str | None) -> None:
        """A message not sent: claimable again from `retry_at`, with the reason (None: not tried)."""
        ...

    def unsent(self, *, limit: int) -> list[OutboxMessage]:
        """Messages not sent yet, oldest first (claimed or not)."""
        ...


class ActivityStore(Protocol):
    def add(self, activity: Activity) -> None:
        """Record one activity. A failure raises, and leaves the unit of work usable (a savepoint): recording
        an activity never fails the operation it records (usecases/activity.py)."""
        ...

    def list_for_repository(self, repository_id: str, *, limit: int, before: int | None = None) -> list[Activity]:
        """Newest first (by id descending), before the cursor id."""
        ...


class WebhookDeliveryStore(Protocol):
    def claim(self, delivery: WebhookDelivery) -> bool:
        """Mark a delivery id seen at its hook; False when it was already (a redelivery). Inside the unit of
        work: until it commits, a concurrent claim of the same (hook, id) waits, then answers False."""
        ...

    def get(self, delivery_id: str, hook: str = ...) -> WebhookDelivery | None:
        """The delivery seen at that hook (default: the deployment's)."""
        ...


class RetentionStore(Protocol):
    """Deleting old rows in small batches (each call at most `limit` rows), oldest first."""

    def delete_activities(self, *, before: datetime, limit: int) -> int: ...

    def delete_jobs(self, *, before: datetime, limit: int) -> int: ...

    def delete_webhook_deliveries(self, *, before: datetime, limit: int) -> int: ...

    def delete_stale_blobs(self, *, before: datetime, limit: int, readable: str) -> int:
        """parsed_blobs rows cached before `before` whose blob no stored snapshot lists, or which the extractor
        no longer reads: their extractor_version does not start with `readable` (written before a version bump,
        they would otherwise stay as long as a snapshot lists their blob)."""
        ...
