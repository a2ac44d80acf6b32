"""Scans and the jobs that carry them: queue a scan of a ref, read one job, list a repository's jobs."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from codetracker.api import models as m
from codetracker.api.routing import (
    app_request,
    app_route,
    json_response,
    repository_listing,
)
from codetracker.usecases import jobs
from codetracker.usecases.app_requests import ScanJobRequest

router = Router()


@app_route(
    router.post,
    "/repositories/<repository_id>/scans",
    "Queue a scan of a ref (default: the watched branch)",
    (202, m.ScanAccepted, "the scan is queued"),
    400,
    404,
)
def request_scan(repository_id: str, body: m.ScanBody | None = None) -> Response[m.ScanAccepted]:
    caller, services = app_request(router)
    job = jobs.request_scan(
        caller,
        ScanJobRequest(repository_id=repository_id, ref=body.ref if body else None),
        services.job_ports(),
    )
    return json_response(202, m.ScanAccepted(job_id=job.id))


@app_route(router.get, "/jobs/<job_id>", "One job", (200, m.JobOut, "the job"), 404)
def get_job(job_id: str) -> Response[m.JobOut]:
    caller, services = app_request(router)
    return json_response(200, m.JobOut.of(jobs.get_job(caller, job_id, unit_of_work=services.unit_of_work)))


repository_listing(
    router, "jobs", "A repository's jobs, newest first", (200, m.JobList, "a page of jobs"), jobs.list_jobs, m.JobOut.of
)
