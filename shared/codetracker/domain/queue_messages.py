"""The messages a job sends to the queues (their wire formats: contracts/), and the outbox that holds them
until they are sent. Named `…Requested` after their message type (`scan.requested`); a use case's input is a
`…Request` (usecases/scan_requests.py, usecases/app_requests.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from codetracker.domain.job import JobTrigger
from codetracker.domain.scan import ScanResult


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
    event: dict[str, Any]


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
