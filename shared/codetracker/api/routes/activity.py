"""A repository's activity: the timeline of its scans, snapshots and changes, newest first."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import (
    Cursor,
    Limit,
    app_request,
    app_route,
    page_response,
)
from codetracker.usecases import activity
from codetracker.usecases.app_requests import DEFAULT_PAGE, PageRequest

router = Router()


@app_route(
    router.get,
    "/repositories/<repository_id>/activity",
    "A repository's activity, newest first",
    (200, m.ActivityList, "a page of the timeline"),
    404,
)
def list_activity(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.ActivityList]:
    caller, services = app_request(router)
    page = activity.list_activity(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return page_response(page, m.ActivityList, m.ActivityOut.of)
