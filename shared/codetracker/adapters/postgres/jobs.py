"""Jobs on Postgres, on the connection of a unit of work. A job is read by id only through its app (a join on
its registration), so one app cannot read another's job by guessing an id."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from codetracker.adapters.postgres.registry import is_uuid
from codetracker.domain.job import Job, JobStatus, JobTrigger, StageTimes
from codetracker.domain.job_result import result_from_json, result_to_json

if TYPE_CHECKING:
    import psycopg

_JOB = (
    "j.id, j.repository_id, j.trigger, j.ref, j.status, j.created_at, j.updated_at, j.commit_sha, j.module_slug, "
    "j.branch_name, j.release_tag, j.scan_started_at, j.scan_ended_at, j.persist_started_at, j.persist_ended_at, "
    "j.notify_started_at, j.notify_ended_at, j.result, j.error_code, j.error_message, j.log_tail, "
    "j.notification_id, j.notification_queued_at, j.notification_attempts, j.notification_delivered_at"
)
# Every column a consumer may change, in this order (save, and add after the fixed ones).
_MUTABLE = (
    "status",
    "updated_at",
    "commit_sha",
    "module_slug",
    "branch_name",
    "release_tag",
    "scan_started_at",
    "scan_ended_at",
    "persist_started_at",
    "persist_ended_at",
    "notify_started_at",
    "notify_ended_at",
    "result",
    "error_code",
    "error_message",
    "log_tail",
    "notification_id",
    "notification_queued_at",
    "notification_attempts",
    "notification_delivered_at",
)


def _job(row: tuple) -> Job:
    (
        jid,
        repository_id,
        trigger,
        ref,
        status,
        created_at,
        updated_at,
        commit_sha,
        slug,
        branch,
        tag,
        s0,
        s1,
        p0,
        p1,
        n0,
        n1,
        result,
        error_code,
        error_message,
        log_tail,
        notification_id,
        queued_at,
        attempts,
        delivered_at,
    ) = row
    return Job(
        id=str(jid),
        repository_id=str(repository_id),
        trigger=JobTrigger(trigger),
        ref=ref,
        status=JobStatus(status),
        created_at=created_at,
        updated_at=updated_at,
        commit_sha=commit_sha,
        module_slug=slug,
        branch_name=branch,
        release_tag=tag,
        scan=StageTimes(s0, s1),
        persist=StageTimes(p0, p1),
        notify=StageTimes(n0, n1),
        result=result_from_json(result) if result is not None else None,
        error_code=error_code,
        error_message=error_message,
        log_tail=tuple(log_tail or ()),
        notification_id=notification_id,
        notification_queued_at=queued_at,
        notification_attempts=attempts,
        notification_delivered_at=delivered_at,
    )


def _mutable_values(job: Job) -> list[object]:
    from psycopg.types.json import Jsonb

    return [
        str(job.status),
        job.updated_at,
        job.commit_sha,
        job.module_slug,
        job.branch_name,
        job.release_tag,
        job.scan.started_at,
        job.scan.ended_at,
        job.persist.started_at,
        job.persist.ended_at,
        job.notify.started_at,
        job.notify.ended_at,
        Jsonb(result_to_json(job.result)) if job.result is not None else None,
        job.error_code,
        job.error_message,
        Jsonb(list(job.log_tail)) if job.log_tail else None,
        job.notification_id,
        job.notification_queued_at,
        job.notification_attempts,
        job.notification_delivered_at,
    ]


class PostgresJobStore:
    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def add(self, job: Job) -> None:
        columns = ("id", "repository_id", "trigger", "ref", "created_at", *_MUTABLE)
        self._connection.execute(
            f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            [job.id, job.repository_id, str(job.trigger), job.ref, job.created_at, *_mutable_values(job)],
        )

    def get(self, app_id: str, job_id: str) -> Job | None:
        if not (is_uuid(app_id) and is_uuid(job_id)):
            return None
        row = self._connection.execute(
            f"SELECT {_JOB} FROM jobs j JOIN repositories r ON r.id = j.repository_id "
            "WHERE j.id = %s AND r.app_id = %s",
            [job_id, app_id],
        ).fetchone()
        return _job(row) if row else None

    def list_for_repository(
        self, repository_id: str, *, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        if not is_uuid(repository_id) or (before is not None and not is_uuid(before[1])):
            return []
        query = f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s"
        values: list[object] = [repository_id]
        if before is not None:
            query += " AND (j.created_at, j.id) < (%s, %s)"
            values += [before[0], before[1]]
        query += " ORDER BY j.created_at DESC, j.id DESC LIMIT %s"
        values.append(limit)
        return [_job(row) for row in self._connection.execute(query, values).fetchall()]

    def find_pending(self, repository_id: str, ref: str) -> Job | None:
        row = self._connection.execute(
            f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s AND j.ref = %s AND j.status = 'queued' "
            "ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
            [repository_id, ref],
        ).fetchone()
        return _job(row) if row else None

    def set_status(self, job_id: str, status: JobStatus, *, at: datetime) -> None:
        self._connection.execute(
            "UPDATE jobs SET status = %s, updated_at = %s WHERE id = %s", [str(status), at, job_id]
        )

    def find_active(self, repository_id: str, ref: str) -> Job | None:
        if not is_uuid(repository_id):
            return None
        row = self._connection.execute(
            f"SELECT {_JOB} FROM jobs j WHERE j.repository_id = %s AND j.ref = %s "
            "AND j.status IN ('queued', 'scanning', 'persisting') ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
            [repository_id, ref],
        ).fetchone()
        return _job(row) if row else None

    def find(self, job_id: str) -> Job | None:
        if not is_uuid(job_id):
            return None
        row = self._connection.execute(f"SELECT {_JOB} FROM jobs j WHERE j.id = %s", [job_id]).fetchone()
        return _job(row) if row else None

    def lock(self, job_id: str) -> Job | None:
        if not is_uuid(job_id):
            return None
        row = self._connection.execute(f"SELECT {_JOB} FROM jobs j WHERE j.id = %s FOR UPDATE", [job_id]).fetchone()
        return _job(row) if row else None

    def save(self, job: Job) -> None:
        assignments = ", ".join(f"{column} = %s" for column in _MUTABLE)
        self._connection.execute(f"UPDATE jobs SET {assignments} WHERE id = %s", [*_mutable_values(job), job.id])

    def list_stale(self, *, before: datetime, limit: int) -> list[Job]:
        rows = self._connection.execute(
            f"SELECT {_JOB} FROM jobs j WHERE j.status IN ('queued', 'scanning', 'persisting') AND j.updated_at < %s "
            "ORDER BY j.updated_at, j.id LIMIT %s",
            [before, limit],
        ).fetchall()
        return [_job(row) for row in rows]
