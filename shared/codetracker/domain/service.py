"""Domain values of the service: apps, repository registrations, activities, webhook deliveries, and the
messages a job sends to the queues (the job itself and its lifecycle: domain/job.py).

Tenant isolation is a property of these values, not of a filter: a registration owns its snapshots through its
scope (`registration_scope`), so two apps registering the same URL, or two repositories whose names slugify
alike, never share a snapshot key. Secrets are held here only in the form they are stored in (a sha256 of an
app token, ciphertexts); repr() never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The job and its lifecycle live in domain/job.py; named here too, where they have always been imported from.
from codetracker.domain.job import Job as Job
from codetracker.domain.job import JobStatus as JobStatus
from codetracker.domain.job import JobTrigger as JobTrigger
from codetracker.domain.job import StageTimes as StageTimes
from codetracker.domain.scan import ScanResult
from codetracker.domain.watch import DEFAULT_TAG_PATTERNS, Watch


class RepositoryStatus(StrEnum):
    PENDING_SNAPSHOT = "pending_snapshot"
    SCANNING = "scanning"
    SYNCED = "synced"
    FAILED = "failed"


class ActivityType(StrEnum):
    REPOSITORY_REGISTERED = "repository_registered"
    SCAN_REQUESTED = "scan_requested"
    WEBHOOK_RECEIVED = "webhook_received"
    SCAN_STARTED = "scan_started"
    SCAN_COMPLETED = "scan_completed"
    SCAN_FAILED = "scan_failed"
    SNAPSHOT_STORED = "snapshot_stored"
    NOTIFICATION_DELIVERED = "notification_delivered"
    NOTIFICATION_FAILED = "notification_failed"
    REPOSITORY_DELETED = "repository_deleted"


class ActivityStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    IGNORED = "ignored"  # recorded, nothing done (a deleted branch, a push of an already scanned commit)


SCOPE_PREFIX = "repository:"


def registration_scope(registration_id: str) -> str:
    """The owner scope of a registration's snapshots: every snapshot it stores lives under this scope, and
    every read of its snapshots goes through it."""
    return f"{SCOPE_PREFIX}{registration_id}"


def registration_of_scope(scope: str) -> str | None:
    """The registration id a scope belongs to; None for the CLI's scope (or any other)."""
    return scope[len(SCOPE_PREFIX) :] if scope.startswith(SCOPE_PREFIX) else None


@dataclass(frozen=True, slots=True)
class App:
    id: str
    name: str
    token_sha256: bytes = field(repr=False)  # sha256 of the bearer token; the token itself is never stored
    signing_secret_encrypted: bytes = field(repr=False)  # the `whsec_` secret, encrypted (see ports.TokenCipher)
    callback_url: str | None
    created_at: datetime
    # What a rotation replaced, accepted (token) or also signed with (secret) until its moment passes.
    previous_token_sha256: bytes | None = field(default=None, repr=False)
    previous_token_expires_at: datetime | None = None
    previous_signing_secret_encrypted: bytes | None = field(default=None, repr=False)
    previous_signing_secret_expires_at: datetime | None = None

    def signing_secrets_encrypted(self, now: datetime) -> tuple[bytes, ...]:
        """The ciphertexts of the secrets a notification is signed with now: the current one, and the one it
        replaced while its grace lasts (Standard Webhooks: one signature each)."""
        previous = _within_grace(self.previous_signing_secret_encrypted, self.previous_signing_secret_expires_at, now)
        return (self.signing_secret_encrypted, *previous)


def _within_grace(value: bytes | None, expires_at: datetime | None, now: datetime) -> tuple[bytes, ...]:
    return (value,) if value is not None and expires_at is not None and now < expires_at else ()


@dataclass(frozen=True, slots=True)
class Registration:
    """One app's registration of one repository (the `repositories` table)."""

    id: str
    app_id: str
    url: str  # normalised (domain/urls.py): the identity used for uniqueness and webhook matching
    display_url: str  # as given, without credentials
    module_slug: str
    default_branch: str | None
    watched_branch: str | None  # None: follow the repository's default branch
    callback_url: str | None
    access_token_encrypted: bytes | None = field(repr=False)
    status: RepositoryStatus
    last_error: str | None
    last_scanned_commit: str | None
    last_scanned_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    # Besides its branch: the branches and tags it watches (domain/watch.py).
    branch_patterns: tuple[str, ...] = ()
    tag_patterns: tuple[str, ...] = DEFAULT_TAG_PATTERNS
    # The packages of its tree it tracks, by package.json name (empty: every package).
    packages: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()  # gitignore syntax, applied like the tree's .codetrackerignore
    # The secret of its own GitHub webhook URL (None: made before there were any; rotating creates one), and
    # the one a rotation replaced, still accepted until its moment passes.
    webhook_secret_encrypted: bytes | None = field(default=None, repr=False)
    previous_webhook_secret_encrypted: bytes | None = field(default=None, repr=False)
    previous_webhook_secret_expires_at: datetime | None = None

    def webhook_secrets_encrypted(self, now: datetime) -> tuple[bytes, ...]:
        """The ciphertexts of the secrets a delivery to its URL may be signed with now."""
        current = () if self.webhook_secret_encrypted is None else (self.webhook_secret_encrypted,)
        previous = _within_grace(self.previous_webhook_secret_encrypted, self.previous_webhook_secret_expires_at, now)
        return (*current, *previous)

    @property
    def scope(self) -> str:
        return registration_scope(self.id)

    def watch(self, default_branch: str | None = None) -> Watch:
        """What it watches; `default_branch`: the remote's, when known better than the stored one."""
        return Watch(
            self.watched_branch or default_branch or self.default_branch, self.branch_patterns, self.tag_patterns
        )

    @property
    def effective_branch(self) -> str | None:
        """The branch a push must be to for a scan: the watched one, else the default branch once known."""
        return self.watched_branch or self.default_branch

    @property
    def has_access_token(self) -> bool:
        return self.access_token_encrypted is not None


@dataclass(frozen=True, slots=True)
class Activity:
    repository_id: str
    app_id: str
    action_type: ActivityType
    status: ActivityStatus
    created_at: datetime
    details: str | None = None
    job_id: str | None = None
    id: int | None = None  # given by the store


DEPLOYMENT_HOOK = "deployment"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    delivery_id: str  # GitHub's X-GitHub-Delivery
    event: str
    received_at: datetime
    outcome: str
    # The hook it came to: DEPLOYMENT_HOOK (POST /webhooks/github) or a registration's scope (its own URL).
    # A delivery id is claimed per hook.
    hook: str = DEPLOYMENT_HOOK


@dataclass(frozen=True, slots=True)
class ScanRequested:
    """What the api sends to the scan queue for one job (contracts/scan_requested.py: the `scan.requested` message).

    It names the job and everything the scanner needs to fetch and key the snapshot, except the access token:
    the scanner reads the registration's encrypted token from the store itself, so no secret travels on a
    queue."""

    job_id: str
    repository_id: str
    url: str
    ref: str
    scope: str
    module_slug: str
    fallback_branch: str  # the watched branch: names the branch of a tag/commit scan when the remote has none
    trigger: JobTrigger
    requested_at: datetime
    branch_name: str | None = None
    release_tag: str | None = None


@dataclass(frozen=True, slots=True)
class PersistRequested:
    """What the scanner sends to the persist queue (contracts/persist_requested.py): the scan's result,
    whole (descriptor included), with the job it belongs to. Large ones travel by claim check (S3)."""

    job_id: str
    repository_id: str
    scan_started_at: datetime
    scan_ended_at: datetime
    result: ScanResult


class NotificationType(StrEnum):
    SNAPSHOT_STORED = "snapshot.stored"
    SCAN_FAILED = "scan.failed"


@dataclass(frozen=True, slots=True)
class NotifyRequested:
    """What the persister (or the scanner, for a failed scan) sends to the notify queue (`notify.requested`).

    `event` is the webhook body, fixed when the message is made, so every attempt (and a redriven copy) sends
    the same bytes under the same `notification_id` (the webhook-id); only webhook-timestamp changes. The
    callback URL and the signing secret are read when sending: a changed callback URL is used by a redrive."""

    notification_id: str
    job_id: str
    repository_id: str
    event: dict


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A queue message written in the transaction of the job it names (the transactional outbox): the relay
    sends it after that commit, at least once, and marks it sent. `id` is the store's (None before `add`)."""

    job_id: str
    queue: str  # "scan"
    body: str  # the message as sent
    created_at: datetime
    id: int | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
