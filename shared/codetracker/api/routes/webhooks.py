"""GitHub webhooks: the deployment's hook (signed with the secret of each registration it names) and a
registration's own hook URL (signed with that registration's secret; affects it alone)."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from codetracker.api import models as m
from codetracker.api.routing import JSON, WEBHOOK_PATH, documented_responses, json_response, request_services
from codetracker.usecases import webhooks

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

router = Router()

_RESPONSES: dict[int, OpenAPIResponse] = {
    **documented_responses((202, m.WebhookAnswer, "accepted: scans queued, or nothing to do"), 400, 401),
    200: {"description": "ping, or a delivery already handled", "content": {JSON: {"model": m.WebhookAnswer}}},
}


def webhook_url(registration_id: str) -> str:
    """The registration's own webhook URL: under CODE_TRACKER_PUBLIC_API_URL when set, else under the host
    and scheme this request came to."""
    base = request_services(router).settings.pipeline.public_api_url
    if base is None:
        event = router.current_event
        scheme = (event.headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
        # The resolver is API Gateway's HTTP API (payload v2): only its events have this domain name.
        domain = event.request_context.domain_name if isinstance(event, APIGatewayProxyEventV2) else None
        host = domain or event.headers.get("host") or "localhost"
        base = f"{scheme}://{host}"
    return f"{base}{WEBHOOK_PATH}/{registration_id}"


def _raw_body() -> bytes:
    """The request body as the exact bytes the client sent (API Gateway base64-encodes binary bodies)."""
    event = router.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return b""
    return body.encode("utf-8", "surrogatepass")


def _github_delivery() -> webhooks.GitHubDelivery:
    headers = router.current_event.headers
    return webhooks.GitHubDelivery(
        event=headers.get("x-github-event"),
        delivery_id=headers.get("x-github-delivery"),
        signature=headers.get("x-hub-signature-256"),
        body=_raw_body(),
        content_type=headers.get("content-type"),
    )


def _answer(outcome: webhooks.WebhookOutcome) -> Response[m.WebhookAnswer]:
    status = 200 if outcome.outcome in ("pong", "duplicate") else 202
    return json_response(
        status, m.WebhookAnswer(outcome=outcome.outcome, job_ids=list(outcome.job_ids), detail=outcome.detail)
    )


@router.post(WEBHOOK_PATH, summary="GitHub webhook (X-Hub-Signature-256 over the raw body)", responses=_RESPONSES)
def github_webhook() -> Response[m.WebhookAnswer]:
    services = request_services(router)
    outcome = webhooks.handle_github_delivery(
        _github_delivery(),
        services.webhook_ports(),
    )
    return _answer(outcome)


@router.post(
    f"{WEBHOOK_PATH}/<registration_id>",
    summary="A registration's own GitHub webhook (X-Hub-Signature-256 with its secret); affects it alone",
    responses={
        **documented_responses((202, m.WebhookAnswer, "accepted: a scan queued, or nothing to do"), 400, 401),
        200: _RESPONSES[200],
    },
)
def registration_webhook(registration_id: str) -> Response[m.WebhookAnswer]:
    services = request_services(router)
    outcome = webhooks.handle_registration_delivery(
        registration_id,
        _github_delivery(),
        services.webhook_ports(),
    )
    return _answer(outcome)
