"""A repository's activity: the timeline of its scans, snapshots and changes, newest first."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import repository_listing
from codetracker.usecases import activity

router = Router()


repository_listing(
    router,
    "activity",
    "A repository's activity, newest first",
    (200, m.ActivityList, "a page of the timeline"),
    activity.list_activity,
    m.ActivityOut.of,
)
