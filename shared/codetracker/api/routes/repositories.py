"""Repositories (registrations): register, list, read, change, delete, and rotate the secret of a
registration's own webhook URL."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routes.apps import grace_seconds
from codetracker.api.routes.webhooks import webhook_url
from codetracker.api.routing import (
    APP_AUTH,
    JSON,
    Cursor,
    Limit,
    app_request,
    app_route,
    documented_responses,
    json_response,
    page_response,
)
from codetracker.usecases import registry, rotation
from codetracker.usecases.app_requests import (
    DEFAULT_PAGE,
    PageRequest,
    RegisterRepositoryRequest,
    UpdateRepositoryRequest,
)

router = Router()


def _stated(body: m.RegisterRepositoryBody | m.UpdateRepositoryBody) -> dict[str, Any]:
    """A body's fields as the request of the same field names takes them: its lists (the watch patterns) as
    tuples; None where not stated."""
    return {name: tuple(value) if isinstance(value, list) else value for name, value in body}


@router.post(
    "/repositories",
    summary="Register a repository (its watched branch is scanned)",
    security=APP_AUTH,
    responses={
        **documented_responses((201, m.RepositoryRegistered, "registered; the first scan is queued"), 400, 401, 409),
        200: {
            "description": "already registered by this app: what it states is now watched; a new scan is queued",
            "content": {JSON: {"model": m.RepositoryRegistered}},
        },
    },
)
def register_repository(body: m.RegisterRepositoryBody) -> Response[m.RepositoryRegistered]:
    caller, services = app_request(router)
    done = registry.register_repository(
        caller,
        RegisterRepositoryRequest(**_stated(body)),
        services.registry_ports(),
    )
    webhook = m.WebhookOut(url=webhook_url(done.registration.id), secret=done.webhook_secret)
    out = m.RepositoryRegistered(
        **m.RepositoryOut.of(done.registration).model_dump(), job_id=done.job.id, webhook=webhook
    )
    return json_response(201 if done.created else 200, out)


@app_route(router.get, "/repositories", "The app's repositories", (200, m.RepositoryList, "a page of repositories"))
def list_repositories(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.RepositoryList]:
    caller, services = app_request(router)
    page = registry.list_repositories(caller, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return page_response(page, m.RepositoryList, m.RepositoryOut.of)


@app_route(router.get, "/repositories/<repository_id>", "One repository", (200, m.RepositoryOut, "the repository"), 404)
def get_repository(repository_id: str) -> Response[m.RepositoryOut]:
    caller, services = app_request(router)
    found = registry.get_repository(caller, repository_id, unit_of_work=services.unit_of_work)
    return json_response(200, m.RepositoryOut.of(found))


@app_route(
    router.patch,
    "/repositories/<repository_id>",
    "Change the callback URL, watched branch, branch and tag patterns or access token",
    (200, m.RepositoryOut, "the changed repository"),
    400,
    404,
)
def update_repository(repository_id: str, body: m.UpdateRepositoryBody) -> Response[m.RepositoryOut]:
    caller, services = app_request(router)
    changed = registry.update_repository(
        caller,
        UpdateRepositoryRequest(repository_id=repository_id, changed=frozenset(body.model_fields_set), **_stated(body)),
        services.registry_ports(),
    )
    return json_response(200, m.RepositoryOut.of(changed))


@app_route(
    router.delete,
    "/repositories/<repository_id>",
    "Stop watching a repository; its snapshots and access token are deleted, its history stays",
    (200, m.RepositoryDeleted, "deleted"),
    404,
)
def delete_repository(repository_id: str) -> Response[m.RepositoryDeleted]:
    caller, services = app_request(router)
    count = registry.delete_repository(
        caller, repository_id, unit_of_work=services.unit_of_work, clock=services.clock, metrics=services.metrics
    )
    return json_response(200, m.RepositoryDeleted(id=repository_id.lower(), deleted=True, snapshots_deleted=count))


@app_route(
    router.post,
    "/repositories/<repository_id>/webhook-secret",
    "Rotate (or create) the secret of the repository's own webhook URL; shown once",
    (200, m.WebhookSecretRotated, "its URL and new secret (shown once)"),
    400,
    404,
    409,
    description=(
        "Set the new secret on the GitHub hook; until `previous_valid_until` (default grace "
        f"{rotation.DEFAULT_SECRET_GRACE_S} s) deliveries signed with the old one are accepted too."
    ),
)
def rotate_webhook_secret(repository_id: str, body: m.RotateBody | None = None) -> Response[m.WebhookSecretRotated]:
    caller, services = app_request(router)
    done = rotation.rotate_webhook_secret(
        caller,
        rotation.WebhookSecretRotation(repository_id, grace_seconds(body)),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        clock=services.clock,
    )
    webhook = m.WebhookOut(url=webhook_url(done.id), secret=done.value)
    return json_response(200, m.WebhookSecretRotated.filled_from(done, webhook=webhook))
