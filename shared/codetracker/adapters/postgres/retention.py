"""Retention on Postgres: old rows deleted in small batches, each batch one statement (the caller commits it
in its own unit of work, so no transaction holds many rows' locks for long). Oldest first, through the
created_at / received_at indexes."""

from __future__ import annotations

from datetime import datetime

from codetracker.adapters.postgres.store import ConnectionStore


class PostgresRetentionStore(ConnectionStore):
    def _delete(self, table: str, key: str, moment: str, before: datetime, limit: int) -> int:
        cursor = self._connection.execute(
            f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} WHERE {moment} < %s "
            f"ORDER BY {moment} LIMIT %s)",
            [before, limit],
        )
        return cursor.rowcount

    def delete_activities(self, *, before: datetime, limit: int) -> int:
        return self._delete("activities", "id", "created_at", before, limit)

    def delete_jobs(self, *, before: datetime, limit: int) -> int:
        return self._delete("jobs", "id", "created_at", before, limit)

    def delete_webhook_deliveries(self, *, before: datetime, limit: int) -> int:
        return self._delete("webhook_deliveries", "hook, delivery_id", "received_at", before, limit)

    def delete_stale_blobs(self, *, before: datetime, limit: int, readable: str) -> int:
        cursor = self._connection.execute(
            "DELETE FROM parsed_blobs WHERE (blob_sha, extractor_version) IN ("
            "  SELECT b.blob_sha, b.extractor_version FROM parsed_blobs b"
            "  WHERE b.created_at < %s"
            "    AND (left(b.extractor_version, length(%s)) <> %s"
            "         OR NOT EXISTS (SELECT 1 FROM snapshot_files f WHERE f.sha = b.blob_sha))"
            "  ORDER BY b.created_at LIMIT %s)",
            [before, readable, readable, limit],
        )
        return cursor.rowcount
