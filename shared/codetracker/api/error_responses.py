"""How every failure of a request is answered: always `{"error": {"code", "message", "field"?}}`.

- typed errors map to statuses through `errors.http_status` (one table);
- Powertools' request validation errors are mapped here (its own 422 body drops pydantic's message): the
  field is the dotted path without its `body`/`query`/`path` prefix; a body that is not JSON is a 400;
- the operator's mistakes and bugs are a 500 with a generic message, the reason in the log; the world's
  (database, queue) a 503, generic too: neither shows a driver message or a connection detail;
- a path no route has is a 404, a method its routes do not answer a 405 with `Allow`.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError, ResponseValidationError

from codetracker.api.routing import JSON
from codetracker.errors import CodetrackerError, ConfigurationError, RetryableError, http_status

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

logger = logging.getLogger("codetracker.api")


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(status_code=status, content_type=JSON, body=json.dumps({"error": detail}), headers=headers)


def _field_path(loc: Any) -> str | None:
    parts = [str(p) for p in (loc or ())]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def request_invalid(error: RequestValidationError) -> Response:
    problems = list(error.errors())
    first = problems[0] if problems else {}
    kind, field = first.get("type", ""), _field_path(first.get("loc"))
    if kind == "json_invalid":
        return error_response(400, "malformed_body", "the request body is not valid JSON", "body")
    if kind == "extra_forbidden":
        return error_response(422, "unknown_field", f"{field} is not a field of this request", field)
    if kind == "missing":
        what = field or "a JSON body"
        return error_response(422, "invalid_input", f"{what} is required", field)
    message = str(first.get("msg", "invalid input"))
    return error_response(422, "invalid_input", f"{field}: {message}" if field else message, field)


def typed_error(error: CodetrackerError) -> Response:
    status = http_status(error)
    if isinstance(error, ConfigurationError) or status >= 500 and not isinstance(error, RetryableError):
        logger.error(
            "request failed: the deployment is misconfigured",
            extra={"code": error.code, "setting": getattr(error, "setting", None), "reason": str(error)},
        )
        return error_response(500, "internal_error", "the service is misconfigured; the reason is logged")
    if isinstance(error, RetryableError):
        logger.warning("request failed: a dependency is unavailable", extra={"code": error.code, "reason": str(error)})
        return error_response(503, error.code, "a dependency of the service is unavailable; retry later")
    return error_response(status, error.code, str(error), getattr(error, "field", None))


def response_invalid(error: ResponseValidationError) -> Response:
    logger.error("a route answered a body that does not match its model", extra={"errors": str(error.errors())[:2000]})
    return error_response(500, "internal_error", "internal error; the reason is logged")


def unexpected(error: Exception) -> Response:
    logger.exception("unexpected error in a route")
    return error_response(500, "internal_error", "internal error; the reason is logged")


def allowed_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    """The methods the routes matching `path` answer (empty: no route has the path)."""
    routes = [*getattr(app, "_static_routes", ()), *getattr(app, "_dynamic_routes", ())]
    return sorted({route.method for route in routes if route.rule.match(path)})


def install(app: APIGatewayHttpResolver) -> None:
    """Register the error answers on the resolver."""
    app.exception_handler(RequestValidationError)(request_invalid)
    app.exception_handler(CodetrackerError)(typed_error)
    app.exception_handler(ResponseValidationError)(response_invalid)
    app.exception_handler(Exception)(unexpected)

    @app.not_found
    def no_route(_: Exception) -> Response:
        event = app.current_event
        allowed = allowed_methods(app, event.path)
        if allowed:
            answer = error_response(405, "method_not_allowed", f"{event.path} answers {', '.join(allowed)}")
            answer.headers["Allow"] = ", ".join(allowed)
            return answer
        return error_response(404, "not_found", f"no route {event.http_method} {event.path}")
