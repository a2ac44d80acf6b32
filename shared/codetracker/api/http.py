"""The HTTP API: the resolver (Powertools' APIGatewayHttpResolver, payload v2, with validation), the routers it
includes (one per resource, in routes/; the OpenAPI document and docs in openapi.py), the error answers
(error_responses.py) and the edge every request passes first (`handle`).

Used by the `api` Lambda (functions/api/app.py) and, unchanged, by the local runtime. Nothing here does I/O at
import: the resolver and its routes are plain objects; adapters come with the `services` of each call.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from codetracker.api import error_responses, openapi
from codetracker.api.error_responses import error_response
from codetracker.api.routes import activity, apps, health, jobs, repositories, snapshots, webhooks
from codetracker.api.routing import JSON, WEBHOOK_PATH

if TYPE_CHECKING:
    from codetracker.wiring import Services

logger = logging.getLogger("codetracker.api")

# API Gateway's own bound on a request: GitHub deliveries (up to 25 MB from GitHub) are read up to it.
API_GATEWAY_PAYLOAD_BYTES = 10 * 1024 * 1024


def _json_body(text: str) -> Any:
    """json.loads for request bodies, where JSON too deep for the parser or a number too long to convert is
    malformed JSON (Powertools answers that as a 400), not an error of the service. A top-level array comes
    back as a tuple: Powertools would take a list's first item for a body that is one object (a form-data
    rule), and `[{...}]` or `[null]` would pass for the object; a tuple is refused as not an object."""
    try:
        value = json.loads(text)
    except (RecursionError, ValueError) as err:
        if isinstance(err, json.JSONDecodeError):
            raise
        reason = "nested too deeply" if isinstance(err, RecursionError) else "a number is too long"
        raise json.JSONDecodeError(reason, text[:100], 0) from None
    return tuple(value) if isinstance(value, list) else value


app = APIGatewayHttpResolver(
    enable_validation=True, response_validation_error_http_code=500, json_body_deserializer=_json_body
)
error_responses.install(app)
for _resource in (apps, repositories, jobs, snapshots, activity, webhooks, health, openapi):
    app.include_router(_resource.router)


def openapi_json() -> str:
    """The OpenAPI document of every route (built once per process)."""
    return openapi.openapi_json(app)


# --- the edge ----------------------------------------------------------------------------------------------------


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    return len(body.encode("utf-8", "surrogatepass"))


def _binary_body(event: dict[str, Any]) -> bool:
    """A base64 body that is not UTF-8 text (API Gateway encodes every body it does not take for text): no
    route reads one, and Powertools would fail decoding it."""
    if not event.get("isBase64Encoded") or not event.get("body"):
        return False
    try:
        base64.b64decode(event["body"], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return True
    return False


def _as_response(response: Response) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": JSON, **{k: v for k, v in (response.headers or {}).items() if isinstance(v, str)}},
        "body": response.body,
        "isBase64Encoded": False,
    }


def handle(event: dict[str, Any], context: Any, services: Services) -> dict[str, Any]:
    """Answer one API Gateway HTTP API (v2) event: the edge checks, then the routes."""
    try:
        path = event.get("rawPath") or (event.get("requestContext") or {}).get("http", {}).get("path") or ""
        # Webhook routes read the raw body as sent (GitHub may send a form), under its own content type, up to
        # API Gateway's own limit (GitHub sends up to 25 MB).
        webhook = path == WEBHOOK_PATH or path.startswith(WEBHOOK_PATH + "/")
        limit = API_GATEWAY_PAYLOAD_BYTES if webhook else services.settings.api.max_body_bytes
        if _body_size(event) > limit:
            return _as_response(
                error_response(413, "payload_too_large", f"the body is over {limit // 1024} KB", "body")
            )
        if not webhook and _binary_body(event):
            return _as_response(error_response(400, "malformed_body", "the request body is not valid JSON", "body"))
        if not webhook:
            # Bodies are JSON whatever the declared type: a form or multipart content type would otherwise send
            # Powertools down a form parser (a multipart type without boundary raises out of resolve()).
            headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
            event = {**event, "headers": {**headers, "content-type": JSON}}
        app.append_context(services=services)
        return app.resolve(event, context)
    except Exception:
        logger.exception("unexpected error at the api edge")
        app.clear_context()
        return _as_response(error_response(500, "internal_error", "internal error; the reason is logged"))
