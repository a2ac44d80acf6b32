"""GitHub webhook deliveries: verify, deduplicate, apply to the registrations the signing secret speaks for,
queue.

Two kinds of hook:
- a registration's own URL (`POST /webhooks/github/{registration_id}`), checked with that registration's
  secret only (or the one a rotation replaced, during its grace): a delivery to it affects that registration
  and nothing else, and only when it is about the registration's repository. An unknown or deleted id, or a
  registration without a secret yet, is refused like a wrong signature (nothing tells ids apart);
- the deployment's (`POST /webhooks/github`), checked with `CODE_TRACKER_GITHUB_WEBHOOK_SECRET`: the
  operator's option for hooks the operator manages (e.g. one organisation hook). It fans out to every live
  registration of the repository: that secret belongs to the operator, who is trusted with every tenant's
  data anyway, and apps no longer need it (each has its own URL).

Order of work (GitHub gives 10 s; only record and enqueue):
1. the signature over the raw body bytes (missing or wrong: Unauthorized, nothing else happens);
2. what the event asks for (domain/github.py) and which live registrations it applies to;
3. in one unit of work: claim the delivery id at its hook (a redelivery stops here, nothing queued), record
   the jobs and activities, send the scan messages, then commit. The claim becomes visible only with that commit, after
   the messages went out: a crash in between rolls the claim back and GitHub's redelivery retries. A
   concurrent delivery of the same id waits on the claim and then finds it.

A push whose `after` is the commit of the snapshot already stored under its key queues nothing; neither does
a request for a ref with a job still queued (GitHub sends `push`, `create` and `release` for one new tag), nor
one for a ref the registration does not watch (recorded as ignored, with the reason: usecases/watching.py).
A deleted branch or tag marks its snapshots removed from the remote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from codetracker.domain.github import (
    PAYLOAD_FIELDS,
    Ignored,
    Ping,
    RefDeleted,
    RefScan,
    interpret,
    signature_matches,
)
from codetracker.domain.json_fields import NotAnObject, NotJson, pick_fields
from codetracker.domain.job import JobTrigger
from codetracker.domain.registry import (
    DEPLOYMENT_HOOK,
    ActivityStatus,
    ActivityType,
    Registration,
    WebhookDelivery,
    registration_scope,
)
from codetracker.domain.snapshot_keys import HEAD_TAG
from codetracker.domain.urls import github_candidate_urls
from codetracker.errors import InvalidInput, MalformedBody, NotFound, Unauthorized
from codetracker.ports.clock import Clock
from codetracker.ports.metrics import Metrics
from codetracker.ports.queues import ScanQueue
from codetracker.ports.secrets import SecretSource, TokenCipher
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.ports.snapshot_store import SnapshotSelection
from codetracker.usecases.activity import RegistrationActivity, record_registration_activity
from codetracker.usecases.jobs import ScanToQueue, queue_scan
from codetracker.usecases.outbox import send_queued
from codetracker.usecases.registry import registration_webhook_secrets
from codetracker.usecases.app_requests import entity_id
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


def _payload(delivery: GitHubDelivery) -> dict[str, Any]:
    """The fields of the delivery the service reads (PAYLOAD_FIELDS), never a tree of the whole body: a push
    may be megabytes."""
    body = delivery.body
    content_type = (delivery.content_type or "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise MalformedBody("the form body cannot be read", field="body") from None
        if len(form.get("payload", ())) != 1:
            raise MalformedBody("a form delivery must carry one payload field", field="body")
        body = form.pop("payload")[0].encode("utf-8", "surrogatepass")
    try:
        return pick_fields(body, PAYLOAD_FIELDS)
    except NotAnObject:
        raise MalformedBody("the body is not a JSON object", field="body") from None
    except NotJson:
        raise MalformedBody("the body is not JSON", field="body") from None


@dataclass(frozen=True)
class WebhookPorts:
    """The collaborators of a GitHub delivery, built by wiring (or a test): `secrets` holds the deployment
    hook's secret, `cipher` opens a registration's own."""

    unit_of_work: UnitOfWorkFactory
    scan_queue: ScanQueue
    secrets: SecretSource
    cipher: TokenCipher
    clock: Clock
    metrics: Metrics


def handle_github_delivery(delivery: GitHubDelivery, ports: WebhookPorts) -> WebhookOutcome:
    """A delivery to the deployment's hook: every live registration of the repository."""
    unit_of_work, scan_queue, clock, metrics = ports.unit_of_work, ports.scan_queue, ports.clock, ports.metrics
    secret = ports.secrets.get(WEBHOOK_SECRET)
    if not signature_matches(secret.encode("utf-8"), delivery.body, delivery.signature):
        metrics.count("WebhookSignatureRejected")
        raise Unauthorized("the webhook signature is missing or does not match")
    return _handle(
        delivery,
        DEPLOYMENT_HOOK,
        lambda uow, urls: uow.registrations.watching(urls),
        unit_of_work=unit_of_work,
        scan_queue=scan_queue,
        clock=clock,
        metrics=metrics,
    )


def handle_registration_delivery(registration_id: str, delivery: GitHubDelivery, ports: WebhookPorts) -> WebhookOutcome:
    """A delivery to one registration's own hook: that registration only, when signed with its secret."""
    unit_of_work, scan_queue, clock, metrics = ports.unit_of_work, ports.scan_queue, ports.clock, ports.metrics
    cipher = ports.cipher
    refused = Unauthorized("the webhook signature is missing or does not match")
    try:
        registration_id = entity_id(registration_id, "repository")
    except NotFound:
        metrics.count("WebhookSignatureRejected")
        raise refused from None
    with unit_of_work(read_only=True) as uow:
        registration = uow.registrations.find(registration_id)
    live = registration if registration is not None and registration.deleted_at is None else None
    candidates = registration_webhook_secrets(live, cipher=cipher, now=clock()) if live is not None else ()
    # Every candidate is checked (no early exit): the time taken does not tell which one matched.
    matched = [signature_matches(s.encode("utf-8"), delivery.body, delivery.signature) for s in candidates]
    if not any(matched):
        metrics.count("WebhookSignatureRejected")
        raise refused

    def this_registration(uow: UnitOfWork, urls: set[str]) -> list[Registration]:
        found = uow.registrations.find(registration_id)
        return [found] if found is not None and found.deleted_at is None and found.url in urls else []

    return _handle(
        delivery,
        registration_scope(registration_id),
        this_registration,
        unit_of_work=unit_of_work,
        scan_queue=scan_queue,
        clock=clock,
        metrics=metrics,
        unmatched="the delivery is not about this registration's repository",
    )


def _handle(
    delivery: GitHubDelivery,
    hook: str,
    applies_to: Callable[[UnitOfWork, set[str]], Iterable[Registration]],
    *,
    unit_of_work: UnitOfWorkFactory,
    scan_queue: ScanQueue,
    clock: Clock,
    metrics: Metrics,
    unmatched: str = "no registration watches this repository",
) -> WebhookOutcome:
    """A verified delivery: its headers, what it asks for, and the registrations `applies_to` chooses among
    the live ones of the repository's URLs."""
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
            if not uow.webhook_deliveries.claim(WebhookDelivery(delivery_id, event, now, outcome.outcome, hook)):
                return WebhookOutcome("duplicate")
            uow.commit()
        return outcome

    repository = payload.get("repository")
    urls = github_candidate_urls(repository) if isinstance(repository, dict) else set()
    payload_default = repository.get("default_branch") if isinstance(repository, dict) else None
    with unit_of_work() as uow:
        registrations = list(applies_to(uow, urls))
        label = "queued" if registrations else "ignored"
        if not uow.webhook_deliveries.claim(WebhookDelivery(delivery_id, event, now, label, hook)):
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
                clock=clock,
                metrics=metrics,
            )
            if job_id is not None:
                job_ids.append(job_id)
        uow.commit()
    send_queued(job_ids, unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics)
    if not registrations:
        return WebhookOutcome("ignored", detail=unmatched)
    return WebhookOutcome("queued" if job_ids else "ignored", tuple(job_ids))


def _apply(
    uow: UnitOfWork,
    registration: Registration,
    intent: RefScan | RefDeleted,
    *,
    event: str,
    delivery_id: str,
    payload_default: str | None,
    clock: Clock,
    metrics: Metrics,
) -> str | None:
    """What one registration does with the delivery; the queued job's id, if any."""
    watch = registration.watch(payload_default)
    about = f"{event} {delivery_id}"

    def note(status: ActivityStatus, details: str) -> None:
        entry = RegistrationActivity(registration, ActivityType.WEBHOOK_RECEIVED, details, clock(), status)
        record_registration_activity(uow, entry, metrics=metrics)

    if isinstance(intent, RefDeleted):
        note(*ref_deleted(uow, registration, intent, about=about, clock=clock))
        return None
    if not watch.watches(intent.kind, intent.name):
        note(ActivityStatus.IGNORED, unwatched_reason(watch, intent.kind, intent.name, about=about))
        return None
    if intent.kind == "branch" and intent.commit:
        stored = uow.snapshots.list_snapshots(
            SnapshotSelection(registration.module_slug, intent.name, HEAD_TAG, scope=registration.scope, limit=1)
        )
        if stored and stored[0].commit_sha and stored[0].commit_sha.lower() == intent.commit.lower():
            note(ActivityStatus.IGNORED, f"{about}: {intent.name} at {intent.commit[:12]} is already scanned")
            return None
    pending = uow.jobs.find_pending(registration.id, intent.ref)
    if pending is not None:
        note(ActivityStatus.IGNORED, f"{about}: a scan of {intent.ref} is already queued (job {pending.id})")
        return None
    what = f"{intent.kind} {intent.name}" + (f" at {intent.commit[:12]}" if intent.commit else "")
    scan = ScanToQueue(
        registration,
        intent.ref,
        JobTrigger.WEBHOOK,
        activity=ActivityType.WEBHOOK_RECEIVED,
        details=f"{about}: {what}; scan queued",
    )
    job = queue_scan(uow, scan, clock=clock, metrics=metrics)
    return job.id
