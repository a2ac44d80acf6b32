"""The activity timeline: recording (never fails the operation it records) and reading, newest first."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from codetracker.contracts.cursors import ACTIVITY
from codetracker.domain.job import Job
from codetracker.domain.registry import Activity, ActivityStatus, ActivityType, App, Registration
from codetracker.ports.metrics import Metrics
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.usecases.ownership import owned_registration
from codetracker.usecases.pages import Page, page_of
from codetracker.usecases.app_requests import PageRequest, entity_id

logger = logging.getLogger("codetracker.activity")
ACTIVITY_FAILURES_METRIC = "ActivityRecordFailures"


def record_activity(uow: UnitOfWork, activity: Activity, *, metrics: Metrics) -> bool:
    """Record one activity in the unit of work; a failure is logged and counted, and the operation goes on
    (the store runs the insert in a savepoint, so the unit stays usable). True when recorded."""
    try:
        uow.activities.add(activity)
    except Exception as err:  # noqa: BLE001 - by design: the timeline must never fail the operation
        logger.warning(
            "activity not recorded",
            extra={
                "action_type": str(activity.action_type),
                "repository_id": activity.repository_id,
                "job_id": activity.job_id,
                "error": type(err).__name__,
            },
        )
        metrics.count(ACTIVITY_FAILURES_METRIC)
        return False
    return True


@dataclass(frozen=True)
class JobActivity:
    """One line of a job's timeline, in its repository's activity, at `at`."""

    registration: Registration
    job: Job
    kind: ActivityType
    status: ActivityStatus
    details: str
    at: datetime


@dataclass(frozen=True)
class RegistrationActivity:
    """One line of a repository's activity that no job carries (registered, deleted, a webhook delivery)."""

    registration: Registration
    kind: ActivityType
    details: str
    at: datetime
    status: ActivityStatus = ActivityStatus.OK


def record_registration_activity(uow: UnitOfWork, entry: RegistrationActivity, *, metrics: Metrics) -> bool:
    """Record one line of a repository's activity that no job carries."""
    registration = entry.registration
    activity = Activity(registration.id, registration.app_id, entry.kind, entry.status, entry.at, entry.details)
    return record_activity(uow, activity, metrics=metrics)


def record_job_activity(uow: UnitOfWork, entry: JobActivity, *, metrics: Metrics) -> bool:
    """Record one line of a job's timeline in its repository's activity (the details cut to the column's size)."""
    registration = entry.registration
    activity = Activity(
        registration.id, registration.app_id, entry.kind, entry.status, entry.at, entry.details[:2000], entry.job.id
    )
    return record_activity(uow, activity, metrics=metrics)


def list_activity(
    app: App, repository_id: str, page: PageRequest, *, unit_of_work: UnitOfWorkFactory
) -> Page[Activity]:
    repository_id = entity_id(repository_id, "repository")
    before = ACTIVITY.decode(page.cursor) if page.cursor else None
    with unit_of_work(read_only=True) as uow:
        owned_registration(uow, app, repository_id)
        found = uow.activities.list_for_repository(repository_id, limit=page.limit + 1, before=before)
    return page_of(found, page.limit, ACTIVITY, lambda activity: activity.id)
