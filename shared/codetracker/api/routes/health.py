"""The health check: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import JSON, json_response, request_services
from codetracker.errors import StoreUnavailable
from codetracker.usecases import health

router = Router()


@router.get(
    "/health",
    summary="200 when the database answers, 503 otherwise",
    responses={
        200: {"description": "healthy", "content": {JSON: {"model": m.Health}}},
        503: {"description": "the database does not answer", "content": {JSON: {"model": m.ErrorBody}}},
    },
)
def get_health() -> Response[m.Health]:
    if not health.database_answers(request_services(router).unit_of_work):
        raise StoreUnavailable("the database does not answer")
    return json_response(200, m.Health(status="ok"))
