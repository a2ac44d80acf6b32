"""Apps, the repositories they register, and what happens to them (activities, webhook deliveries).

Tenant isolation is a property of these values, not of a filter: a registration owns its snapshots through its
scope (`registration_scope`), so two apps registering the same URL, or two repositories whose names slugify
alike, never share a snapshot key. Secrets are held here only in the form they are stored in (a sha256 of an
app token, ciphertexts); repr() never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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
