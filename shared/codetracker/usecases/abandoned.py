"""Jobs whose message died: a scan or persist message that exhausted its receives sits in a dead-letter queue
(or expired), and its job would stay queued, scanning or persisting for ever, the reconciler queueing nothing
for its ref. The reconciler's schedule fails every job left active longer than the bound after its last change
(each retry writes its reason on the job, so a job being retried is not taken), with `scan_abandoned`, as any
permanent failure (activity, `scan.failed` notification). A redriven copy of its message then does nothing:
the job is finished; the reconciler (or a new request) queues a fresh scan of the ref.

An age bound rather than a dead-letter consumer: a consumer would take the messages `codetracker redrive`
exists to move back."""

from __future__ import annotations

import logging
from datetime import timedelta

from codetracker.domain.job import JobStage, JobStatus
from codetracker.errors import ScanAbandoned
from codetracker.observability import job_scope
from codetracker.usecases.job_outcomes import JobFailure, fail_job
from codetracker.usecases.pipeline import PipelinePorts

logger = logging.getLogger("codetracker.abandoned")


def fail_abandoned_jobs(*, ports: PipelinePorts, older_than_s: float, limit: int = 500) -> int:
    """Fail the jobs still active `older_than_s` after their last change; how many were failed."""
    before = ports.clock() - timedelta(seconds=older_than_s)
    with ports.unit_of_work(read_only=True) as uow:
        stale = uow.jobs.list_stale(before=before, limit=limit)
    failed = 0
    for job in stale:
        stage = JobStage.PERSIST if job.status == JobStatus.PERSISTING else JobStage.SCAN
        error = ScanAbandoned(
            f"the job stayed {job.status} for more than {older_than_s:g} s without a change: its {stage} message "
            "went to the dead-letter queue or was lost; a new scan of the ref can be requested"
        )
        with job_scope(job.id, job.repository_id):
            # Not if it moved since it was listed (a late delivery picked it up).
            if fail_job(JobFailure(job.id, error, stage, unchanged_since=job.updated_at), ports=ports, log=None):
                failed += 1
    if failed:
        logger.warning("abandoned jobs failed", extra={"jobs": failed})
    return failed
