"""The OpenAPI document of the routes and its Swagger UI (`/openapi.json`, `/docs`), both built once per process
from the resolver the router is included into."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api.routing import ERROR_TEXT, JSON, SECURITY_SCHEMES

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

router = Router()

TITLE = "Codetracker API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Exported functions of JavaScript packages per branch and release. Apps authenticate with "
    "`Authorization: Bearer <app token>` (POST /apps with the admin token creates one). Errors are "
    '`{"error": {"code", "message", "field"}}`.'
)
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


def openapi_json(resolver: BaseRouter) -> str:
    """The OpenAPI document of `resolver`'s routes (built once per process)."""
    global _openapi_json
    if _openapi_json is None:
        spec = json.loads(resolver.get_openapi_json_schema(**_OPENAPI_KWARGS))  # type: ignore[attr-defined]
        for item in spec["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    schema = response.get("content", {}).get(JSON, {}).get("schema", {})
                    if int(status) >= 400 and schema.get("$ref") in _POWERTOOLS_ERROR_MODELS:
                        response["content"][JSON]["schema"] = {"$ref": "#/components/schemas/ErrorBody"}
                        response["description"] = ERROR_TEXT.get(int(status), response.get("description", ""))
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):
            schemas.pop(name, None)
        _openapi_json = json.dumps(spec, separators=(",", ":"))
    return _openapi_json


def _resolver() -> BaseRouter:
    if router.api_resolver is None:
        raise RuntimeError("the OpenAPI router is not included into a resolver")
    return router.api_resolver


@router.get("/openapi.json", include_in_schema=False, compress=True)
def get_openapi():  # noqa: ANN201 - unannotated: Powertools would model a bare Response
    return Response(status_code=200, content_type=JSON, body=openapi_json(_resolver()))


@router.get("/docs", include_in_schema=False, compress=True)
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
            openapi_json(_resolver()).replace("</", "<\\/"),
            (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
            (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
            "",
            None,
        )
    return Response(status_code=200, content_type="text/html", body=_docs_html)
