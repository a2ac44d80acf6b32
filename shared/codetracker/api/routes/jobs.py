"""Scans and the jobs that carry them: queue a scan of a ref, read one job, list a repository's jobs."""

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
from codetracker.usecases import jobs
from codetracker.usecases.app_requests import DEFAULT_PAGE, PageRequest, ScanJobRequest

router = Router()


@router.post(
    "/repositories/<repository_id>/scans",
    summary="Queue a scan of a ref (default: the watched branch)",
    security=APP_AUTH,
    responses=documented_responses((202, m.ScanAccepted, "the scan is queued"), 400, 401, 404),
)
def request_scan(repository_id: str, body: m.ScanBody | None = None) -> Response[m.ScanAccepted]:
    caller, services = authenticated_app(router), request_services(router)
    job = jobs.request_scan(
        caller,
        ScanJobRequest(repository_id=repository_id, ref=body.ref if body else None),
        services.job_ports(),
    )
    return json_response(202, m.ScanAccepted(job_id=job.id))


@router.get(
    "/jobs/<job_id>",
    summary="One job",
    security=APP_AUTH,
    responses=documented_responses((200, m.JobOut, "the job"), 401, 404),
)
def get_job(job_id: str) -> Response[m.JobOut]:
    caller, services = authenticated_app(router), request_services(router)
    return json_response(200, m.JobOut.of(jobs.get_job(caller, job_id, unit_of_work=services.unit_of_work)))


@router.get(
    "/repositories/<repository_id>/jobs",
    summary="A repository's jobs, newest first",
    security=APP_AUTH,
    responses=documented_responses((200, m.JobList, "a page of jobs"), 401, 404),
)
def list_jobs(repository_id: str, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response[m.JobList]:
    caller, services = authenticated_app(router), request_services(router)
    page = jobs.list_jobs(caller, repository_id, PageRequest(limit, cursor), unit_of_work=services.unit_of_work)
    return json_response(200, m.JobList(items=[m.JobOut.of(j) for j in page.items], next=page.next_cursor))
