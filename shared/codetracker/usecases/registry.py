"""Apps and repository registrations: creating an app (admin), authenticating one, registering, listing,
changing and deleting its repositories.

Credentials:
- the admin token is a deployment secret (`admin_token`), compared in constant time;
- an app token is `ctk_` + 32 random bytes (base64url), shown once; only its sha256 is stored, and an app is
  found by that hash;
- an app's notification signing secret is `whsec_` + base64 of 24 random bytes (Standard Webhooks), shown
  once, stored encrypted so that the notifier can sign;
- a repository's access token is stored encrypted (ports.TokenCipher), bound to its row, and never returned;
- a registration's GitHub webhook secret (`ctwh_` + 32 random bytes, base64url) is shown once, at
  registration, and stored encrypted so that its webhook URL can check deliveries.
Rotating any of them: usecases/rotation.py.

Isolation: every read names the app; a registration owns its snapshots through its scope
(`repository:<id>`). Deleting a registration stops watching it, deletes its snapshots (nobody can read them
any more: a later registration of the URL gets a new id, so a new scope) and its access token, and keeps the
row, its jobs and its activity as history (retention cleans them later).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote

from codetracker.contracts.cursors import REPOSITORIES
from codetracker.domain.selection import slugify
from codetracker.domain.job import Job, JobTrigger
from codetracker.domain.registry import ActivityType, App, Registration, RepositoryStatus
from codetracker.domain.watch import DEFAULT_TAG_PATTERNS
from codetracker.errors import Conflict, Unauthorized
from codetracker.ports.clock import Clock
from codetracker.ports.git import Credentials
from codetracker.ports.metrics import Metrics
from codetracker.ports.secrets import SecretSource, TokenCipher
from codetracker.ports.unit_of_work import UnitOfWorkFactory
from codetracker.usecases.ownership import owned_registration
from codetracker.usecases.activity import RegistrationActivity, record_registration_activity
from codetracker.usecases.jobs import JobPorts, ScanToQueue, default_ref, queue_scan
from codetracker.usecases.outbox import send_queued
from codetracker.usecases.pages import Page, page_of
from codetracker.usecases.app_requests import (
    CreateAppRequest,
    PageRequest,
    RegisterRepositoryRequest,
    UpdateRepositoryRequest,
    entity_id,
)
from codetracker.usecases.url_policy import CALLBACK, REPOSITORY, UrlPolicy
from codetracker.usecases.watching import describe_watch, watch_restated

APP_TOKEN_PREFIX = "ctk_"
SIGNING_SECRET_PREFIX = "whsec_"
WEBHOOK_SECRET_PREFIX = "ctwh_"
ADMIN_TOKEN_SECRET = "admin_token"
# GitHub (and most hosts) take a token as the HTTP password with any user name; this one is GitHub's own.
TOKEN_USERNAME = "x-access-token"


def token_sha256(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def access_token_context(registration_id: str) -> str:
    return f"repository:{registration_id}:access_token"


def signing_secret_context(app_id: str) -> str:
    return f"app:{app_id}:signing_secret"


def webhook_secret_context(registration_id: str) -> str:
    return f"repository:{registration_id}:webhook_secret"


def new_app_token() -> str:
    return APP_TOKEN_PREFIX + base64.urlsafe_b64encode(random_secrets.token_bytes(32)).decode().rstrip("=")


def new_signing_secret() -> str:
    return SIGNING_SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(24)).decode()


def new_webhook_secret() -> str:
    return WEBHOOK_SECRET_PREFIX + base64.urlsafe_b64encode(random_secrets.token_bytes(32)).decode().rstrip("=")


# --- authentication ----------------------------------------------------------------------------------------


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; Unauthorized when there is none."""
    if not authorization:
        raise Unauthorized("an Authorization: Bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("an Authorization: Bearer token is required")
    return token


def authenticate_admin(authorization: str | None, *, secrets: SecretSource) -> None:
    given = bearer_token(authorization)
    expected = secrets.get(ADMIN_TOKEN_SECRET)
    # Digests of both: compare_digest then never sees lengths that differ.
    if not hmac.compare_digest(token_sha256(given), token_sha256(expected)):
        raise Unauthorized("the admin token is not valid")


def authenticate_app(
    authorization: str | None, *, unit_of_work: UnitOfWorkFactory, clock: Clock, current_only: bool = False
) -> App:
    """The app of the bearer token: its current token, or the one a rotation replaced while its grace lasts
    (not when `current_only`: rotating needs the current token)."""
    token = bearer_token(authorization)
    if not token.startswith(APP_TOKEN_PREFIX) or len(token) > 256:
        raise Unauthorized("the token is not valid")
    with unit_of_work(read_only=True) as uow:
        app = uow.apps.by_token_sha256(token_sha256(token), now=None if current_only else clock())
    if app is None:
        raise Unauthorized("the token is not valid")
    return app


# --- apps ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreatedApp:
    app: App
    token: str  # shown once
    signing_secret: str  # shown once

    def __repr__(self) -> str:
        return f"CreatedApp(app={self.app!r}, token='***', signing_secret='***')"


def create_app(
    request: CreateAppRequest,
    *,
    unit_of_work: UnitOfWorkFactory,
    cipher: TokenCipher,
    url_policy: UrlPolicy,
    clock: Clock,
) -> CreatedApp:
    callback = None
    if request.callback_url is not None:
        callback = url_policy.check(request.callback_url, kind=CALLBACK, field="callback_url").display
    app_id = str(uuid.uuid4())
    token, signing_secret = new_app_token(), new_signing_secret()
    app = App(
        id=app_id,
        name=request.name,
        token_sha256=token_sha256(token),
        signing_secret_encrypted=cipher.encrypt(signing_secret, context=signing_secret_context(app_id)),
        callback_url=callback,
        created_at=clock(),
    )
    with unit_of_work() as uow:
        uow.apps.add(app)
        uow.commit()
    return CreatedApp(app, token, signing_secret)


def app_signing_secret(app: App, *, cipher: TokenCipher) -> str:
    """The app's current `whsec_` secret."""
    return cipher.decrypt(app.signing_secret_encrypted, context=signing_secret_context(app.id))


def app_signing_secrets(app: App, *, cipher: TokenCipher, now: datetime) -> tuple[str, ...]:
    """The `whsec_` secrets a notification is signed with now: the current one, and during a rotation's grace
    the one it replaced (both ciphertexts are bound to the app)."""
    context = signing_secret_context(app.id)
    return tuple(cipher.decrypt(blob, context=context) for blob in app.signing_secrets_encrypted(now))


def registration_webhook_secrets(registration: Registration, *, cipher: TokenCipher, now: datetime) -> tuple[str, ...]:
    """The secrets a delivery to the registration's own webhook URL may be signed with now."""
    context = webhook_secret_context(registration.id)
    return tuple(cipher.decrypt(blob, context=context) for blob in registration.webhook_secrets_encrypted(now))


def registration_credentials(registration: Registration, *, cipher: TokenCipher) -> Credentials | None:
    """The credentials a scan of this registration fetches with (None: a public repository)."""
    if registration.access_token_encrypted is None:
        return None
    token = cipher.decrypt(registration.access_token_encrypted, context=access_token_context(registration.id))
    return Credentials(TOKEN_USERNAME, token)


# --- registrations --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registered:
    registration: Registration
    job: Job
    created: bool  # False: the app had registered this URL already (a new scan was queued)
    webhook_secret: str | None = field(default=None, repr=False)  # shown once: only when created


def _default_slug(normalized_url: str) -> str:
    last = unquote(normalized_url.rstrip("/").rsplit("/", 1)[-1])
    return slugify(last or "module")


@dataclass(frozen=True)
class RegistryPorts(JobPorts):
    """The collaborators of registering and changing a repository, built by wiring (or a test): those of queueing
    its scans, and what checks its URLs and encrypts its access token."""

    cipher: TokenCipher
    url_policy: UrlPolicy


def register_repository(app: App, request: RegisterRepositoryRequest, ports: RegistryPorts) -> Registered:
    unit_of_work, scan_queue, cipher, url_policy = ports.unit_of_work, ports.scan_queue, ports.cipher, ports.url_policy
    clock, metrics = ports.clock, ports.metrics
    url = url_policy.check(request.url, kind=REPOSITORY, field="url")
    callback = None
    if request.callback_url is not None:
        callback = url_policy.check(request.callback_url, kind=CALLBACK, field="callback_url").display
    with unit_of_work() as uow:
        existing = uow.registrations.by_url(app.id, url.normalized)
        if existing is not None:
            # Registering again is a request for a fresh scan, and for the watch it states (watch_restated).
            existing = watch_restated(uow, existing, request, clock=clock, metrics=metrics)
            job = queue_scan(
                uow, ScanToQueue(existing, default_ref(existing), JobTrigger.API), clock=clock, metrics=metrics
            )
            uow.commit()
            send_queued([job.id], unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics)
            return Registered(existing, job, created=False)
        now = clock()
        registration_id = str(uuid.uuid4())
        webhook_secret = new_webhook_secret()
        registration = Registration(
            id=registration_id,
            app_id=app.id,
            url=url.normalized,
            display_url=url.display,
            module_slug=request.slug or _default_slug(url.normalized),
            default_branch=None,
            watched_branch=request.branch,
            branch_patterns=request.branches or (),
            tag_patterns=DEFAULT_TAG_PATTERNS if request.tags is None else request.tags,
            packages=request.packages or (),
            ignore_patterns=request.ignore or (),
            callback_url=callback,
            access_token_encrypted=(
                cipher.encrypt(request.access_token, context=access_token_context(registration_id))
                if request.access_token is not None
                else None
            ),
            status=RepositoryStatus.PENDING_SNAPSHOT,
            last_error=None,
            last_scanned_commit=None,
            last_scanned_at=None,
            created_at=now,
            updated_at=now,
            webhook_secret_encrypted=cipher.encrypt(webhook_secret, context=webhook_secret_context(registration_id)),
        )
        try:
            uow.registrations.add(registration)
        except Conflict:
            raise Conflict("the repository was registered by a concurrent request; retry to get it") from None
        details = f"registered {url.display}; {describe_watch(registration)}"
        entry = RegistrationActivity(registration, ActivityType.REPOSITORY_REGISTERED, details, now)
        record_registration_activity(uow, entry, metrics=metrics)
        job = queue_scan(
            uow, ScanToQueue(registration, default_ref(registration), JobTrigger.API), clock=clock, metrics=metrics
        )
        uow.commit()
    send_queued([job.id], unit_of_work=unit_of_work, scan_queue=scan_queue, clock=clock, metrics=metrics)
    metrics.count("RepositoriesRegistered")
    return Registered(registration, job, created=True, webhook_secret=webhook_secret)


def get_repository(app: App, repository_id: str, *, unit_of_work: UnitOfWorkFactory) -> Registration:
    repository_id = entity_id(repository_id, "repository")
    with unit_of_work(read_only=True) as uow:
        registration = owned_registration(uow, app, repository_id)
    return registration


def list_repositories(app: App, page: PageRequest, *, unit_of_work: UnitOfWorkFactory) -> Page[Registration]:
    after = REPOSITORIES.decode(page.cursor) if page.cursor else None
    with unit_of_work(read_only=True) as uow:
        found = uow.registrations.list(app.id, limit=page.limit + 1, after=after)
    return page_of(found, page.limit, REPOSITORIES, lambda registration: (registration.created_at, registration.id))


def update_repository(app: App, request: UpdateRepositoryRequest, ports: RegistryPorts) -> Registration:
    unit_of_work, cipher, url_policy, clock = ports.unit_of_work, ports.cipher, ports.url_policy, ports.clock
    changes: dict[str, object] = {}
    if "callback_url" in request.changed:
        changes["callback_url"] = (
            None
            if request.callback_url is None
            else url_policy.check(request.callback_url, kind=CALLBACK, field="callback_url").display
        )
    if "branch" in request.changed:
        changes["watched_branch"] = request.branch
    if "branches" in request.changed:
        changes["branch_patterns"] = request.branches
    if "tags" in request.changed:
        changes["tag_patterns"] = request.tags
    if "packages" in request.changed:
        changes["packages"] = request.packages
    if "ignore" in request.changed:
        changes["ignore_patterns"] = request.ignore
    if "access_token" in request.changed:
        changes["access_token_encrypted"] = (
            None
            if request.access_token is None
            else cipher.encrypt(request.access_token, context=access_token_context(request.repository_id))
        )
    with unit_of_work() as uow:
        registration = owned_registration(uow, app, request.repository_id)
        if changes:
            registration = replace(registration, **changes, updated_at=clock())  # type: ignore[arg-type]
            uow.registrations.update(registration)
        uow.commit()
    return registration


def delete_repository(
    app: App, repository_id: str, *, unit_of_work: UnitOfWorkFactory, clock: Clock, metrics: Metrics
) -> int:
    """Stop watching; returns how many snapshots were deleted with it."""
    repository_id = entity_id(repository_id, "repository")
    with unit_of_work() as uow:
        registration = owned_registration(uow, app, repository_id)
        now = clock()
        deleted = uow.snapshots.delete_scope(registration.scope)
        # Its hook's secrets go with it (a deleted registration's URL refuses every delivery anyway).
        uow.registrations.set_webhook_secrets(
            replace(
                registration,
                webhook_secret_encrypted=None,
                previous_webhook_secret_encrypted=None,
                previous_webhook_secret_expires_at=None,
                updated_at=now,
            ),
            expected=registration.webhook_secret_encrypted,
        )
        uow.registrations.update(replace(registration, access_token_encrypted=None, deleted_at=now, updated_at=now))
        details = f"stopped watching {registration.display_url}; {deleted} snapshot(s) deleted"
        entry = RegistrationActivity(registration, ActivityType.REPOSITORY_DELETED, details, now)
        record_registration_activity(uow, entry, metrics=metrics)
        uow.commit()
    return deleted
