"""The activity timeline on Postgres. Each insert runs in a savepoint: when it fails, the unit of work it
belongs to goes on as if it had not been tried (the use case logs and counts the failure)."""

from __future__ import annotations

from codetracker.adapters.postgres.keyset import KeysetOrder
from codetracker.adapters.postgres.registry import is_uuid
from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.domain.registry import Activity, ActivityStatus, ActivityType

_NEWEST_FIRST = KeysetOrder(("id",), descending=True)  # a repository's activity


class PostgresActivityStore(ConnectionStore):
    def add(self, activity: Activity) -> None:
        conn = self._connection
        with conn.transaction():
            conn.execute(
                "INSERT INTO activities (repository_id, app_id, job_id, action_type, details, status, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    activity.repository_id,
                    activity.app_id,
                    activity.job_id,
                    str(activity.action_type),
                    activity.details,
                    str(activity.status),
                    activity.created_at,
                ],
            )

    def list_for_repository(self, repository_id: str, *, limit: int, before: int | None = None) -> list[Activity]:
        if not is_uuid(repository_id):
            return []
        query, values = _NEWEST_FIRST.page(
            "SELECT id, repository_id, app_id, job_id, action_type, details, status, created_at "
            "FROM activities WHERE repository_id = %s",
            [repository_id],
            past=None if before is None else [before],
            limit=limit,
        )
        rows = self._connection.execute(query, values).fetchall()
        return [
            Activity(
                repository_id=str(repository_id_),
                app_id=str(app_id),
                action_type=ActivityType(action_type),
                status=ActivityStatus(status),
                created_at=created_at,
                details=details,
                job_id=str(job_id) if job_id is not None else None,
                id=activity_id,
            )
            for activity_id, repository_id_, app_id, job_id, action_type, details, status, created_at in rows
        ]
