"""Routes of the per-registration secrets: a registration's own GitHub webhook URL, and the rotation of app
tokens, signing secrets and webhook secrets (usecases/rotation.py says who may and for how long the old value
stays valid). Included into the resolver by codetracker.api.http, whose helpers they use: import that module,
not this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.http import (
    ADMIN_AUTH,
    APP_AUTH,
    JSON,
    WEBHOOK_PATH,
    _caller,
    _json,
    _responses,
    _services,
    github_delivery,
    webhook_response,
)
from codetracker.usecases import rotation, webhooks

if TYPE_CHECKING:
    from codetracker.wiring import Services

router = Router()
APP_OR_ADMIN_AUTH = [*APP_AUTH, *ADMIN_AUTH]


def webhook_url(registration_id: str) -> str:
    """The registration's own webhook URL: under CODE_TRACKER_PUBLIC_API_URL when set, else under the host
    and scheme this request came to."""
    base = _services().settings.pipeline.public_api_url
    if base is None:
        event = router.current_event
        scheme = (event.headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
        host = event.request_context.domain_name or event.headers.get("host") or "localhost"
        base = f"{scheme}://{host}"
    return f"{base}{WEBHOOK_PATH}/{registration_id}"


def _grace(body: m.RotateBody | None, default: int) -> int:
    return default if body is None or body.grace_seconds is None else body.grace_seconds


def _owner(services: Services, app_id: str) -> str:
    return rotation.authorize_app_owner(
        router.current_event.headers.get("authorization"),
        app_id,
        unit_of_work=services.unit_of_work,
        secrets=services.secrets,
        clock=services.clock,
    )


@router.post(
    f"{WEBHOOK_PATH}/<registration_id>",
    summary="A registration's own GitHub webhook (X-Hub-Signature-256 with its secret); affects it alone",
    responses={
        **_responses((202, m.WebhookAnswer, "accepted: a scan queued, or nothing to do"), 400, 401),
        200: {"description": "ping, or a delivery already handled", "content": {JSON: {"model": m.WebhookAnswer}}},
    },
)
def registration_webhook(registration_id: str) -> Response[m.WebhookAnswer]:
    services = _services()
    outcome = webhooks.handle_registration_delivery(
        registration_id,
        github_delivery(),
        unit_of_work=services.unit_of_work,
        scan_queue=services.scan_queue,
        cipher=services.cipher,
        clock=services.clock,
        metrics=services.metrics,
    )
    return webhook_response(outcome)


@router.post(
    "/apps/<app_id>/token",
    summary="Rotate the app's token (its current token, or the admin token); the new one is shown once",
    description=(
        "The old token stops working at once, or after `grace_seconds` (default "
        f"{rotation.DEFAULT_TOKEN_GRACE_S}). A token in its grace period cannot rotate."
    ),
    security=APP_OR_ADMIN_AUTH,
    responses=_responses((200, m.TokenRotated, "the new token (shown once)"), 400, 401, 404),
)
def rotate_token(app_id: str, body: m.RotateBody | None = None) -> Response[m.TokenRotated]:
    services = _services()
    owner = _owner(services, app_id)
    done = rotation.rotate_app_token(
        owner,
        _grace(body, rotation.DEFAULT_TOKEN_GRACE_S),
        unit_of_work=services.unit_of_work,
        clock=services.clock,
    )
    return _json(200, m.TokenRotated(id=done.id, token=done.value, previous_valid_until=done.previous_valid_until))


@router.post(
    "/apps/<app_id>/signing-secret",
    summary="Rotate the app's notification signing secret; the new one is shown once",
    description=(
        "Until `previous_valid_until` (default grace "
        f"{rotation.DEFAULT_SECRET_GRACE_S} s) notifications carry two signatures, "
        "`webhook-signature: v1,<new> v1,<old>`: a receiver with either secret accepts them."
    ),
    security=APP_OR_ADMIN_AUTH,
    responses=_responses((200, m.SigningSecretRotated, "the new `whsec_` secret (shown once)"), 400, 401, 404),
)
def rotate_signing_secret(app_id: str, body: m.RotateBody | None = None) -> Response[m.SigningSecretRotated]:
    services = _services()
    owner = _owner(services, app_id)
    done = rotation.rotate_signing_secret(
        owner,
        _grace(body, rotation.DEFAULT_SECRET_GRACE_S),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        clock=services.clock,
    )
    return _json(
        200,
        m.SigningSecretRotated(id=done.id, signing_secret=done.value, previous_valid_until=done.previous_valid_until),
    )


@router.post(
    "/repositories/<repository_id>/webhook-secret",
    summary="Rotate (or create) the secret of the repository's own webhook URL; shown once",
    description=(
        "Set the new secret on the GitHub hook; until `previous_valid_until` (default grace "
        f"{rotation.DEFAULT_SECRET_GRACE_S} s) deliveries signed with the old one are accepted too."
    ),
    security=APP_AUTH,
    responses=_responses((200, m.WebhookSecretRotated, "its URL and new secret (shown once)"), 400, 401, 404, 409),
)
def rotate_webhook_secret(repository_id: str, body: m.RotateBody | None = None) -> Response[m.WebhookSecretRotated]:
    caller, services = _caller(), _services()
    done = rotation.rotate_webhook_secret(
        caller,
        repository_id,
        _grace(body, rotation.DEFAULT_SECRET_GRACE_S),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        clock=services.clock,
    )
    return _json(
        200,
        m.WebhookSecretRotated(
            id=done.id,
            webhook=m.WebhookOut(url=webhook_url(done.id), secret=done.value),
            previous_valid_until=done.previous_valid_until,
        ),
    )
