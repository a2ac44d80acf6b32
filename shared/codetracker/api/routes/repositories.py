"""Repositories (registrations): register, list, read, change, delete, and rotate the secret of a
registration's own webhook URL."""

from __future__ import annotations

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
    authenticated_app,
    documented_responses,
    json_response,
    request_services,
)
from codetracker.usecases import registry, rotation
from codetracker.usecases.app_requests import (
    DEFAULT_PAGE,
    PageRequest,
    RegisterRepositoryRequest,
    UpdateRepositoryRequest,
)

router = Router()


def _optional_tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


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
    caller, services = authenticated_app(router), request_services(router)
    done = registry.register_repository(
        caller,
        RegisterRepositoryRequest(
            url=body.url,
            branch=body.branch,
            callback_url=body.callback_url,
            slug=body.slug,
            access_token=body.access_token,
            branches=_optional_tuple(body.branches),
            tags=_optional_tuple(body.tags),
            packages=_optional_tuple(body.packages),
            ignore=_optional_tuple(body.ignore),
        ),
        services.registry_ports(),
    )
    webhook = m.WebhookOut(url=webhook_url(done.registration.id), secret=done.webhook_secret)
    out = m.RepositoryRegistered(
        **m.RepositoryOut.of(done.registration).model_dump(), job_id=done.job.id, webhook=webhook
    )
    return json_response(201 if done.created else 200, out)


@router.get(
    "/repositories",
    summary="The app's repositories",
    security=APP_AUTH,
    responses=documented_responses((200, m.RepositoryList, "a page of repositories"), 401),
)
def list_repositories(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.RepositoryList]:
    caller, services = authenticated_app(router), request_services(router)
    page = registry.list_repositories(caller, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return json_response(
        200, m.RepositoryList(items=[m.RepositoryOut.of(r) for r in page.items], next=page.next_cursor)
    )


@router.get(
    "/repositories/<repository_id>",
    summary="One repository",
    security=APP_AUTH,
    responses=documented_responses((200, m.RepositoryOut, "the repository"), 401, 404),
)
def get_repository(repository_id: str) -> Response[m.RepositoryOut]:
    caller, services = authenticated_app(router), request_services(router)
    found = registry.get_repository(caller, repository_id, unit_of_work=services.unit_of_work)
    return json_response(200, m.RepositoryOut.of(found))


@router.patch(
    "/repositories/<repository_id>",
    summary="Change the callback URL, watched branch, branch and tag patterns or access token",
    security=APP_AUTH,
    responses=documented_responses((200, m.RepositoryOut, "the changed repository"), 400, 401, 404),
)
def update_repository(repository_id: str, body: m.UpdateRepositoryBody) -> Response[m.RepositoryOut]:
    caller, services = authenticated_app(router), request_services(router)
    changed = registry.update_repository(
        caller,
        UpdateRepositoryRequest(
            repository_id=repository_id,
            changed=frozenset(body.model_fields_set),
            callback_url=body.callback_url,
            branch=body.branch,
            access_token=body.access_token,
            branches=_optional_tuple(body.branches),
            tags=_optional_tuple(body.tags),
            packages=_optional_tuple(body.packages),
            ignore=_optional_tuple(body.ignore),
        ),
        services.registry_ports(),
    )
    return json_response(200, m.RepositoryOut.of(changed))


@router.delete(
    "/repositories/<repository_id>",
    summary="Stop watching a repository; its snapshots and access token are deleted, its history stays",
    security=APP_AUTH,
    responses=documented_responses((200, m.RepositoryDeleted, "deleted"), 401, 404),
)
def delete_repository(repository_id: str) -> Response[m.RepositoryDeleted]:
    caller, services = authenticated_app(router), request_services(router)
    count = registry.delete_repository(
        caller, repository_id, unit_of_work=services.unit_of_work, clock=services.clock, metrics=services.metrics
    )
    return json_response(200, m.RepositoryDeleted(id=repository_id.lower(), deleted=True, snapshots_deleted=count))


@router.post(
    "/repositories/<repository_id>/webhook-secret",
    summary="Rotate (or create) the secret of the repository's own webhook URL; shown once",
    description=(
        "Set the new secret on the GitHub hook; until `previous_valid_until` (default grace "
        f"{rotation.DEFAULT_SECRET_GRACE_S} s) deliveries signed with the old one are accepted too."
    ),
    security=APP_AUTH,
    responses=documented_responses(
        (200, m.WebhookSecretRotated, "its URL and new secret (shown once)"), 400, 401, 404, 409
    ),
)
def rotate_webhook_secret(repository_id: str, body: m.RotateBody | None = None) -> Response[m.WebhookSecretRotated]:
    caller, services = authenticated_app(router), request_services(router)
    done = rotation.rotate_webhook_secret(
        caller,
        rotation.WebhookSecretRotation(repository_id, grace_seconds(body, rotation.DEFAULT_SECRET_GRACE_S)),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        clock=services.clock,
    )
    return json_response(
        200,
        m.WebhookSecretRotated(
            id=done.id,
            webhook=m.WebhookOut(url=webhook_url(done.id), secret=done.value),
            previous_valid_until=done.previous_valid_until,
        ),
    )
