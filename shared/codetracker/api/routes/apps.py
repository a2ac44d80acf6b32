"""Apps: creating one (admin), rotating its token and its notification signing secret (usecases/rotation.py
says who may and for how long the old value stays valid)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import (
    ADMIN_AUTH,
    APP_OR_ADMIN_AUTH,
    documented_responses,
    json_response,
    request_services,
)
from codetracker.usecases import registry, rotation
from codetracker.usecases.app_requests import CreateAppRequest

if TYPE_CHECKING:
    from codetracker.wiring import Services

router = Router()


@router.post(
    "/apps",
    summary="Create an app (admin)",
    security=ADMIN_AUTH,
    responses=documented_responses(
        (201, m.AppCreated, "the app, with its token and signing secret (shown once)"), 400, 401
    ),
)
def create_app(body: m.CreateAppBody) -> Response[m.AppCreated]:
    services = request_services(router)
    registry.authenticate_admin(router.current_event.headers.get("authorization"), secrets=services.secrets)
    created = registry.create_app(
        CreateAppRequest(name=body.name, callback_url=body.callback_url),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        url_policy=services.url_policy,
        clock=services.clock,
    )
    return json_response(201, m.AppCreated.of(created))


def grace_seconds(body: m.RotateBody | None) -> int | None:
    """The grace a rotation's body asks for; None: the credential's default."""
    return None if body is None else body.grace_seconds


def _app_rotation(app_id: str, body: m.RotateBody | None) -> tuple[rotation.AppRotation, Services]:
    """What a route rotating an app's credential starts from: the rotation asked, of an app whose credentials
    the caller may rotate (its own with its current token, any with the admin token; else 401 or 404), and the
    services of this call."""
    services = request_services(router)
    owner = rotation.authorize_app_owner(
        router.current_event.headers.get("authorization"),
        app_id,
        unit_of_work=services.unit_of_work,
        secrets=services.secrets,
        clock=services.clock,
    )
    return rotation.AppRotation(owner, grace_seconds(body)), services


@router.post(
    "/apps/<app_id>/token",
    summary="Rotate the app's token (its current token, or the admin token); the new one is shown once",
    description=(
        "The old token stops working at once, or after `grace_seconds` (default "
        f"{rotation.DEFAULT_TOKEN_GRACE_S}). A token in its grace period cannot rotate."
    ),
    security=APP_OR_ADMIN_AUTH,
    responses=documented_responses((200, m.TokenRotated, "the new token (shown once)"), 400, 401, 404),
)
def rotate_token(app_id: str, body: m.RotateBody | None = None) -> Response[m.TokenRotated]:
    request, services = _app_rotation(app_id, body)
    done = rotation.rotate_app_token(request, unit_of_work=services.unit_of_work, clock=services.clock)
    return json_response(200, m.TokenRotated.filled_from(done, token=done.value))


@router.post(
    "/apps/<app_id>/signing-secret",
    summary="Rotate the app's notification signing secret; the new one is shown once",
    description=(
        "Until `previous_valid_until` (default grace "
        f"{rotation.DEFAULT_SECRET_GRACE_S} s) notifications carry two signatures, "
        "`webhook-signature: v1,<new> v1,<old>`: a receiver with either secret accepts them."
    ),
    security=APP_OR_ADMIN_AUTH,
    responses=documented_responses(
        (200, m.SigningSecretRotated, "the new `whsec_` secret (shown once)"), 400, 401, 404
    ),
)
def rotate_signing_secret(app_id: str, body: m.RotateBody | None = None) -> Response[m.SigningSecretRotated]:
    request, services = _app_rotation(app_id, body)
    done = rotation.rotate_signing_secret(
        request, unit_of_work=services.unit_of_work, cipher=services.cipher, clock=services.clock
    )
    return json_response(200, m.SigningSecretRotated.filled_from(done, signing_secret=done.value))
