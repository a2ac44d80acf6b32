"""GET /jobs/{id}'s `result`: the explicit response model gives exactly the stored JSON shape of a job's result
(no field more, none less: a single-module result has no package fields, a stale package no snapshot)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from codetracker.api.models import JobOut
from codetracker.domain.job import Job, JobStatus, JobTrigger
from codetracker.domain.job_result import (
    PackageOutcome,
    ResultCounts,
    ResultOutcome,
    StageDurations,
    StaleResult,
    StoredResult,
    result_to_json,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STORED = StoredResult(
    snapshot_id=3,
    commit_sha="c" * 40,
    ref_kind="tag",
    counts=ResultCounts(functions=2, parameters=1, unread_files=1),
    changes={"first_snapshot": False, "added_count": 1},
    durations=StageDurations(0.25, 1.5, None),
    extraction={"unread_sources": {".cjs": 1}},
    fetch={"objects": 12},
)
PACKAGES = replace(
    STORED,
    module_slug="core",
    packages=(
        PackageOutcome("core", "@m/core", "2.0.0", "", False, "v2", ResultOutcome.STORED, 3, 2, {"added_count": 1}),
        PackageOutcome("util", "util", None, "util", True, "v2", ResultOutcome.STALE),
    ),
    removed_packages=("old",),
)
STALE = StaleResult(commit_sha="a" * 40, stored_commit_sha="c" * 40, stored_scanned_at="2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("result", [STORED, PACKAGES, STALE], ids=["one-module", "packages", "stale"])
def test_the_response_shows_the_result_as_stored(result):
    job = Job("j", "r", JobTrigger.API, "refs/tags/v2", JobStatus.DONE, T0, T0, result=result)
    assert JobOut.of(job).model_dump(mode="json")["result"] == result_to_json(result)


def test_a_job_without_a_result_shows_none():
    job = Job("j", "r", JobTrigger.API, "HEAD", JobStatus.QUEUED, T0, T0)
    assert JobOut.of(job).model_dump(mode="json")["result"] is None
