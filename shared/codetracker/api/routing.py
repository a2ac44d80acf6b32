"""What every route shares: the auth schemes, the documented responses, JSON answers, the request's services
and authenticated app, and the page query parameters. Routers are Powertools `Router`s included by
codetracker.api.http; after inclusion a router's `context` and `current_event` are the resolver's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from codetracker.api import models as m
from codetracker.usecases import registry
from codetracker.usecases.app_requests import (
    DEFAULT_FUNCTION_PAGE,
    DEFAULT_PAGE,
    MAX_FUNCTION_PAGE,
    MAX_PAGE,
    PageRequest,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Router
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

    from codetracker.domain.registry import App
    from codetracker.ports.unit_of_work import UnitOfWorkFactory
    from codetracker.usecases.pages import Page
    from codetracker.wiring import Services

Handler = TypeVar("Handler", bound=Callable[..., Any])
JSON = "application/json"
WEBHOOK_PATH = "/webhooks/github"

SECURITY_SCHEMES = {
    "app_token": HTTPBearer(description="the app token returned once by POST /apps"),
    "admin_token": HTTPBearer(description="the deployment's admin token (Secrets Manager / CODE_TRACKER_ADMIN_TOKEN)"),
}
APP_AUTH: list[dict[str, list[str]]] = [{"app_token": []}]
ADMIN_AUTH: list[dict[str, list[str]]] = [{"admin_token": []}]
APP_OR_ADMIN_AUTH = [*APP_AUTH, *ADMIN_AUTH]

ERROR_TEXT = {
    400: "the request body is not JSON",
    401: "missing or wrong bearer token",
    404: "no such resource (or not the app's)",
    409: "conflict with what is stored",
    413: "request body too large",
    422: "invalid input; `field` names it",
    500: "internal error (the reason is logged)",
    503: "a dependency is unavailable; retry later",
}


def documented_responses(ok: tuple[int, type, str], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's responses for the OpenAPI document: its success, the errors it names and those every route
    may answer (413, 422, 500, 503), all in the one error body."""
    status, model, text = ok
    documented: dict[int, OpenAPIResponse] = {status: {"description": text, "content": {JSON: {"model": model}}}}
    for code in sorted({*errors, 413, 422, 500, 503}):
        documented[code] = {"description": ERROR_TEXT[code], "content": {JSON: {"model": m.ErrorBody}}}
    return documented


def json_response(status: int, model: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=JSON, body=model, headers=headers)


def request_services(router: BaseRouter) -> Services:
    """The adapters of this call (handle() puts them in the resolver's context)."""
    return router.context["services"]


def app_route(
    route: Callable[..., Callable[[Handler], Handler]],
    path: str,
    summary: str,
    ok: tuple[int, type, str],
    *errors: int,
    **options: Any,
) -> Callable[[Handler], Handler]:
    """A route an app calls with its token: `route` is the router's method (`router.get`…), declared with the
    app's auth scheme and documented with its success, 401, the errors named and those every route may
    answer. `options`: the router method's others (`description`…)."""
    responses = documented_responses(ok, 401, *errors)
    return route(path, summary=summary, security=APP_AUTH, responses=responses, **options)


def app_request(router: BaseRouter) -> tuple[App, Services]:
    """What an app's route starts from: the app whose bearer token the request carries (401 otherwise) and
    the services of this call."""
    services = request_services(router)
    caller = registry.authenticate_app(
        router.current_event.headers.get("authorization"), unit_of_work=services.unit_of_work, clock=services.clock
    )
    return caller, services


def page_response(page: Page[Any], list_model: type[m.Listing[Any]], item_out: Callable[[Any], BaseModel]) -> Response:
    """A page of a listing answered as `list_model`: its items each shaped by `item_out`, and the next cursor."""
    return json_response(200, list_model.of(page, item_out))


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (default {DEFAULT_PAGE})")]
FunctionLimit = Annotated[
    int, Query(ge=1, le=MAX_FUNCTION_PAGE, description=f"functions per page (default {DEFAULT_FUNCTION_PAGE})")
]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=1024,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the `next` of the previous page (opaque; one this service did not hand out is a 422)",
    ),
]


class RepositoryPages(Protocol):
    """A use case listing a page of one of the app's repositories' jobs, activity, snapshots…"""

    def __call__(
        self, app: App, repository_id: str, page: PageRequest, /, *, unit_of_work: UnitOfWorkFactory
    ) -> Page[Any]: ...


def repository_listing(
    router: Router,
    what: str,
    summary: str,
    ok: tuple[int, type[m.Listing[Any]], str],
    list_page: RepositoryPages,
    item_out: Callable[[Any], BaseModel],
) -> None:
    """Declares `list_<what>`, GET /repositories/<repository_id>/<what> (an app's route; 404: not its repository):
    a page of what `list_page` lists, each item shaped by `item_out`, answered as `ok`'s listing."""

    def listing(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[Any]:
        caller, services = app_request(router)
        page = list_page(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
        return page_response(page, ok[1], item_out)

    listing.__name__ = listing.__qualname__ = f"list_{what}"  # the OpenAPI operationId is made from it
    app_route(router.get, f"/repositories/<repository_id>/{what}", summary, ok, 404)(listing)
