"""The in-memory job store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from codetracker.adapters.memory_store.state import StateStore, with_fields_of
from codetracker.domain.job import Job, JobStatus
from codetracker.errors import InvalidInput
from codetracker.ports.service_stores import JOB_FIXED_FIELDS


class MemoryJobStore(StateStore):
    def add(self, job: Job) -> None:
        if job.repository_id not in self._state.registrations:
            raise InvalidInput("a job needs an existing registration", field="repository_id")
        self._state.jobs[job.id] = job

    def get(self, app_id: str, job_id: str) -> Job | None:
        job = self._state.jobs.get(job_id)
        if job is None:
            return None
        owner = self._state.registrations.get(job.repository_id)
        return job if owner is not None and owner.app_id == app_id else None

    def _newest_first(self, repository_id: str) -> list[Job]:
        return sorted(
            (j for j in self._state.jobs.values() if j.repository_id == repository_id),
            key=lambda j: (j.created_at, j.id),
            reverse=True,
        )

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        jobs = [j for j in self._newest_first(repository_id) if before is None or (j.created_at, j.id) < before]
        return jobs[:limit]

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        return next(
            (j for j in self._newest_first(repository_id) if j.ref == ref and j.status == JobStatus.QUEUED), None
        )

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        active = (JobStatus.QUEUED, JobStatus.SCANNING, JobStatus.PERSISTING)
        return next((j for j in self._newest_first(repository_id) if j.ref == ref and j.status in active), None)

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None:
        job = self._state.jobs.get(job_id)
        if job is not None:
            self._state.jobs[job_id] = replace(job, status=status, updated_at=at)

    def find(self, job_id: str) -> Job | None:
        return self._state.jobs.get(job_id)

    def lock(self, job_id: str) -> Job | None:
        return self._state.jobs.get(job_id)  # units of work are serialised already

    def save(self, job: Job) -> None:
        stored = self._state.jobs.get(job.id)
        if stored is not None:
            self._state.jobs[job.id] = with_fields_of(job, stored, JOB_FIXED_FIELDS)

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        active = (JobStatus.QUEUED, JobStatus.SCANNING, JobStatus.PERSISTING)
        stale = [j for j in self._state.jobs.values() if j.status in active and j.updated_at < before]
        return sorted(stale, key=lambda j: (j.updated_at, j.id))[:limit]
