"""The HTTP API: routes over the use cases, on Powertools' APIGatewayHttpResolver (payload v2) with
validation, and the edge that every request passes first (`handle`).

Used by the `api` Lambda (functions/api/app.py) and, unchanged, by the local runtime. Nothing here does I/O at
import: the resolver and its routes are plain objects; adapters come with the `services` of each call.

Errors are always `{"error": {"code", "message", "field"?}}`:
- typed errors map to statuses through `errors.http_status` (one table);
- Powertools' request validation errors are mapped here (its own 422 body drops pydantic's message): the
  field is the dotted path without its `body`/`query`/`path` prefix; a body that is not JSON is a 400;
- the operator's mistakes and bugs are a 500 with a generic message, the reason in the log; the world's
  (database, queue) a 503, generic too: neither shows a driver message or a connection detail.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError, ResponseValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Query

from codetracker.api import models as m
from codetracker.contracts import function_to_dict, problem_to_dict, public_subpaths_to_list
from codetracker.errors import (
    CodetrackerError,
    ConfigurationError,
    InvalidInput,
    RetryableError,
    StoreUnavailable,
    http_status,
)
from codetracker.usecases import activity, health, jobs, registry, snapshots, webhooks
from codetracker.usecases.service_requests import (
    DEFAULT_FUNCTION_PAGE,
    DEFAULT_PAGE,
    MAX_FUNCTION_PAGE,
    MAX_PAGE,
    CreateAppRequest,
    PageRequest,
    RegisterRepositoryRequest,
    ScanRequest,
    UpdateRepositoryRequest,
)

if TYPE_CHECKING:
    from codetracker.domain.service import App
    from codetracker.ports import SnapshotOutline
    from codetracker.wiring import Services

logger = logging.getLogger("codetracker.api")

JSON = "application/json"
WEBHOOK_PATH = "/webhooks/github"
TITLE = "Codetracker API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Exported functions of JavaScript packages per branch and release. Apps authenticate with "
    "`Authorization: Bearer <app token>` (POST /apps with the admin token creates one). Errors are "
    '`{"error": {"code", "message", "field"}}`.'
)
SECURITY_SCHEMES = {
    "app_token": HTTPBearer(description="the app token returned once by POST /apps"),
    "admin_token": HTTPBearer(description="the deployment's admin token (Secrets Manager / CODE_TRACKER_ADMIN_TOKEN)"),
}
APP_AUTH = [{"app_token": []}]
ADMIN_AUTH = [{"admin_token": []}]

_ERROR_TEXT = {
    400: "the request body is not JSON",
    401: "missing or wrong bearer token",
    404: "no such resource (or not the app's)",
    409: "conflict with what is stored",
    413: "request body too large",
    422: "invalid input; `field` names it",
    500: "internal error (the reason is logged)",
    503: "a dependency is unavailable; retry later",
}


def _responses(ok: tuple[int, type, str], *errors: int) -> dict[int, dict[str, Any]]:
    status, model, text = ok
    documented: dict[int, dict[str, Any]] = {status: {"description": text, "content": {JSON: {"model": model}}}}
    for code in sorted({*errors, 413, 422, 500, 503}):
        documented[code] = {"description": _ERROR_TEXT[code], "content": {JSON: {"model": m.ErrorBody}}}
    return documented


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


def _services() -> Services:
    return app.context["services"]


def _caller() -> App:
    services = _services()
    return registry.authenticate_app(
        app.current_event.headers.get("authorization"), unit_of_work=services.unit_of_work, clock=services.clock
    )


def _json(status: int, model: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=JSON, body=model, headers=headers)


# --- errors ---------------------------------------------------------------------------------------------------


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


@app.exception_handler(RequestValidationError)
def _request_invalid(error: RequestValidationError) -> Response:
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


@app.exception_handler(CodetrackerError)
def _typed_error(error: CodetrackerError) -> Response:
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


@app.exception_handler(ResponseValidationError)
def _response_invalid(error: ResponseValidationError) -> Response:
    logger.error("a route answered a body that does not match its model", extra={"errors": str(error.errors())[:2000]})
    return error_response(500, "internal_error", "internal error; the reason is logged")


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("unexpected error in a route")
    return error_response(500, "internal_error", "internal error; the reason is logged")


def allowed_methods(path: str) -> list[str]:
    """The methods the routes matching `path` answer (empty: no route has the path)."""
    routes = [*getattr(app, "_static_routes", ()), *getattr(app, "_dynamic_routes", ())]
    return sorted({route.method for route in routes if route.rule.match(path)})


@app.not_found
def _no_route(_: Exception) -> Response:
    event = app.current_event
    allowed = allowed_methods(event.path)
    if allowed:
        answer = error_response(405, "method_not_allowed", f"{event.path} answers {', '.join(allowed)}")
        answer.headers["Allow"] = ", ".join(allowed)
        return answer
    return error_response(404, "not_found", f"no route {event.http_method} {event.path}")


# --- apps ----------------------------------------------------------------------------------------------------------


@app.post(
    "/apps",
    summary="Create an app (admin)",
    security=ADMIN_AUTH,
    responses=_responses((201, m.AppCreated, "the app, with its token and signing secret (shown once)"), 400, 401),
)
def create_app(body: m.CreateAppBody) -> Response[m.AppCreated]:
    services = _services()
    registry.authenticate_admin(app.current_event.headers.get("authorization"), secrets=services.secrets)
    created = registry.create_app(
        CreateAppRequest(name=body.name, callback_url=body.callback_url),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        url_policy=services.url_policy,
        clock=services.clock,
    )
    return _json(
        201,
        m.AppCreated(
            id=created.app.id,
            name=created.app.name,
            token=created.token,
            signing_secret=created.signing_secret,
            callback_url=created.app.callback_url,
        ),
    )


# --- repositories ----------------------------------------------------------------------------------------------


@app.post(
    "/repositories",
    summary="Register a repository (its watched branch is scanned)",
    security=APP_AUTH,
    responses={
        **_responses((201, m.RepositoryRegistered, "registered; the first scan is queued"), 400, 401, 409),
        200: {
            "description": "already registered by this app: what it states is now watched; a new scan is queued",
            "content": {JSON: {"model": m.RepositoryRegistered}},
        },
    },
)
def register_repository(body: m.RegisterRepositoryBody) -> Response[m.RepositoryRegistered]:
    caller, services = _caller(), _services()
    done = registry.register_repository(
        caller,
        RegisterRepositoryRequest(
            url=body.url,
            branch=body.branch,
            callback_url=body.callback_url,
            slug=body.slug,
            access_token=body.access_token,
            branches=None if body.branches is None else tuple(body.branches),
            tags=None if body.tags is None else tuple(body.tags),
            packages=None if body.packages is None else tuple(body.packages),
            ignore=None if body.ignore is None else tuple(body.ignore),
        ),
        unit_of_work=services.unit_of_work,
        scan_queue=services.scan_queue,
        cipher=services.cipher,
        url_policy=services.url_policy,
        clock=services.clock,
        metrics=services.metrics,
    )
    webhook = m.WebhookOut(url=secret_routes.webhook_url(done.registration.id), secret=done.webhook_secret)
    out = m.RepositoryRegistered(
        **m.RepositoryOut.of(done.registration).model_dump(), job_id=done.job.id, webhook=webhook
    )
    return _json(201 if done.created else 200, out)


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (default {DEFAULT_PAGE})")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=1024,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the `next` of the previous page (opaque; one this service did not hand out is a 422)",
    ),
]


@app.get(
    "/repositories",
    summary="The app's repositories",
    security=APP_AUTH,
    responses=_responses((200, m.RepositoryList, "a page of repositories"), 401),
)
def list_repositories(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.RepositoryList]:
    caller, services = _caller(), _services()
    page = registry.list_repositories(caller, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return _json(200, m.RepositoryList(items=[m.RepositoryOut.of(r) for r in page.items], next=page.next_cursor))


@app.get(
    "/repositories/<repository_id>",
    summary="One repository",
    security=APP_AUTH,
    responses=_responses((200, m.RepositoryOut, "the repository"), 401, 404),
)
def get_repository(repository_id: str) -> Response[m.RepositoryOut]:
    caller, services = _caller(), _services()
    found = registry.get_repository(caller, repository_id, unit_of_work=services.unit_of_work)
    return _json(200, m.RepositoryOut.of(found))


@app.patch(
    "/repositories/<repository_id>",
    summary="Change the callback URL, watched branch, branch and tag patterns or access token",
    security=APP_AUTH,
    responses=_responses((200, m.RepositoryOut, "the changed repository"), 400, 401, 404),
)
def update_repository(repository_id: str, body: m.UpdateRepositoryBody) -> Response[m.RepositoryOut]:
    caller, services = _caller(), _services()
    changed = registry.update_repository(
        caller,
        UpdateRepositoryRequest(
            repository_id=repository_id,
            changed=frozenset(body.model_fields_set),
            callback_url=body.callback_url,
            branch=body.branch,
            access_token=body.access_token,
            branches=None if body.branches is None else tuple(body.branches),
            tags=None if body.tags is None else tuple(body.tags),
            packages=None if body.packages is None else tuple(body.packages),
            ignore=None if body.ignore is None else tuple(body.ignore),
        ),
        unit_of_work=services.unit_of_work,
        cipher=services.cipher,
        url_policy=services.url_policy,
        clock=services.clock,
    )
    return _json(200, m.RepositoryOut.of(changed))


class RepositoryDeleted(m.BaseModel):
    id: str
    deleted: bool
    snapshots_deleted: int


@app.delete(
    "/repositories/<repository_id>",
    summary="Stop watching a repository; its snapshots and access token are deleted, its history stays",
    security=APP_AUTH,
    responses=_responses((200, RepositoryDeleted, "deleted"), 401, 404),
)
def delete_repository(repository_id: str) -> Response[RepositoryDeleted]:
    caller, services = _caller(), _services()
    count = registry.delete_repository(
        caller, repository_id, unit_of_work=services.unit_of_work, clock=services.clock, metrics=services.metrics
    )
    return _json(200, RepositoryDeleted(id=repository_id.lower(), deleted=True, snapshots_deleted=count))


# --- scans and jobs ----------------------------------------------------------------------------------------------


@app.post(
    "/repositories/<repository_id>/scans",
    summary="Queue a scan of a ref (default: the watched branch)",
    security=APP_AUTH,
    responses=_responses((202, m.ScanAccepted, "the scan is queued"), 400, 401, 404),
)
def request_scan(repository_id: str, body: m.ScanBody | None = None) -> Response[m.ScanAccepted]:
    caller, services = _caller(), _services()
    job = jobs.request_scan(
        caller,
        ScanRequest(repository_id=repository_id, ref=body.ref if body else None),
        unit_of_work=services.unit_of_work,
        scan_queue=services.scan_queue,
        clock=services.clock,
        metrics=services.metrics,
    )
    return _json(202, m.ScanAccepted(job_id=job.id))


@app.get(
    "/jobs/<job_id>",
    summary="One job",
    security=APP_AUTH,
    responses=_responses((200, m.JobOut, "the job"), 401, 404),
)
def get_job(job_id: str) -> Response[m.JobOut]:
    caller, services = _caller(), _services()
    return _json(200, m.JobOut.of(jobs.get_job(caller, job_id, unit_of_work=services.unit_of_work)))


@app.get(
    "/repositories/<repository_id>/jobs",
    summary="A repository's jobs, newest first",
    security=APP_AUTH,
    responses=_responses((200, m.JobList, "a page of jobs"), 401, 404),
)
def list_jobs(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.JobList]:
    caller, services = _caller(), _services()
    page = jobs.list_jobs(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return _json(200, m.JobList(items=[m.JobOut.of(j) for j in page.items], next=page.next_cursor))


# --- snapshots and activity ----------------------------------------------------------------------------------------


@app.get(
    "/repositories/<repository_id>/snapshots",
    summary="A repository's snapshots, by (slug, branch, tag)",
    security=APP_AUTH,
    responses=_responses((200, m.SnapshotList, "a page of snapshots"), 401, 404),
)
def list_snapshots(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.SnapshotList]:
    caller, services = _caller(), _services()
    page = snapshots.list_registration_snapshots(
        caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work
    )
    return _json(200, m.SnapshotList(items=[m.SnapshotOut.of(s) for s in page.items], next=page.next_cursor))


FunctionLimit = Annotated[
    int, Query(ge=1, le=MAX_FUNCTION_PAGE, description=f"functions per page (default {DEFAULT_FUNCTION_PAGE})")
]


FileFilter = Annotated[
    str | None,
    Query(max_length=4096, description="only the functions of this file, or of a folder when it ends with `/`"),
]
NameFilter = Annotated[str | None, Query(max_length=255, description="only the functions of this name")]
PublicOnly = Annotated[
    bool,
    Query(
        description="list only the public API (`public_api`: by subpath, each export with its function); "
        "not with `cursor`, `file` or `name`"
    ),
]


@app.get(
    "/snapshots/<snapshot_id>",
    summary="One snapshot with a page of its functions (descriptor format), or its public API only "
    "(`public=true`), its files and its scan problems",
    security=APP_AUTH,
    responses=_responses((200, m.SnapshotDetail, "the snapshot and a page of functions"), 401, 404, 422),
)
def get_snapshot(
    snapshot_id: str,
    limit: FunctionLimit = DEFAULT_FUNCTION_PAGE,
    cursor: Cursor = None,
    file: FileFilter = None,
    name: NameFilter = None,
    public: PublicOnly = False,
) -> Response[m.SnapshotDetail]:
    caller, services = _caller(), _services()
    if public:
        if cursor is not None or file is not None or name is not None:
            raise InvalidInput("public=true lists the whole public API: no cursor, file or name", field="public")
        api = snapshots.get_snapshot_public_api(caller, snapshot_id, unit_of_work=services.unit_of_work)
        body = m.SnapshotOut.fields_of(api.summary) | {"functions": [], "next": None} | _outline(api.outline)
        body["public_api"] = public_subpaths_to_list(api.subpaths) if api.subpaths is not None else None
        return _json(200, body)
    found = snapshots.get_snapshot(
        caller,
        snapshot_id,
        PageRequest(limit, cursor, max_limit=MAX_FUNCTION_PAGE),
        unit_of_work=services.unit_of_work,
        only=snapshots.FunctionFilter(file, name),
    )
    body = m.SnapshotOut.fields_of(found.summary)
    body["functions"] = [function_to_dict(f) for f in found.functions]
    body["next"] = found.next_cursor
    return _json(200, body | _outline(found.outline))


def _outline(outline: SnapshotOutline) -> dict[str, Any]:
    files = [{"path": path, "functions_count": count} for path, count in outline.function_files]
    return {"files": files, "problems": [problem_to_dict(p) for p in outline.problems]}


@app.get(
    "/repositories/<repository_id>/activity",
    summary="A repository's activity, newest first",
    security=APP_AUTH,
    responses=_responses((200, m.ActivityList, "a page of the timeline"), 401, 404),
)
def list_activity(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.ActivityList]:
    caller, services = _caller(), _services()
    page = activity.list_activity(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return _json(200, m.ActivityList(items=[m.ActivityOut.of(a) for a in page.items], next=page.next_cursor))


# --- webhooks, health, documentation ---------------------------------------------------------------------------


def raw_body() -> bytes:
    """The request body as the exact bytes the client sent (API Gateway base64-encodes binary bodies)."""
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return b""
    return body.encode("utf-8", "surrogatepass")


@app.post(
    WEBHOOK_PATH,
    summary="GitHub webhook (X-Hub-Signature-256 over the raw body)",
    responses={
        **_responses((202, m.WebhookAnswer, "accepted: scans queued, or nothing to do"), 400, 401),
        200: {"description": "ping, or a delivery already handled", "content": {JSON: {"model": m.WebhookAnswer}}},
    },
)
def github_webhook() -> Response[m.WebhookAnswer]:
    services = _services()
    outcome = webhooks.handle_github_delivery(
        github_delivery(),
        unit_of_work=services.unit_of_work,
        scan_queue=services.scan_queue,
        secrets=services.secrets,
        clock=services.clock,
        metrics=services.metrics,
    )
    return webhook_response(outcome)


def github_delivery() -> webhooks.GitHubDelivery:
    headers = app.current_event.headers
    return webhooks.GitHubDelivery(
        event=headers.get("x-github-event"),
        delivery_id=headers.get("x-github-delivery"),
        signature=headers.get("x-hub-signature-256"),
        body=raw_body(),
        content_type=headers.get("content-type"),
    )


def webhook_response(outcome: webhooks.WebhookOutcome) -> Response[m.WebhookAnswer]:
    status = 200 if outcome.outcome in ("pong", "duplicate") else 202
    return _json(status, m.WebhookAnswer(outcome=outcome.outcome, job_ids=list(outcome.job_ids), detail=outcome.detail))


@app.get(
    "/health",
    summary="200 when the database answers, 503 otherwise",
    responses={
        200: {"description": "healthy", "content": {JSON: {"model": m.Health}}},
        503: {"description": "the database does not answer", "content": {JSON: {"model": m.ErrorBody}}},
    },
)
def get_health() -> Response[m.Health]:
    if not health.database_answers(_services().unit_of_work):
        raise StoreUnavailable("the database does not answer")
    return _json(200, m.Health(status="ok"))


_OPENAPI_KWARGS: dict[str, Any] = {
    "title": TITLE,
    "version": VERSION,
    "description": DESCRIPTION,
    "security_schemes": SECURITY_SCHEMES,
}
_openapi_json: str | None = None
_docs_html: str | None = None
# Powertools documents its own validation bodies for 422 and 500; ours are the error body on every status.
_POWERTOOLS_ERROR_MODELS = ("#/components/schemas/HTTPValidationError", "#/components/schemas/ResponseValidationError")


def openapi_json() -> str:
    """The OpenAPI document (built once per process)."""
    global _openapi_json
    if _openapi_json is None:
        spec = json.loads(app.get_openapi_json_schema(**_OPENAPI_KWARGS))
        for item in spec["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    schema = response.get("content", {}).get(JSON, {}).get("schema", {})
                    if int(status) >= 400 and schema.get("$ref") in _POWERTOOLS_ERROR_MODELS:
                        response["content"][JSON]["schema"] = {"$ref": "#/components/schemas/ErrorBody"}
                        response["description"] = _ERROR_TEXT.get(int(status), response.get("description", ""))
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
            schemas.pop(name, None)
        _openapi_json = json.dumps(spec, separators=(",", ":"))
    return _openapi_json


@app.get("/openapi.json", include_in_schema=False, compress=True)
def get_openapi():  # noqa: ANN201 - unannotated: Powertools would model a bare Response
    return Response(status_code=200, content_type=JSON, body=openapi_json())


@app.get("/docs", include_in_schema=False, compress=True)
def get_docs():  # noqa: ANN201
    """Swagger UI, offline: its script and style are inlined from the Powertools package (no CDN), with our
    document (≈1.7 MB; gzip when the client accepts it)."""
    global _docs_html
    if _docs_html is None:
        from pathlib import Path

        from aws_lambda_powertools.event_handler.openapi import swagger_ui
        from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

        assets = Path(swagger_ui.__file__).parent
        _docs_html = generate_swagger_html(
            openapi_json().replace("</", "<\\/"),
            (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
            (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
            "",
            None,
        )
    return Response(status_code=200, content_type="text/html", body=_docs_html)


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


# Routes of per-registration webhooks and credential rotation (their own module; they use the helpers above).
from codetracker.api import secret_routes  # noqa: E402

app.include_router(secret_routes.router)
