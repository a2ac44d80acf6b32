"""Rotation of credentials: an app's bearer token, an app's notification signing secret, a registration's GitHub
webhook secret. Each rotation makes a new random value, shows it once, and keeps the one it replaced valid
for a grace period (`grace_seconds`, 0 = invalid at once), stored like the current one (token: sha256;
secrets: encrypted, bound to their row). Rotating again during a grace drops the older previous value.

Defaults differ by what the grace is for:
- token: 0, invalid at once. A rotation is usually a response to a leak; a caller that needs its fleet to
  switch over asks for a grace explicitly.
- signing secret and webhook secret: 24 hours. Notifications carry a signature per secret during the grace
  (Standard Webhooks: `v1,<new> v1,<old>`), so a receiver verifying with either keeps working until it is
  updated; a delivery to a registration's URL may be signed with either until GitHub's hook is updated.
The grace is at most 7 days.

Who may rotate: an app's token and signing secret, the app itself with its current token (a token in its
grace period cannot rotate: a leaked old token must not lock the owner out) or the admin token (the way back
for an app that lost its token). Any other app gets 404, as for any resource not its own. A registration's
webhook secret: the app owning it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from codetracker.domain.registry import App
from codetracker.errors import Conflict, NotFound
from codetracker.ports.clock import Clock
from codetracker.ports.secrets import SecretSource, TokenCipher
from codetracker.ports.unit_of_work import UnitOfWorkFactory
from codetracker.usecases.ownership import owned_registration
from codetracker.usecases.registry import (
    APP_TOKEN_PREFIX,
    authenticate_admin,
    authenticate_app,
    bearer_token,
    new_app_token,
    new_signing_secret,
    new_webhook_secret,
    signing_secret_context,
    token_sha256,
    webhook_secret_context,
)
from codetracker.usecases.app_requests import entity_id

DEFAULT_TOKEN_GRACE_S = 0
DEFAULT_SECRET_GRACE_S = 24 * 3600
MAX_GRACE_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Rotated:
    """A rotation's answer: the new value (shown once) and until when the replaced one stays valid."""

    id: str
    value: str = field(repr=False)
    previous_valid_until: datetime | None


@dataclass(frozen=True, slots=True)
class AppRotation:
    """Rotate a credential of app `app_id` (one the caller may rotate: authorize_app_owner), the replaced value
    staying valid `grace_seconds` (None: the credential's default)."""

    app_id: str
    grace_seconds: int | None = None


def _grace_end(now: datetime, grace_seconds: int | None, default: int) -> datetime | None:
    seconds = default if grace_seconds is None else grace_seconds
    return now + timedelta(seconds=seconds) if seconds > 0 else None


def authorize_app_owner(
    authorization: str | None,
    app_id: str,
    *,
    unit_of_work: UnitOfWorkFactory,
    secrets: SecretSource,
    clock: Clock,
) -> str:
    """The id of the app the caller may rotate credentials of: its own (current token) or any (admin)."""
    if bearer_token(authorization).startswith(APP_TOKEN_PREFIX):
        caller = authenticate_app(authorization, unit_of_work=unit_of_work, clock=clock, current_only=True)
        if caller.id != entity_id(app_id, "app"):
            raise NotFound("no such app")
        return caller.id
    authenticate_admin(authorization, secrets=secrets)
    return entity_id(app_id, "app")


def _rotate_app(unit_of_work: UnitOfWorkFactory, app_id: str, rotated: Callable[[App], App]) -> None:
    """Write `rotated` of the app, read under its row lock (two rotations at once take turns)."""
    with unit_of_work() as uow:
        app = uow.apps.lock(app_id)
        if app is None:
            raise NotFound("no such app")
        uow.apps.update(rotated(app))
        uow.commit()


def rotate_app_token(request: AppRotation, *, unit_of_work: UnitOfWorkFactory, clock: Clock) -> Rotated:
    token, until = new_app_token(), _grace_end(clock(), request.grace_seconds, DEFAULT_TOKEN_GRACE_S)
    _rotate_app(
        unit_of_work,
        request.app_id,
        lambda app: replace(
            app,
            token_sha256=token_sha256(token),
            previous_token_sha256=app.token_sha256 if until else None,
            previous_token_expires_at=until,
        ),
    )
    return Rotated(request.app_id, token, until)


def rotate_signing_secret(
    request: AppRotation, *, unit_of_work: UnitOfWorkFactory, cipher: TokenCipher, clock: Clock
) -> Rotated:
    secret, until = new_signing_secret(), _grace_end(clock(), request.grace_seconds, DEFAULT_SECRET_GRACE_S)
    encrypted = cipher.encrypt(secret, context=signing_secret_context(request.app_id))
    _rotate_app(
        unit_of_work,
        request.app_id,
        lambda app: replace(
            app,
            signing_secret_encrypted=encrypted,
            previous_signing_secret_encrypted=app.signing_secret_encrypted if until else None,
            previous_signing_secret_expires_at=until,
        ),
    )
    return Rotated(request.app_id, secret, until)


@dataclass(frozen=True)
class WebhookSecretRotation:
    """Rotate the secret of this repository's webhook URL, the old one staying valid `grace_seconds` (None: the
    default)."""

    repository_id: str
    grace_seconds: int | None = None


def rotate_webhook_secret(
    app: App, request: WebhookSecretRotation, *, unit_of_work: UnitOfWorkFactory, cipher: TokenCipher, clock: Clock
) -> Rotated:
    """A new secret for the registration's webhook URL (also the first one of a registration made before
    there were any: it then has nothing to keep)."""
    repository_id, grace_seconds = entity_id(request.repository_id, "repository"), request.grace_seconds
    secret, now = new_webhook_secret(), clock()
    with unit_of_work() as uow:
        registration = owned_registration(uow, app, repository_id)
        old = registration.webhook_secret_encrypted
        until = _grace_end(now, grace_seconds, DEFAULT_SECRET_GRACE_S) if old is not None else None
        rotated = replace(
            registration,
            webhook_secret_encrypted=cipher.encrypt(secret, context=webhook_secret_context(repository_id)),
            previous_webhook_secret_encrypted=old if until else None,
            previous_webhook_secret_expires_at=until,
            updated_at=now,
        )
        if not uow.registrations.set_webhook_secrets(rotated, expected=old):
            raise Conflict("the webhook secret was rotated by a concurrent request; retry")
        uow.commit()
    return Rotated(repository_id, secret, until)
