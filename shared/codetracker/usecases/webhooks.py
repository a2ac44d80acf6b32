"""GitHub webhook deliveries: verify, deduplicate, fan out to the registrations of the repository, queue.

Order of work (GitHub gives 10 s; only record and enqueue):
1. the signature over the raw body bytes (missing or wrong: Unauthorized, nothing else happens);
2. what the event asks for (domain/github.py) and which live registrations watch that repository;
3. in one unit of work: claim the delivery id (a redelivery stops here, nothing queued), record the jobs and
   activities, send the scan messages, then commit. The claim becomes visible only with that commit, after
   the messages went out: a crash in between rolls the claim back and GitHub's redelivery retries. A
   concurrent delivery of the same id waits on the claim and then finds it.

A push whose `after` is the commit of the snapshot already stored under its key queues nothing; neither does
a request for a ref with a job still queued (GitHub sends `push`, `create` and `release` for one new tag), nor
one for a ref the registration does not watch (recorded as ignored, with the reason: usecases/watching.py).
A deleted branch or tag marks its snapshots removed from the remote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from codetracker.domain.github import Ignored, Ping, RefDeleted, RefScan, interpret, signature_matches
from codetracker.domain.service import (
    Activity,
    ActivityStatus,
    ActivityType,
    JobTrigger,
    Registration,
    WebhookDelivery,
)
from codetracker.domain.snapshot_keys import HEAD_TAG
from codetracker.domain.urls import github_candidate_urls
from codetracker.errors import InvalidInput, MalformedBody, Unauthorized
from codetracker.ports import Clock, Metrics, ScanQueue, SecretSource, UnitOfWork, UnitOfWorkFactory
from codetracker.usecases.activity import record_activity
from codetracker.usecases.jobs import queue_scan
from codetracker.usecases.watching import ref_deleted, unwatched_reason

WEBHOOK_SECRET = "github_webhook_secret"
MAX_DELIVERY_ID = 200


@dataclass(frozen=True, slots=True)
class GitHubDelivery:
    """One POST /webhooks/github as received: the headers that matter and the exact body bytes."""

    event: str | None
    delivery_id: str | None
    signature: str | None = field(repr=False)
    body: bytes = field(repr=False)
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    outcome: str  # "pong" | "queued" | "ignored" | "duplicate"
    job_ids: tuple[str, ...] = ()
    detail: str | None = None


def _payload(delivery: GitHubDelivery) -> dict:
    body = delivery.body
    content_type = (delivery.content_type or "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise MalformedBody("the form body cannot be read", field="body") from None
        if len(form.get("payload", ())) != 1:
            raise MalformedBody("a form delivery must carry one payload field", field="body")
        text: str | bytes = form["payload"][0]
    else:
        text = body
    try:
        payload = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedBody("the body is not JSON", field="body") from None
    if not isinstance(payload, dict):
        raise MalformedBody("the body is not a JSON object", field="body")
    return payload


def handle_github_delivery(
    delivery: GitHubDelivery,
    *,
    unit_of_work: UnitOfWorkFactory,
    scan_queue: ScanQueue,
    secrets: SecretSource,
    clock: Clock,
    metrics: Metrics,
) -> WebhookOutcome:
    secret = secrets.get(WEBHOOK_SECRET)
    if not signature_matches(secret.encode("utf-8"), delivery.body, delivery.signature):
        metrics.count("WebhookSignatureRejected")
        raise Unauthorized("the webhook signature is missing or does not match")
    event = (delivery.event or "").strip()
    delivery_id = (delivery.delivery_id or "").strip()
    if not event or len(event) > 100 or not event.replace("_", "").isalnum():
        raise InvalidInput("the X-GitHub-Event header is missing or malformed", field="X-GitHub-Event")
    if not delivery_id or len(delivery_id) > MAX_DELIVERY_ID or not delivery_id.isprintable():
        raise InvalidInput("the X-GitHub-Delivery header is missing or malformed", field="X-GitHub-Delivery")
    payload = _payload(delivery)
    intent = interpret(event, payload)
    metrics.count("WebhooksReceived")
    now = clock()

    if isinstance(intent, (Ping, Ignored)):
        outcome = (
            WebhookOutcome("pong") if isinstance(intent, Ping) else WebhookOutcome("ignored", detail=intent.reason)
        )
        with unit_of_work() as uow:
            if not uow.webhook_deliveries.claim(WebhookDelivery(delivery_id, event, now, outcome.outcome)):
                return WebhookOutcome("duplicate")
            uow.commit()
        return outcome

    repository = payload.get("repository")
    urls = github_candidate_urls(repository) if isinstance(repository, dict) else set()
    payload_default = repository.get("default_branch") if isinstance(repository, dict) else None
    with unit_of_work() as uow:
        registrations = uow.registrations.watching(urls)
        label = "queued" if registrations else "ignored"
        if not uow.webhook_deliveries.claim(WebhookDelivery(delivery_id, event, now, label)):
            metrics.count("WebhookDuplicates")
            return WebhookOutcome("duplicate")
        job_ids: list[str] = []
        for registration in registrations:
            job_id = _apply(
                uow,
                registration,
                intent,
                event=event,
                delivery_id=delivery_id,
                payload_default=payload_default if isinstance(payload_default, str) else None,
                scan_queue=scan_queue,
                clock=clock,
                metrics=metrics,
            )
            if job_id is not None:
                job_ids.append(job_id)
        uow.commit()
    if not registrations:
        return WebhookOutcome("ignored", detail="no registration watches this repository")
    return WebhookOutcome("queued" if job_ids else "ignored", tuple(job_ids))


def _apply(
    uow: UnitOfWork,
    registration: Registration,
    intent: RefScan | RefDeleted,
    *,
    event: str,
    delivery_id: str,
    payload_default: str | None,
    scan_queue: ScanQueue,
    clock: Clock,
    metrics: Metrics,
) -> str | None:
    """What one registration does with the delivery; the queued job's id, if any."""
    watch = registration.watch(payload_default)
    about = f"{event} {delivery_id}"

    def note(status: ActivityStatus, details: str) -> None:
        record_activity(
            uow,
            Activity(
                repository_id=registration.id,
                app_id=registration.app_id,
                action_type=ActivityType.WEBHOOK_RECEIVED,
                status=status,
                created_at=clock(),
                details=details,
            ),
            metrics=metrics,
        )

    if isinstance(intent, RefDeleted):
        note(*ref_deleted(uow, registration, intent.kind, intent.name, about=about, clock=clock))
        return None
    if not watch.watches(intent.kind, intent.name):
        note(ActivityStatus.IGNORED, unwatched_reason(watch, intent.kind, intent.name, about=about))
        return None
    if intent.kind == "branch" and intent.commit:
        stored = uow.snapshots.list_snapshots(
            registration.module_slug, intent.name, HEAD_TAG, scope=registration.scope, limit=1
        )
        if stored and stored[0].commit_sha and stored[0].commit_sha.lower() == intent.commit.lower():
            note(ActivityStatus.IGNORED, f"{about}: {intent.name} at {intent.commit[:12]} is already scanned")
            return None
    pending = uow.jobs.find_pending(registration.id, intent.ref)
    if pending is not None:
        note(ActivityStatus.IGNORED, f"{about}: a scan of {intent.ref} is already queued (job {pending.id})")
        return None
    what = f"{intent.kind} {intent.name}" + (f" at {intent.commit[:12]}" if intent.commit else "")
    job = queue_scan(
        uow,
        registration,
        intent.ref,
        trigger=JobTrigger.WEBHOOK,
        scan_queue=scan_queue,
        clock=clock,
        metrics=metrics,
        activity=ActivityType.WEBHOOK_RECEIVED,
        details=f"{about}: {what}; scan queued",
    )
    return job.id
