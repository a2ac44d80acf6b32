"""Jobs on Postgres, on the connection of a unit of work. A job is read by id only through its app (a join on
its registration), so one app cannot read another's job by guessing an id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from codetracker.adapters.postgres.keyset import KeysetOrder
from codetracker.adapters.postgres.registry import is_uuid
from codetracker.adapters.postgres.row_mapping import RowMapping, assignments
from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.domain.job import Job, JobStatus, JobTrigger, StageTimes
from codetracker.domain.job_result import result_from_json, result_to_json
from codetracker.ports.service_stores import JOB_FIXED_FIELDS

_STAGES = ("scan", "persist", "notify")  # a stage's StageTimes: two columns, <stage>_started_at and _ended_at
_STAGE_COLUMNS = tuple((stage, f"{stage}_started_at", f"{stage}_ended_at") for stage in _STAGES)


def _job_of(**columns: Any) -> Job:
    for stage, started_at, ended_at in _STAGE_COLUMNS:
        columns[stage] = StageTimes(columns.pop(started_at), columns.pop(ended_at))
    return Job(**columns)


# The jobs table's columns are Job's fields, each stage's times in two.
_JOBS = RowMapping(
    _job_of,
    tuple(
        column
        for f in fields(Job)
        for column in ((f"{f.name}_started_at", f"{f.name}_ended_at") if f.name in _STAGES else (f.name,))
    ),
    read={
        "id": str,
        "repository_id": str,
        "trigger": JobTrigger,
        "status": JobStatus,
        "result": lambda result: result_from_json(result) if result is not None else None,
        "log_tail": lambda log_tail: tuple(log_tail or ()),
    },
)
_JOB = _JOBS.select_list("j.")
_NEWEST_FIRST = KeysetOrder(("j.created_at", "j.id"), descending=True)  # a repository's jobs
# Every column a consumer may change, in this order (save, and add after the fixed ones).
_MUTABLE = tuple(column for column in _JOBS.columns if column not in JOB_FIXED_FIELDS)


def _values(job: Job, columns: Iterable[str]) -> list[object]:
    """What to write in these columns of the job's row, in their order."""
    from psycopg.types.json import Jsonb

    stored: dict[str, object] = {
        "trigger": str(job.trigger),
        "status": str(job.status),
        "result": Jsonb(result_to_json(job.result)) if job.result is not None else None,
        "log_tail": Jsonb(list(job.log_tail)) if job.log_tail else None,
    }
    for stage, started_at, ended_at in _STAGE_COLUMNS:
        times = getattr(job, stage)
        stored |= {started_at: times.started_at, ended_at: times.ended_at}
    return [stored[column] if column in stored else getattr(job, column) for column in columns]


class PostgresJobStore(ConnectionStore):
    def add(self, job: Job) -> None:
        columns = (*JOB_FIXED_FIELDS, *_MUTABLE)
        self._connection.execute(
            f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            _values(job, columns),
        )

    def get(self, app_id: str, job_id: str) -> Job | None:
        if not (is_uuid(app_id) and is_uuid(job_id)):
            return None
        return _JOBS.one(
            self._connection.execute(
                f"SELECT {_JOB} FROM jobs j JOIN repositories r ON r.id = j.repository_id "
                "WHERE j.id = %s AND r.app_id = %s",
                [job_id, app_id],
            )
        )

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        if not is_uuid(repository_id) or (before is not None and not is_uuid(before[1])):
            return []
        query, values = _NEWEST_FIRST.page(
            f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s", [repository_id], past=before, limit=limit
        )
        return _JOBS.all(self._connection.execute(query, values))

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        return _JOBS.one(
            self._connection.execute(
                f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s AND j.ref = %s AND j.status = 'queued' "
                "ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
                [repository_id, ref],
            )
        )

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None:
        self._connection.execute(
            "UPDATE jobs SET status = %s, updated_at = %s WHERE id = %s", [str(status), at, job_id]
        )

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        if not is_uuid(repository_id):
            return None
        return _JOBS.one(
            self._connection.execute(
                f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s AND j.ref = %s "
                "AND j.status IN ('queued', 'scanning', 'persisting') ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
                [repository_id, ref],
            )
        )

    def find(self, job_id: str) -> Job | None:
        if not is_uuid(job_id):
            return None
        return _JOBS.one(self._connection.execute(f"SELECT {_JOB} FROM jobs j WHERE j.id = %s", [job_id]))

    def lock(self, job_id: str) -> Job | None:
        if not is_uuid(job_id):
            return None
        return _JOBS.one(self._connection.execute(f"SELECT {_JOB} FROM jobs j WHERE j.id = %s FOR UPDATE", [job_id]))

    def save(self, job: Job) -> None:
        self._connection.execute(
            f"UPDATE jobs SET {assignments(_MUTABLE)} WHERE id = %s", _values(job, (*_MUTABLE, "id"))
        )

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        return _JOBS.all(
            self._connection.execute(
                f"SELECT {_JOB} FROM jobs j WHERE j.status IN ('queued', 'scanning', 'persisting') "
                "AND j.updated_at < %s ORDER BY j.updated_at, j.id LIMIT %s",
                [before, limit],
            )
        )
