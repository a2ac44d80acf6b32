"""A repository's activity: the timeline of its scans, snapshots and changes, newest first."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import (
    APP_AUTH,
    Cursor,
    Limit,
    authenticated_app,
    documented_responses,
    json_response,
    request_services,
)
from codetracker.usecases import activity
from codetracker.usecases.app_requests import DEFAULT_PAGE, PageRequest

router = Router()


@router.get(
    "/repositories/<repository_id>/activity",
    summary="A repository's activity, newest first",
    security=APP_AUTH,
    responses=documented_responses((200, m.ActivityList, "a page of the timeline"), 401, 404),
)
def list_activity(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.ActivityList]:
    caller, services = authenticated_app(router), request_services(router)
    page = activity.list_activity(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return json_response(200, m.ActivityList(items=[m.ActivityOut.of(a) for a in page.items], next=page.next_cursor))
