"""The notifier: one notify.requested message → one signed POST to the app's callback URL.

- 2xx: delivered (job `done`, activity `notification_delivered`), recorded once: a duplicate message (or a
  redriven copy of a delivered one) sends nothing.
- 4xx but 408/429, a redirect (never followed), an address the URL policy refuses (checked again now, and by
  the sender when it connects): permanent; job and repository `failed` with the status and a short reason.
- 5xx, 408, 429, timeouts, connection errors: another attempt after a backoff chosen by the error's type
  (`Retry-After` for a throttled or unavailable answer that gives one, else base * 2^(attempt-1), capped),
  by changing the message's visibility; the attempt is the message's receive count. The last attempt
  (max attempts = the queue's maxReceiveCount) fails the job and repository with the last error and makes the
  message visible at once, so SQS moves it to the dead-letter queue. A redriven copy starts at attempt 1,
  with the same webhook-id (in its body) and a fresh webhook-timestamp.

The callback URL and the signing secret are read when sending (a changed callback URL is used by the next
attempt; during a signing-secret rotation's grace each request carries a signature with the new and the old
secret); the body was fixed when the message was made.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from codetracker.contracts.notify_requested import notify_requested_from_json
from codetracker.contracts.webhooks import event_to_bytes
from codetracker.domain.notifications import (
    Verdict,
    backoff_delay,
    classify_status,
    parse_retry_after,
    webhook_headers,
)
from codetracker.domain.queue_messages import NotifyRequested
from codetracker.domain.registry import ActivityStatus, ActivityType, Registration, RepositoryStatus
from codetracker.errors import (
    CodetrackerError,
    DeliveryFailed,
    DeliveryRejected,
    DeliveryRetryable,
    DeliveryServerError,
    DeliveryThrottled,
    InvalidMessage,
    PermanentError,
    error_code,
)
from codetracker.observability import current_job, job_scope
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.notifier import WebhookSender
from codetracker.ports.payloads import PayloadStore
from codetracker.ports.queues import MessageVisibility, QueueRecord
from codetracker.ports.secrets import TokenCipher
from codetracker.ports.unit_of_work import UnitOfWorkFactory
from codetracker.usecases.activity import JobActivity, record_job_activity
from codetracker.usecases.queue_records import RejectedRecord, finish_record, open_record, reject_record
from codetracker.usecases.job_outcomes import callback_url
from codetracker.usecases.registry import app_signing_secrets
from codetracker.usecases.url_policy import CALLBACK, UrlPolicy

logger = logging.getLogger("codetracker.notify")


@dataclass(frozen=True, slots=True)
class NotifierPorts:
    unit_of_work: UnitOfWorkFactory
    sender: WebhookSender
    visibility: MessageVisibility
    cipher: TokenCipher
    url_policy: UrlPolicy
    clock: Clock
    metrics: Metrics
    payloads: PayloadStore | None = None
    max_attempts: int = 5
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 900.0
    log_lines: int = 20


def retry_delay(error: DeliveryRetryable, attempt: int, ports: NotifierPorts) -> int:
    """The backoff, chosen by the error's type: a throttled (429) or unavailable (503) answer may say how long
    to wait; everything else backs off exponentially."""
    asked = error.retry_after_s if isinstance(error, (DeliveryThrottled, DeliveryServerError)) else None
    return backoff_delay(attempt, base_s=ports.backoff_base_s, cap_s=ports.backoff_cap_s, retry_after_s=asked)


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return "?"


def _status_error(status: int, excerpt: str, headers: dict[str, str], now: datetime) -> DeliveryFailed | None:
    verdict = classify_status(status)
    if verdict is Verdict.DELIVERED:
        return None
    reason = excerpt.strip().replace("\n", " ")[:200]
    text = f"the callback answered HTTP {status}" + (f": {reason}" if reason else "")
    if verdict is Verdict.PERMANENT:
        if 300 <= status < 400:
            text = f"the callback answered a redirect (HTTP {status}), which is never followed"
        return DeliveryRejected(text, status=status)
    retry_after = parse_retry_after(headers.get("retry-after"), now=now)
    if status == 429:
        return DeliveryThrottled(text, status=status, retry_after_s=retry_after)
    return DeliveryServerError(text, status=status, retry_after_s=retry_after)


def handle_notify_record(record: QueueRecord, *, ports: NotifierPorts) -> None:
    try:
        opened = open_record(record, ports.payloads)
        message = notify_requested_from_json(opened.body)
    except InvalidMessage as error:
        reject_record(
            RejectedRecord(record, error, "notify"),
            unit_of_work=ports.unit_of_work,
            clock=ports.clock,
            metrics=ports.metrics,
        )
        return
    with job_scope(message.job_id, message.repository_id, lines=ports.log_lines):
        _deliver(message, record, ports)
    finish_record(opened, ports.payloads)


def _deliver(message: NotifyRequested, record: QueueRecord, ports: NotifierPorts) -> None:
    attempt = max(1, record.receive_count)
    with ports.unit_of_work(read_only=True) as uow:
        job = uow.jobs.find(message.job_id)
        registration = uow.registrations.find(message.repository_id)
        app = uow.apps.get(registration.app_id) if registration is not None else None
    if job is None or registration is None or app is None:
        logger.warning("notification dropped: its job or repository is gone")
        ports.metrics.count("NotificationsDropped", dimensions={"reason": "gone"})
        return
    if job.notification_delivered_at is not None:
        logger.info("duplicate notify message: the notification was delivered")
        ports.metrics.count("DuplicateMessages", dimensions={"queue": "notify"})
        return
    if registration.deleted_at is not None:
        logger.info("notification dropped: the repository was deleted")
        ports.metrics.count("NotificationsDropped", dimensions={"reason": "repository_deleted"})
        return
    url = callback_url(registration, app)
    if url is None:
        logger.info("no callback URL any more: nothing to notify")
        _record(ports, job.id, registration, attempt, outcome=None)
        return
    started = ports.clock()
    ports.metrics.count("NotificationAttempts")
    logger.info("notifying", extra={"attempt": attempt, "callback_host": _host(url), "type": message.event["type"]})
    try:
        ports.url_policy.check(url, kind=CALLBACK, field="callback_url")
        body = event_to_bytes(message.event)
        secrets = app_signing_secrets(app, cipher=ports.cipher, now=started)
        headers = webhook_headers(secrets, message.notification_id, int(started.timestamp()), body)
        response = ports.sender.post(url, body, headers)
        failure = _status_error(response.status, response.excerpt, dict(response.headers), ports.clock())
        if failure is not None:
            raise failure
    except PermanentError as error:
        logger.warning(
            "notification failed for good", extra={"code": error.code, "reason": str(error)[:300], "attempt": attempt}
        )
        ports.metrics.count("NotificationsRejected", dimensions={"reason": error.code})
        _record(ports, job.id, registration, attempt, outcome=error, url=url)
        return
    except Exception as error:
        code = error_code(error)
        if attempt >= ports.max_attempts:
            logger.error(
                "last notification attempt failed; the message goes to the dead-letter queue",
                extra={"code": code, "reason": str(error)[:300], "attempt": attempt},
            )
            ports.metrics.count("NotificationsDeadLettered", dimensions={"reason": code})
            final = error if isinstance(error, CodetrackerError) else DeliveryFailed(str(error))
            _record(ports, job.id, registration, attempt, outcome=final, url=url)
            ports.visibility.delay(record.receipt_handle, 0)
            raise
        if isinstance(error, DeliveryRetryable):
            delay = retry_delay(error, attempt, ports)
            ports.visibility.delay(record.receipt_handle, delay)
        else:
            delay = None  # the queue's own visibility timeout
        logger.warning(
            "notification attempt failed; retried",
            extra={"code": code, "reason": str(error)[:300], "attempt": attempt, "delay_s": delay},
        )
        ports.metrics.count("NotificationRetries", dimensions={"reason": code})
        _note_attempt(ports, job.id, attempt)
        raise
    ports.metrics.count("NotificationsDelivered")
    ports.metrics.seconds("NotifyDuration", (ports.clock() - started).total_seconds())
    logger.info("notification delivered", extra={"status": response.status, "attempt": attempt})
    _record(ports, job.id, registration, attempt, outcome=None, status=response.status, url=url, delivered=True)


def _note_attempt(ports: NotifierPorts, job_id: str, attempt: int) -> None:
    try:
        with ports.unit_of_work() as uow:
            job = uow.jobs.lock(job_id)
            if job is not None and job.notification_delivered_at is None:
                uow.jobs.save(job.notification_attempted(ports.clock(), attempt=attempt))
            uow.commit()
    except Exception as err:  # noqa: BLE001 - the delivery's own failure is what the queue must see
        logger.info("attempt not recorded on the job", extra={"error": type(err).__name__})


def _record(
    ports: NotifierPorts,
    job_id: str,
    registration: Registration,
    attempt: int,
    *,
    outcome: CodetrackerError | None,
    url: str | None = None,
    status: int | None = None,
    delivered: bool = False,
) -> None:
    """The end of a notification: delivered, failed for good, or (outcome None, not delivered) nothing to send."""
    now = ports.clock()
    with ports.unit_of_work() as uow:
        job = uow.jobs.lock(job_id)
        current = uow.registrations.find(registration.id) or registration
        if job is None or job.notification_delivered_at is not None:
            return
        if delivered:
            # A job failed only by its notification (its last attempt, then a redrive) is done once delivered.
            redeemed = job.failed_by_notification
            job = job.notified(now, attempt=attempt)
            if redeemed and current.status == RepositoryStatus.FAILED and current.last_scanned_commit == job.commit_sha:
                uow.registrations.update(
                    replace(current, status=RepositoryStatus.SYNCED, last_error=None, updated_at=now)
                )
            record_job_activity(
                uow,
                JobActivity(
                    current,
                    job,
                    ActivityType.NOTIFICATION_DELIVERED,
                    ActivityStatus.OK,
                    f"delivered to {_host(url or '')} (HTTP {status}) at attempt {attempt}",
                    at=now,
                ),
                metrics=ports.metrics,
            )
        elif outcome is not None:
            text = f"notification to {_host(url or '')} failed after {attempt} attempt(s): {outcome}"[:2000]
            log = current_job()
            job = job.notification_failed(
                now, attempt=attempt, code=outcome.code, message=text, log_tail=log.tail() if log is not None else None
            )
            uow.registrations.update(replace(current, status=RepositoryStatus.FAILED, last_error=text, updated_at=now))
            record_job_activity(
                uow,
                JobActivity(
                    current,
                    job,
                    ActivityType.NOTIFICATION_FAILED,
                    ActivityStatus.FAILED,
                    text,
                    at=now,
                ),
                metrics=ports.metrics,
            )
        else:
            job = job.notification_dropped(now)
        uow.jobs.save(job)
        uow.commit()
